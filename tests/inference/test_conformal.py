"""Conformal inference for synthetic control (Chernozhukov, Wüthrich & Zhu 2021).

Reference values: ``tests/reference/diffdiff_conformal_prop99.csv``, made by
``benchmarks/diffdiff_reference.py`` with diff-diff 3.13.0
(``SyntheticControl().fit(...).conformal_test(theta, q=q, scheme=scheme, seed=0)``) on California
Proposition 99 (``tests/reference/california_prop99.csv``).  p-values are counts over the same
permutation sets, so they agree exactly; interval ends are the boundaries of diff-diff's own
p-value bisected to 1e-12 of the grid step, ours to 2^-40 of ours, so they agree to ~1e-8.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DesignWarning
from lofteeval.estimators import synthetic_control
from lofteeval.estimators.synth import _proxy
from lofteeval.inference.conformal import (
    conformal_interval,
    conformal_p_value,
    permutations,
    statistic,
)
from lofteeval.inference.methods import describe_inference, resolve_inference

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
PROP99 = dict(unit="State", time="Year", outcome="PacksPerCapita", treated="California",
              treatment_start=1989)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "diffdiff_conformal_prop99.csv", comment="#")


@pytest.fixture(scope="module")
def arrays(prop99):
    wide = prop99.pivot(index="State", columns="Year", values="PacksPerCapita")
    return (wide.loc["California"].to_numpy(), wide.drop("California").to_numpy(),
            wide.columns.to_numpy() >= 1989)


def _fit(df: pd.DataFrame, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthetic_control(df, **{**PROP99, **kw})


def test_p_values_equal_diff_diff(arrays, reference):
    y1, y0, post = arrays
    rows = reference[reference["quantity"] == "p_value"]
    assert len(rows) == 26
    for scheme in ("moving_block", "iid"):
        perms = permutations(post.size, scheme, seed=0)
        for row in rows[rows["scheme"] == scheme].itertuples():
            p = conformal_p_value(y1, y0, post, row.theta, _proxy, perms, q=row.q)
            assert p == pytest.approx(row.value, abs=1e-11), (scheme, row.q, row.theta)


@pytest.mark.parametrize("inference", ["conformal", "conformal_iid"])
@pytest.mark.parametrize("level", [0.90, 0.95])
def test_interval_and_p_value_of_the_estimator_equal_diff_diff(prop99, reference, inference, level):
    scheme = {"conformal": "moving_block", "conformal_iid": "iid"}[inference]
    ref = reference[(reference["scheme"] == scheme) & (reference["level"] == level)]
    p0 = reference[(reference["quantity"] == "p_value") & (reference["scheme"] == scheme)
                   & (reference["q"] == 1) & (reference["theta"] == 0)]["value"].item()
    res = _fit(prop99, inference=inference, level=level)
    assert res.inference_id == inference
    assert res.estimate == pytest.approx(reference.set_index("quantity").loc["synth_att", "value"], abs=1e-6)
    assert res.p_value == pytest.approx(p0, abs=1e-12)
    low = ref[ref["quantity"] == "interval_low"]["value"].item()
    high = ref[ref["quantity"] == "interval_high"]["value"].item()
    assert res.ci_low == pytest.approx(low, abs=1e-6)
    assert res.ci_high == pytest.approx(high, abs=1e-6)
    assert (res.ci_low <= 0 <= res.ci_high) == (res.p_value >= round(1 - level, 12))
    assert res.inference_values["n"] == (31 if scheme == "moving_block" else 10_000)


def test_default_inference_keeps_its_numbers(prop99):
    res = _fit(prop99)
    assert res.inference_id == "placebo_rank"
    assert res.p_value == pytest.approx(1 / 39)


def test_moving_block_cannot_reject_with_fifteen_years_and_says_so():
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2025)
    rows = [(f"u{i}", t, 100 + 5 * i + rng.normal(0, 2) - (30.0 if i == 5 and t >= 2020 else 0.0))
            for i in range(12) for t in years]
    df = pd.DataFrame(rows, columns=["unit", "year", "y"])
    kw = dict(unit="unit", time="year", outcome="y", treated="u5", treatment_start=2020)
    with pytest.warns(DesignWarning, match=r"cannot give p < 0.05 \(smallest p = 1/15"):
        res = synthetic_control(df, inference="conformal", **kw)
    assert res.p_value >= 1 / 15 and np.isinf(res.ci_low) and np.isinf(res.ci_high)
    assert any("conformal_granularity" == c.values.get("topic") for c in res.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iid = synthetic_control(df, inference="conformal_iid", **kw)
    assert iid.p_value < 0.01 and iid.ci_low < -30 < iid.ci_high < 0


def test_interval_covers_a_known_constant_effect_and_agrees_with_the_p_value():
    rng = np.random.default_rng(11)
    t, j = 30, 8
    factor = np.cumsum(rng.normal(0, 1, t))
    y0 = 50 + np.arange(j)[:, None] * 2.0 + factor[None, :] + rng.normal(0, 0.5, (j, t))
    post = np.arange(t) >= 24
    w = np.full(j, 1 / j)
    y1 = w @ y0 + rng.normal(0, 0.5, t) + 4.0 * post
    out = conformal_interval(y1, y0, post, _proxy, center=4.0, spread=0.5, level=0.9, scheme="iid",
                             n_iid=2000)
    iv = out.interval
    assert iv.low < 4.0 < iv.high and iv.high - iv.low < 4.0
    assert (iv.low <= 0 <= iv.high) == (iv.p_value >= 0.1)
    assert out.values["contiguous"]


def test_permutation_sets_and_statistic():
    mb = permutations(5)
    assert mb.shape == (5, 5) and (mb[0] == np.arange(5)).all() and (mb[2] == [2, 3, 4, 0, 1]).all()
    iid = permutations(20, "iid", n_iid=50, seed=4)
    assert iid.shape == (50, 20) and (iid[0] == np.arange(20)).all()
    assert (permutations(20, "iid", n_iid=50, seed=4) == iid).all()
    assert permutations(4, "iid").shape == (24, 4)  # every order when 4! <= n_iid
    u, post = np.array([1.0, -2.0, 3.0, -4.0]), np.array([False, False, True, True])
    assert float(statistic(u, post, 1)) == pytest.approx(7 / np.sqrt(2))
    assert float(statistic(u, post, 2)) == pytest.approx(np.sqrt(25 / np.sqrt(2)))
    assert float(statistic(u, post, np.inf)) == 4.0
    with pytest.raises(ValueError, match="scheme must be 'moving_block' or 'iid'"):
        permutations(5, "blocks")  # type: ignore[arg-type]


def test_the_ids_are_registered_for_synthetic_control_only():
    assert resolve_inference("synth", "conformal") == "conformal"
    assert "Wüthrich" in describe_inference("conformal_iid", lang="sv", values={"n": 10000})
    assert "10000" in describe_inference("conformal_iid", lang="en", values={"n": 10000})
    from lofteeval.errors import DataError

    with pytest.raises(DataError, match="'inference' must be one of"):
        resolve_inference("sdid", "conformal")
