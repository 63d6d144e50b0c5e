"""The warnings every design gives by the same rules (estimators/_warnings.py), and exposure= everywhere.

Panels are synthetic (``simulate_null_panel``): a tiny treated kommun (about 3 counts a year, some
years without any) and a large one (about 6 000 a year, small noise), 30 comparison kommuner.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from lofteeval import estimators as est
from lofteeval.datasets import simulate_null_panel
from lofteeval.errors import DesignError
from lofteeval.estimators._warnings import LOW_POWER_MDE, POOR_FIT_SHARE, RULE_KINDS, SMALL_COUNT
from lofteeval.indicators import COUNT_DISPERSION

START = 2019
SINGLE = dict(unit="kommun", time="year", treatment_start=START, treated="0001")
COUNTS = dict(outcome="count", exposure="population")

DESIGNS = {
    "before_after": lambda df: est.before_after(df, **SINGLE, **COUNTS),
    "its": lambda df: est.its(df, **SINGLE, **COUNTS),
    "did_poisson": lambda df: est.did(df, **SINGLE, **COUNTS),
    "did_linear": lambda df: est.did(df, **SINGLE, outcome="rate"),
    "synth": lambda df: est.synthetic_control(df, **SINGLE, **COUNTS),
    "sdid": lambda df: est.synthetic_did(df, **SINGLE, **COUNTS),
    "staggered": lambda df: est.staggered_did(df, unit="kommun", time="year", cohort="cohort", **COUNTS),
}
COUNT_DESIGNS = [d for d in DESIGNS if d != "did_linear"]  # the linear DiD sees rates only
# the designs whose size the battery showed broken below SMALL_COUNT a pre-period year refuse instead
REFUSE_SMALL = {"before_after", "its", "did_poisson", "synth", "sdid", "staggered"}


@cache
def _panel(size: float, rate: float) -> pd.DataFrame:
    df = simulate_null_panel(n_units=31, years=range(2010, 2023), seed=3, treated_size=size, base_rate=rate,
                             year_sd=0.02, ar_sd=0.01, ar_rho=0.3, dispersion=1e6)
    return df.assign(cohort=np.where(df["treated"], START, 0))


def tiny() -> pd.DataFrame:
    return _panel(3_000, 100.0).copy()


def gappy() -> pd.DataFrame:
    """A small kommun with enough counts to be tested (about 15 a year) and one post year with none."""
    df = _panel(15_000, 100.0).copy()
    hole = (df["kommun"] == "0001") & (df["year"] == START + 1)
    df.loc[hole, ["count", "rate"]] = 0.0
    return df


def large() -> pd.DataFrame:
    return _panel(600_000, 1000.0).copy()


def _run(design: str, df: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DESIGNS[design](df)


def _kinds(res) -> dict[str, dict]:
    return {c.kind: dict(c.values) for c in res.warnings if c.kind in RULE_KINDS}


def test_the_tiny_series_has_zero_years_and_few_counts():
    counts = tiny().query("kommun == '0001'")["count"]
    assert (counts == 0).any() and counts.mean() < SMALL_COUNT


@pytest.mark.parametrize("design", list(DESIGNS))
def test_tiny_counts_warn_low_power_in_every_design(design):
    if design in REFUSE_SMALL:
        with pytest.raises(DesignError, match=r"on average 2\.\d counts a year .* needs at least 10 to test"):
            _run(design, tiny())
        return
    res = _run(design, tiny())
    got = _kinds(res)
    assert "LowPowerWarning" in got, res.warnings
    low = got["LowPowerWarning"]
    assert low["threshold"] == LOW_POWER_MDE
    assert low["share"] > LOW_POWER_MDE
    assert low["share"] == pytest.approx(res.relative_mde)  # the one relative MDE, also for staggered


# the tiny series is refused by every count design (above); a year with zero counts in a series
# that can be tested warns in each of them
@pytest.mark.parametrize("design", COUNT_DESIGNS)
def test_a_zero_count_year_warns_in_every_count_design(design):
    df = gappy()
    got = _kinds(_run(design, df))
    assert "ZeroCountsWarning" in got
    counts = df.query("kommun == '0001'")["count"].to_numpy()
    assert got["ZeroCountsWarning"]["zero_periods"] == int((counts == 0).sum()) == 1
    assert got["ZeroCountsWarning"]["mean"] == pytest.approx(counts.mean())
    assert got["ZeroCountsWarning"]["threshold"] == SMALL_COUNT


@pytest.mark.parametrize("design", list(DESIGNS))
def test_a_large_kommun_with_a_good_fit_gets_none(design):
    res = _run(design, large())
    assert _kinds(res) == {}, res.warnings
    assert res.relative_mde < LOW_POWER_MDE


@pytest.mark.parametrize("design", list(DESIGNS))
def test_a_pre_period_the_counterfactual_cannot_follow_warns_poor_fit(design):
    # the large kommun's pre-period zigzags +-40 % around its level (6 000 offences a year, whose
    # real year-to-year noise is about +-10 %, sqrt(COUNT_DISPERSION / 6000)): no comparison follows that
    df = large()
    zig = (df["kommun"] == "0001") & (df["year"] < START)
    factor = np.where(df["year"] % 2 == 0, 1.4, 0.6)
    df.loc[zig, "count"] = np.round(df.loc[zig, "count"] * factor[zig])
    df["rate"] = df["count"] / df["population"] * 1e5
    got = _kinds(_run(design, df))
    assert "PoorPreFitWarning" in got
    assert got["PoorPreFitWarning"]["share"] > got["PoorPreFitWarning"]["threshold"] >= POOR_FIT_SHARE


def test_one_rule_replaces_a_design_caveat_of_the_same_kind():
    from lofteeval.errors import Caveat
    from lofteeval.estimators._warnings import design_caveats

    notes = [Caveat("LowPowerWarning", "old wording", {"share": 9.0})]
    effects = pd.DataFrame({"time": [1, 2, 3, 4], "observed": [10.0, 10, 10, 10],
                            "counterfactual": [10.0, 10, 10, 10], "effect": 0.0})
    with pytest.warns(UserWarning):
        design_caveats(notes, effects=effects, scale="absolute", mde=5.0,
                       diagnostics={"pre_periods": [1, 2], "post_periods": [3, 4]})
    assert [c.kind for c in notes] == ["LowPowerWarning"]
    assert notes[0].values["share"] == pytest.approx(0.5)


# -- exposure= in every count-capable design ------------------------------------------------------
@pytest.mark.parametrize("design", ["synth", "sdid", "staggered"])
def test_counts_with_exposure_equal_the_precomputed_rate(design):
    df = large()
    rate = df.assign(rate=df["count"] / df["population"] * 1e5)
    kw = dict(unit="kommun", time="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if design == "staggered":
            a = est.staggered_did(df, **kw, cohort="cohort", **COUNTS)
            b = est.staggered_did(rate, **kw, cohort="cohort", outcome="rate")
        else:
            fn = est.synthetic_control if design == "synth" else est.synthetic_did
            a = fn(df, **SINGLE, **COUNTS)
            b = fn(rate, **SINGLE, outcome="rate")
    for field in ("estimate", "ci_low", "ci_high", "p_value", "mde"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-9, abs=1e-9), field
    if a.weights is not None:
        pd.testing.assert_series_equal(a.weights, b.weights, rtol=1e-9)
    assert a.scale == b.scale == "absolute"


def test_the_registry_passes_counts_and_population_to_every_count_capable_design():
    from lofteeval.estimators.registry import REGISTRY

    assert {m for m, s in REGISTRY.items() if s.exposure} == set(REGISTRY)
    kw = REGISTRY["synth"].arguments(outcome="count", treated=["0001"], treatment_start=START, pool=["0002"],
                                     level=0.95, exposure="population")
    assert kw["exposure"] == "population" and kw["outcome"] == "count"


def test_evaluate_gives_synthetic_control_the_counts_so_it_refuses_a_small_kommun():
    # Sorsele (2422), robbery in the demo panel (synthetic): 0-3 counts a year, so synthetic
    # control, given the counts, refuses it (fewer than 10 a year), as the Poisson DiD and ITS do
    import datetime as dt

    from lofteeval.datasets import demo_panel
    from lofteeval.evaluation import evaluate
    from lofteeval.registry import Lofte

    lf = Lofte(id="demo-sorsele", title="demo: Sorsele", kind="lofte", kommuner=("2422",), lokalpolisomrade=None,
               signed=None, start=dt.date(2019, 1, 1), end=dt.date(2021, 12, 31), focus_areas=("trygghet",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DesignError, match=r"on average [0-2]\.\d counts a year before the start; synthetic "
                                              r"control needs at least 10"):
            evaluate(demo_panel(), lf, "reported_robbery", method="synth")


@pytest.mark.parametrize("design", COUNT_DESIGNS)
def test_real_year_to_year_noise_is_not_called_a_poor_fit(design):
    # a kommun of 100 000 with about 1 000 offences a year whose counts move as real counts do
    # (var ~= COUNT_DISPERSION x mean: about +-25 % a year at this level), around a model every
    # design fits: the gap is noise, not a counterfactual that fails to follow the kommun
    df = _panel(100_000, 1000.0).copy()
    rng = np.random.default_rng(11)
    own = df["kommun"] == "0001"
    noise = rng.normal(0.0, np.sqrt(COUNT_DISPERSION / df.loc[own, "count"].mean()), int(own.sum()))
    df.loc[own, "count"] = np.round(df.loc[own, "count"] * np.exp(noise))
    df["rate"] = df["count"] / df["population"] * 1e5
    got = _kinds(_run(design, df))
    assert "PoorPreFitWarning" not in got, got
