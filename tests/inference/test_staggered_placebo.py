"""Placebo-cohort inference for staggered DiD with few kommuner per cohort."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DesignError
from lofteeval.estimators import _cs_core as core
from lofteeval.estimators.staggered import MIN_COHORT_ANALYTIC, staggered_did
from lofteeval.inference.staggered_placebo import (_enumerate, cell_weights, n_assignments,
                                                   placebo_cohort_test, unit_noise_variance)

SIM = dict(unit="unit", time="year", outcome="y", cohort="cohort")


def panel(*, per_cohort=1, n_never=40, cohorts=(2005, 2007, 2009), effect=0.0, seed=0,
          years=range(2000, 2012), hetero=True) -> pd.DataFrame:
    """Unit + year effects and noise whose sd differs 10-fold across units."""
    rng = np.random.default_rng(seed)
    yrs = np.asarray(list(years))
    year_fx = rng.normal(0, 1, yrs.size)
    labels = [0] * n_never + [c for c in cohorts for _ in range(per_cohort)]
    rows = []
    for i, c in enumerate(labels):
        sd = rng.uniform(0.2, 2.0) if hetero else 1.0
        fx = rng.normal(0, 3)
        for k, yr in enumerate(yrs):
            tau = effect if (c and yr >= c) else 0.0
            rows.append((f"u{i:03d}", yr, c, fx + year_fx[k] + tau + sd * rng.normal()))
    return pd.DataFrame(rows, columns=["unit", "year", "cohort", "y"])


def _wide(df):
    y = df.pivot(index="unit", columns="year", values="y")
    coh = df.groupby("unit")["cohort"].first().reindex(y.index).to_numpy(dtype=float)
    return y.to_numpy(), coh, y.columns.to_numpy(dtype=float)


@pytest.mark.parametrize("aggregation", ["simple", "group", "dynamic", "calendar"])
@pytest.mark.parametrize("never_only", [True, False])
def test_linear_form_equals_the_cs_aggregate(aggregation, never_only):
    y, coh, times = _wide(panel(per_cohort=2, seed=4))
    res = core.att_gt(y, coh, times, never_only=never_only, anticipation=0)
    test = placebo_cohort_test(y, coh, times, cells=res, aggregation=aggregation,
                               never_only=never_only, n_placebo=49)
    assert test.estimate == pytest.approx(core.aggregate(res, coh, aggregation).overall, abs=1e-10)
    w = cell_weights(res, coh, aggregation)
    assert float(w @ res.att) == pytest.approx(test.estimate, abs=1e-10)


def test_noise_variance_is_per_unit():
    rng = np.random.default_rng(0)
    sd = np.repeat([0.5, 3.0], 200)
    y = rng.normal(size=(400, 30)) * sd[:, None] + rng.normal(size=30)[None, :]
    var = unit_noise_variance(y, np.ones(30, dtype=bool))
    assert np.median(var[:200]) == pytest.approx(0.25, rel=0.15)
    assert np.median(var[200:]) == pytest.approx(9.0, rel=0.15)


def test_p_value_is_never_zero_and_agrees_with_the_interval():
    df = panel(effect=-25.0, seed=1)
    res = staggered_did(df, **SIM, inference="placebo", n_placebo=199)
    assert res.p_value == pytest.approx(1 / 200)
    assert res.ci_high < 0 and res.ci_low < res.estimate < res.ci_high
    for seed in range(6):
        r = staggered_did(panel(seed=seed), **SIM, inference="placebo", n_placebo=99)
        assert (r.p_value < 0.05) == (not r.ci_low <= 0 <= r.ci_high)


def test_auto_uses_placebo_for_small_cohorts_and_analytic_for_large():
    small = staggered_did(panel(seed=2), **SIM)
    assert small.inference.startswith("studentised placebo-cohort")
    assert small.diagnostics["inference_overall"] == "placebo"
    assert np.isfinite(small.diagnostics["analytic_se"])
    large = staggered_did(panel(per_cohort=MIN_COHORT_ANALYTIC, n_never=60, seed=2), **SIM)
    assert large.inference == "analytic (influence function)"


def test_analytic_on_one_kommun_per_cohort_warns():
    with pytest.warns(Warning, match=f"fewer than {MIN_COHORT_ANALYTIC} units"):
        res = staggered_did(panel(seed=3), **SIM, inference="analytic")
    assert res.inference == "analytic (influence function)"


def test_size_holds_with_one_unit_per_cohort_where_analytic_fails():
    """20 null panels, heterogeneous noise: placebo rejects rarely, analytic far too often."""
    placebo, analytic = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(20):
            df = panel(seed=100 + seed)
            placebo.append(staggered_did(df, **SIM, inference="placebo", n_placebo=99).p_value)
            analytic.append(staggered_did(df, **SIM, inference="analytic").p_value)
    assert np.sum(np.array(placebo) < 0.05) <= 3
    assert 0.3 < np.mean(placebo) < 0.7  # roughly uniform, not merely conservative
    assert np.sum(np.array(analytic) < 0.05) >= 5


def test_refusals_are_explained():
    short = panel(cohorts=(2002, 2004), seed=5)
    with pytest.raises(DesignError, match=r"needs >= 3 periods before the earliest cohort"):
        staggered_did(short, **SIM, inference="placebo")
    few = panel(n_never=3, seed=5)
    with pytest.raises(DesignError, match="at least 5 never-treated units"):
        staggered_did(few, **SIM, inference="placebo")
    with pytest.warns(Warning, match="placebo-cohort inference is not possible"):
        res = staggered_did(few, **SIM)
    assert res.inference == "analytic (influence function)"


def test_distinct_assignments_are_counted_and_enumerated_once_each():
    cohort = np.array([0.0] * 10 + [2005.0, 2005.0, 2007.0])
    pool = np.flatnonzero(cohort == 0)
    assert n_assignments(cohort, pool.size) == 45 * 8  # C(10, 2) * C(8, 1)
    rows = _enumerate(cohort, pool)
    assert rows.shape == (360, 13) and len({r.tobytes() for r in rows}) == 360
    assert np.all(rows[:, 10:] == 0)  # the treated units never take part
    assert np.all(np.sort(rows[:, :10], axis=1)[:, -3:] == [2005.0, 2005.0, 2007.0])


def test_one_treated_unit_uses_every_placebo_once_whatever_the_seed():
    """One treated unit among 40: 40 distinct placebos, not 999 draws with replacement."""
    df = panel(cohorts=(2006,), seed=7)
    a = staggered_did(df, **SIM, inference="placebo", seed=1)
    b = staggered_did(df, **SIM, inference="placebo", seed=2)
    assert a.diagnostics["n_placebo"] == 40 and a.diagnostics["placebo_exhaustive"] is True
    assert "all 40 placebo assignments" in a.inference
    assert (a.p_value, a.ci_low, a.ci_high) == (b.p_value, b.ci_low, b.ci_high)
    assert a.p_value * 41 == pytest.approx(round(a.p_value * 41))  # a multiple of 1 / 41
    many = staggered_did(panel(seed=7), **SIM, inference="placebo", n_placebo=99)
    assert many.diagnostics["n_placebo"] == 99 and many.diagnostics["placebo_exhaustive"] is False
