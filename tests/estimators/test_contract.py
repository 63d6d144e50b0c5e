"""One contract, every estimator (STYLE §9 "Contracts"; statsmodels' shared result mixins).

Each case runs an estimator on the same small simulated panel (synthetic; ``simulate_null_panel``)
with and without an injected effect.  A broken contract fails; nothing here skips.
"""

from __future__ import annotations

import importlib
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from lofteeval.datasets import simulate_null_panel
from lofteeval.inference.methods import INFERENCE
from lofteeval.results import EFFECTS_COLUMNS, FRAME_COLUMNS, PATH_COLUMNS, PLACEBO_COLUMNS, EffectResult, check_frames

pytestmark = pytest.mark.filterwarnings("ignore::lofteeval.errors.LofteevalWarning")

START = 2020
BASE = dict(unit="kommun", time="year", treatment_start=START)

# name -> (module, function, extra keyword arguments)
CASES: dict[str, tuple[str, str, dict]] = {
    "before_after-counts": ("before_after", "before_after", dict(outcome="count", exposure="population", treated="0001")),
    "before_after-rates": ("before_after", "before_after", dict(outcome="rate", treated="0001")),
    "before_after-shares": ("before_after", "before_after", dict(outcome="share", n="respondents", treated="0001")),
    "its-counts": ("its", "its", dict(outcome="count", exposure="population", treated="0001")),
    "its-rates": ("its", "its", dict(outcome="rate", treated="0001")),
    "did-counts": ("did", "did", dict(outcome="count", exposure="population", treated="0001")),
    "did-rates": ("did", "did", dict(outcome="rate", treated="0001")),
    "did-two-treated": ("did", "did", dict(outcome="rate", treated=["0001", "0002"])),
    "did-cluster": ("did", "did", dict(outcome="rate", treated="0001", inference="cluster")),
    "synthetic_control": ("synth", "synthetic_control", dict(outcome="rate", treated="0001")),
    "synthetic_did": ("sdid", "synthetic_did", dict(outcome="rate", treated="0001")),
    "staggered_did": ("staggered", "staggered_did", dict(outcome="rate", cohort="cohort")),
    "synthetic_control-counts": ("synth", "synthetic_control", dict(outcome="count", exposure="population", treated="0001")),
    "synthetic_did-counts": ("sdid", "synthetic_did", dict(outcome="count", exposure="population", treated="0001")),
    "staggered_did-counts": ("staggered", "staggered_did", dict(outcome="count", exposure="population", cohort="cohort")),
}


@cache
def _panel(effect: float, shuffled: bool) -> pd.DataFrame:
    df = simulate_null_panel(n_units=25, years=range(2012, 2024), seed=11, effect=effect,
                             n_treated=2 if effect else 1, treated_size=60_000)
    df = df.assign(cohort=np.where(df["treated"], START, 0),
                   share=np.clip(30 + 5 * np.tanh(df["rate"] / 1000 - 1), 0, 100),
                   respondents=400.0)
    if shuffled:
        df = df.sample(frac=1.0, random_state=3).reset_index(drop=True)
    return df


def _run(case: str, *, effect: float = -0.25, level: float = 0.95, shuffled: bool = False,
         data: pd.DataFrame | None = None) -> EffectResult:
    module, func, kwargs = CASES[case]
    fn = getattr(importlib.import_module(f"lofteeval.estimators.{module}"), func)
    frame = _panel(effect, shuffled).copy() if data is None else data
    kw = dict(kwargs)
    if "cohort" in kw:
        return fn(frame, unit="kommun", time="year", level=level, **kw)
    return fn(frame, level=level, **BASE, **kw)


_cached = cache(_run)


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> str:
    return request.param


