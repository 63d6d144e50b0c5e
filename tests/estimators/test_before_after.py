"""Before/after: exact and overdispersed rate ratios, proportions, Welch, caveats and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lofteeval.errors import DataError, DesignError, DesignWarning
from lofteeval.estimators import before_after

pytestmark = pytest.mark.filterwarnings("ignore::lofteeval.errors.LofteevalWarning")
KW = dict(unit="k", time="year", treated="A", treatment_start=2020)


def _counts(pre: list[float], post: list[float], pop: float = 50_000.0) -> pd.DataFrame:
    years = range(2020 - len(pre), 2020 + len(post))
    return pd.DataFrame({"k": "A", "year": list(years), "y": [*pre, *post], "pop": pop})


def test_rate_ratio_and_exact_interval_match_clopper_pearson() -> None:
    # tiny post counts: the exact interval is the wider one and is reported
    df = _counts([4] * 10, [1, 0])
    res = before_after(df, outcome="y", exposure="pop", **KW)
    assert res.estimate == pytest.approx((1 / 2) / (40 / 10) - 1)
    ci = stats.binomtest(1, 41, 2 / 12).proportion_ci(confidence_level=0.95, method="exact")
    rr = lambda p: p / (1 - p) * 10 / 2  # noqa: E731  odds times exposure ratio
    assert res.ci_low == pytest.approx(rr(ci.low) - 1)
    assert res.ci_high == pytest.approx(rr(ci.high) - 1)
    central = 2 * min(stats.binom.cdf(1, 41, 2 / 12), stats.binom.sf(0, 41, 2 / 12))
    assert res.p_value == pytest.approx(central)
    assert "exact" in res.inference


def test_overdispersion_widens_the_interval() -> None:
    calm = before_after(_counts([500, 500, 500, 500], [450, 450]), outcome="y", exposure="pop", **KW)
    noisy = before_after(_counts([400, 600, 420, 580], [450, 450]), outcome="y", exposure="pop", **KW)
    assert calm.estimate == pytest.approx(noisy.estimate)
    assert noisy.diagnostics["dispersion"] > 10
    assert noisy.ci_high - noisy.ci_low > 2 * (calm.ci_high - calm.ci_low)
    assert "prediction" in noisy.inference
    assert noisy.p_value > calm.p_value


def test_counts_prediction_interval_known_answer() -> None:
    # hand computation: rate ratio 0.9; Pearson dispersion of the pre years around their mean 500,
    # phi = (100^2 + 100^2 + 80^2 + 80^2) / 500 / 3; the post level is a new draw:
    # with the counterfactual 500 a year in the post years,
    # var(log RR) = 1/1000 (Poisson, averaged over 2 post years) + (phi - 1)/500 (year-level excess,
    # one draw) + phi/2000 (error of the pre level); t(3) critical value.
    res = before_after(_counts([400, 600, 420, 580], [450, 450]), outcome="y", exposure="pop", **KW)
    phi = (2 * 100**2 + 2 * 80**2) / 500 / 3
    se = np.sqrt(1 / 1000 + (phi - 1) / 500 + phi / 2000)
    crit = stats.t.ppf(0.975, 3)
    assert res.diagnostics["dispersion"] == pytest.approx(phi)
    assert res.ci_low == pytest.approx(np.exp(np.log(0.9) - crit * se) - 1)
    assert res.ci_high == pytest.approx(np.exp(np.log(0.9) + crit * se) - 1)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(np.log(0.9)) / se, 3))
    # the exact Poisson test is kept as a diagnostic, and is far more confident
    assert res.diagnostics["p_exact"] < res.p_value


def test_one_pre_year_falls_back_to_exact_with_caveat() -> None:
    res = before_after(_counts([500], [450, 460]), outcome="y", exposure="pop", **KW)
    assert "exact" in res.inference
    assert any("one pre-period year" in w for w in res.warnings)


def test_small_kommun_cannot_detect_ten_percent() -> None:
    res = before_after(_counts([50, 50, 50], [50, 50, 50]), outcome="y", exposure="pop", **KW)
    assert res.mde > 0.2
    assert any(w.startswith("LowPowerWarning") for w in res.warnings)


def test_difference_of_proportions_known_answer() -> None:
    df = pd.DataFrame({"k": "A", "year": [2018, 2019, 2020, 2021], "pct": [40.0, 40.0, 30.0, 30.0],
                       "n": 1000.0})
    res = before_after(df, outcome="pct", n="n", **KW)
    se = 100 * np.sqrt(0.4 * 0.6 / 2000 + 0.3 * 0.7 / 2000)
    assert res.estimate == pytest.approx(-10.0)
    assert res.ci_low == pytest.approx(-10 - stats.norm.ppf(0.975) * se)
    assert res.scale == "absolute"


def test_rates_prediction_interval_known_answer() -> None:
    # the post mean is one new draw from the pre-period years: se = s_pre * sqrt(1 + 1/n_pre), t(n_pre - 1)
    pre, post = [10.0, 12.0, 11.0, 13.0], [9.0, 8.0, 10.5]
    df = pd.DataFrame({"k": "A", "year": range(2016, 2023), "r": [*pre, *post]})
    res = before_after(df, outcome="r", **KW)
    se = np.std(pre, ddof=1) * np.sqrt(1 + 1 / 4)
    est = np.mean(post) - np.mean(pre)
    assert res.estimate == pytest.approx(est)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(est) / se, 3))
    assert res.ci_high == pytest.approx(est + stats.t.ppf(0.975, 3) * se)
    # Welch's test (years as independent draws) is kept as a diagnostic and is more confident
    assert res.diagnostics["p_welch"] == pytest.approx(stats.ttest_ind(post, pre, equal_var=False).pvalue)
    assert res.diagnostics["p_welch"] < res.p_value


def test_several_treated_units_are_pooled_and_others_ignored() -> None:
    a = _counts([100, 110, 105], [90, 95])
    b = _counts([200, 190, 210], [180, 170]).assign(k="B")
    c = _counts([5, 5, 5], [50, 50]).assign(k="C")
    both = before_after(pd.concat([a, b, c]), outcome="y", exposure="pop",
                        **{**KW, "treated": ["A", "B"]})
    assert both.estimate == pytest.approx((90 + 95 + 180 + 170) / (100 + 110 + 105 + 200 + 190 + 210) * 3 / 2 - 1)


def test_pre_years_limits_the_window() -> None:
    res = before_after(_counts([10, 10, 100, 100], [100, 100]), outcome="y", exposure="pop",
                       pre_years=2, **KW)
    assert res.estimate == pytest.approx(0.0)
    assert res.diagnostics["n_pre"] == 2


def test_caveat_no_comparison_group() -> None:
    with pytest.warns(DesignWarning, match="no comparison group"):
        before_after(_counts([100, 100, 100], [90, 90]), outcome="y", exposure="pop", **KW)


def test_errors() -> None:
    df = _counts([100, 100, 100], [0, 0])
    with pytest.raises(DesignError, match="counts in both periods"):
        before_after(df, outcome="y", exposure="pop", **KW)
    with pytest.raises(DesignError, match="not both"):
        before_after(df, outcome="y", exposure="pop", n="pop", **KW)
    with pytest.raises(DataError, match="must be >= 0"):
        before_after(_counts([100, -1, 100], [90, 90]), outcome="y", exposure="pop", **KW)
    with pytest.raises(DesignError, match=">= 2 pre-period years"):
        before_after(_counts([1.0], [4.0, 5.0]), outcome="y", **KW)
    with pytest.raises(DesignError, match="year-to-year variation"):
        before_after(_counts([3.0, 3.0, 3.0], [4.0, 5.0]), outcome="y", **KW)
    with pytest.raises(DesignError, match=r"\[0, 100\]"):
        before_after(_counts([0.4, 0.5], [150.0, 0.2]), outcome="y", n="pop", **KW)