class TestEstimatorContract:
    """Checks every estimator must pass."""

    def test_returns_effect_result_with_standard_frame(self, case: str) -> None:
        res = _cached(case)
        assert isinstance(res, EffectResult)
        frame = res.to_frame()
        assert list(frame.columns) == FRAME_COLUMNS
        assert len(frame) >= 1

    @pytest.mark.parametrize("effect", [0.0, -0.25])
    def test_interval_contains_estimate(self, case: str, effect: float) -> None:
        res = _cached(case, effect=effect)
        assert res.ci_low <= res.estimate <= res.ci_high

    @pytest.mark.parametrize("effect", [0.0, -0.25])
    def test_p_value_in_unit_interval(self, case: str, effect: float) -> None:
        res = _cached(case, effect=effect)
        assert 0.0 <= res.p_value <= 1.0

    @pytest.mark.parametrize("effect", [0.0, -0.25])
    @pytest.mark.parametrize("level", [0.9, 0.95])
    def test_p_value_and_interval_agree(self, case: str, effect: float, level: float) -> None:
        res = _cached(case, effect=effect, level=level)
        excludes_zero = res.ci_low > 0 or res.ci_high < 0
        assert (res.p_value < 1 - level) == excludes_zero, (res.p_value, res.ci_low, res.ci_high)

    def test_named_sub_frames(self, case: str) -> None:
        res = _cached(case)
        check_frames(res)
        assert set(EFFECTS_COLUMNS) <= set(res.effects.columns)
        if res.method != "staggered":
            assert set(PATH_COLUMNS) <= set(res.effects.columns)
        if res.placebo is not None:
            assert set(PLACEBO_COLUMNS) <= set(res.placebo.columns)

    def test_inference_id_from_the_table(self, case: str) -> None:
        res = _cached(case)
        assert res.inference_id in INFERENCE, res.inference_id
        assert res.method in INFERENCE[res.inference_id].applies_to
        row = INFERENCE[res.inference_id]
        assert set(row.fields) <= set(res.inference_values), (row.fields, res.inference_values)

    @pytest.mark.parametrize("effect", [0.0, -0.25])
    def test_caveats_are_typed(self, case: str, effect: float) -> None:
        from lofteeval.errors import Caveat

        for w in _cached(case, effect=effect).warnings:
            assert isinstance(w, Caveat) and w.kind.endswith("Warning"), w
            assert str(w) == f"{w.kind}: {w.message}"

    def test_mde_present_and_positive(self, case: str) -> None:
        res = _cached(case)
        assert res.mde is not None and np.isfinite(res.mde) and res.mde > 0

    def test_input_not_mutated(self, case: str) -> None:
        data = _panel(-0.25, False).copy()
        before = data.copy(deep=True)
        _run(case, data=data)
        pd.testing.assert_frame_equal(data, before)

    def test_row_order_irrelevant(self, case: str) -> None:
        a, b = _cached(case), _cached(case, shuffled=True)
        np.testing.assert_allclose([a.estimate, a.ci_low, a.ci_high, a.p_value],
                                   [b.estimate, b.ci_low, b.ci_high, b.p_value], rtol=1e-8, atol=1e-10)

    def test_level_respected(self, case: str) -> None:
        wide, narrow = _cached(case, level=0.95), _cached(case, level=0.80)
        assert wide.level == 0.95 and narrow.level == 0.80
        assert narrow.estimate == pytest.approx(wide.estimate, rel=1e-10)
        assert wide.ci_low <= narrow.ci_low + 1e-12 and narrow.ci_high <= wide.ci_high + 1e-12


def _degenerate(kind: str) -> pd.DataFrame:
    df = _panel(0.0, False).copy()
    values = ["count", "rate", "share"]
    if kind == "one_post_year":
        return df.loc[df["year"] <= START].reset_index(drop=True)
    if kind == "one_pre_year":
        return df.loc[df["year"] >= START - 1].reset_index(drop=True)
    if kind == "all_zero_counts":
        return df.assign(count=0.0, rate=0.0, share=0.0)
    if kind == "constant_outcome":
        return df.assign(count=100.0, rate=100.0, share=30.0)
    if kind == "treated_nan":
        hole = (df["kommun"] == "0001") & (df["year"] == START - 2)
        return df.assign(**{c: df[c].mask(hole) for c in values})
    raise ValueError(kind)


DEGENERATE = ["one_post_year", "one_pre_year", "all_zero_counts", "constant_outcome", "treated_nan"]


@pytest.mark.parametrize("kind", DEGENERATE)
def test_degenerate_input_gives_clear_error_or_caveated_result(case: str, kind: str) -> None:
    """No raw numpy/statsmodels exception reaches the user: a DataError/DesignError or a sane result."""
    from lofteeval.errors import DataError, DesignError

    data = _degenerate(kind)
    strict = CASES[case][0] in ("before_after", "its", "did")  # modules already free of numpy warnings
    try:
        with warnings.catch_warnings():
            if strict:
                warnings.simplefilter("error", RuntimeWarning)
            res = _run(case, data=data)
    except (DataError, DesignError) as err:
        assert len(str(err)) > 20  # says what must hold
        return
    assert isinstance(res, EffectResult)
    assert res.warnings, f"{case} on {kind}: a result without any caveat"
    assert np.isfinite(res.estimate)
    assert np.isnan(res.p_value) or 0.0 <= res.p_value <= 1.0
    assert res.ci_low <= res.estimate <= res.ci_high


def test_diagnostics_carry_the_periods(case: str) -> None:
    res = _cached(case)
    diag = res.diagnostics
    if case.startswith("staggered"):  # cohorts start in different years: the cohorts are the periods
        assert diag["cohorts"] if "cohorts" in diag else diag["n_groups"] >= 1
        return
    assert diag["treatment_start"] == START
    assert diag["pre_periods"] == list(range(2012, START))
    assert diag["post_periods"] == list(range(START, 2024))


def test_every_design_assembles_its_result_in_one_place():
    """Estimators compute a Fit and an Uncertainty; only ``_assemble`` builds ``EffectResult``."""
    from pathlib import Path

    import lofteeval.estimators as est_pkg

    folder = Path(est_pkg.__file__).parent
    builders = sorted(p.name for p in folder.glob("*.py") if "EffectResult(" in p.read_text(encoding="utf-8"))
    assert builders == ["_assemble.py"], builders
