"""Before/after: exact and overdispersed rate ratios, proportions, Welch, caveats and errors."""

from __future__ import annotations

import warnings

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
    df = _counts([12] * 10, [1, 0])
    res = before_after(df, outcome="y", exposure="pop", **KW)
    assert res.estimate == pytest.approx((1 / 2) / (120 / 10) - 1)
    ci = stats.binomtest(1, 121, 2 / 12).proportion_ci(confidence_level=0.95, method="exact")
    rr = lambda p: p / (1 - p) * 10 / 2  # noqa: E731  odds times exposure ratio
    assert res.ci_low == pytest.approx(rr(ci.low) - 1)
    assert res.ci_high == pytest.approx(rr(ci.high) - 1)
    central = 2 * min(stats.binom.cdf(1, 121, 2 / 12), stats.binom.sf(0, 121, 2 / 12))
    assert res.p_value == pytest.approx(central)
    assert "exact" in res.inference


def test_overdispersion_widens_the_interval() -> None:
    calm = before_after(_counts([500, 500, 500, 500], [450, 450]), outcome="y", exposure="pop",
                        inference="stationary", **KW)
    noisy = before_after(_counts([400, 600, 420, 580], [450, 450]), outcome="y", exposure="pop",
                         inference="stationary", **KW)
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
    res = before_after(_counts([400, 600, 420, 580], [450, 450]), outcome="y", exposure="pop",
                       inference="stationary", **KW)
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
    res = before_after(df, outcome="r", inference="stationary", **KW)
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


# --- structural (local level) inference, the default --------------------------------------------


def _local_level_series(rng: np.random.Generator, n: int, s_eta: float, s_eps: float) -> np.ndarray:
    return np.cumsum(rng.normal(0, np.sqrt(s_eta), n)) + rng.normal(0, np.sqrt(s_eps), n)


@pytest.mark.parametrize(("trend", "name"), [(False, "llevel"), (True, "lldtrend")])
def test_local_level_fit_matches_statsmodels(trend: bool, name: str) -> None:
    # reference: statsmodels UnobservedComponents (exact diffuse initialisation), same model
    import statsmodels.api as sm

    from lofteeval.estimators._local_level import fit_forecast

    z = _local_level_series(np.random.default_rng(3), 15, 0.04**2, 0.06**2)
    fit = fit_forecast(z[:10], np.zeros(10), z[10:], trend=trend)
    ref = sm.tsa.UnobservedComponents(z[:10], level=name).fit(disp=False)
    assert fit.loglik == pytest.approx(ref.llf, abs=1e-5)
    assert fit.irregular_var == pytest.approx(ref.params[0], abs=1e-5)
    at = sm.tsa.UnobservedComponents(z[:10], level=name).smooth([fit.irregular_var, fit.level_var])
    fc = at.get_forecast(5)
    assert fit.forecast == pytest.approx(fc.predicted_mean, abs=1e-6)
    # the forecast covariance of the post mean: statsmodels' per-horizon variances on the diagonal
    assert fit.se**2 >= np.mean(fc.var_pred_mean) / 5


def test_structural_p_value_and_interval_agree_by_inversion() -> None:
    from lofteeval.estimators._local_level import mixture_test, posterior_predictive

    rng = np.random.default_rng(4)
    z = _local_level_series(rng, 15, 0.03**2, 0.05**2)
    res = mixture_test(posterior_predictive(z[:10], np.zeros(10), z[10:]), level=0.95)
    assert (res["p"] < 0.05) == (res["low"] > 0 or res["high"] < 0)
    # shifting the post period by the interval's end puts the observed mean on the 2.5 % tail
    for end in (res["low"], res["high"]):
        shifted = mixture_test(posterior_predictive(z[:10], np.zeros(10), z[10:] - end), level=0.95)
        assert shifted["p"] == pytest.approx(0.05, abs=1e-8)


def test_structural_forecast_variance_grows_with_a_random_walk() -> None:
    # the same pre-period; a longer post period is further from the last pre year, so the
    # predictive sd of its mean is larger (the stationary interval would not grow).  Averaged over
    # 20 random-walk series: the posterior gives a still level (the point mass at 0) real weight,
    # so one series whose pre-period happens to look flat need not show it.
    from lofteeval.estimators._local_level import posterior_predictive

    rng = np.random.default_rng(5)
    sd = np.zeros(3)
    for _ in range(20):
        z = _local_level_series(rng, 20, 0.05**2, 0.02**2)
        sd += [float(np.sqrt(m["weights"] @ m["sds"] ** 2))
               for m in (posterior_predictive(z[:10], np.zeros(10), z[10:10 + h]) for h in (1, 5, 10))]
    assert sd[0] < sd[1] < sd[2]


def test_structural_boundary_fit_still_allows_level_movement() -> None:
    # a flat pre-period with white noise: the ML level variance is exactly 0 (pile-up), but the
    # posterior integrates over it (a point mass at 0 and a half-Cauchy slab), so the interval is
    # wider than the ML plug-in forecast's normal interval
    from lofteeval.estimators._local_level import fit_forecast

    pre = 1000 + 20 * (-1.0) ** np.arange(10)  # zig-zag around a constant: all movement is noise
    post = [990.0, 1010, 995, 1005, 1000]
    df = pd.DataFrame({"k": "A", "year": range(2010, 2025), "r": [*pre, *post]})
    new = before_after(df, outcome="r", **KW)
    plug_in = fit_forecast(pre, np.zeros(10), np.array(post))
    assert new.diagnostics["level_variance_ml"] < 1e-6
    assert new.diagnostics["level_variance_at_boundary"]
    assert new.diagnostics["level_variance"] > 0
    assert new.ci_high - new.ci_low > 2 * 1.96 * plug_in.se


def test_structural_calibration_on_local_level_series() -> None:
    # 120 null series from a local level model with a known Poisson-like irregular part: the
    # two-sided 5 % test should reject about 6 times; 0-1 or >= 15 would be far outside binomial noise
    from lofteeval.estimators._local_level import mixture_test, posterior_predictive

    rng = np.random.default_rng(2024)
    rejections = 0
    for _ in range(120):
        z = _local_level_series(rng, 15, 0.04**2, 0.05**2)
        mix = posterior_predictive(z[:10], np.full(10, 0.03**2), z[10:], trend=False)
        rejections += mixture_test(mix, level=0.95)["p"] < 0.05
    assert 2 <= rejections <= 14


def test_structural_counts_default_and_fallback_with_few_pre_years() -> None:
    df = _counts([500, 520, 480, 510, 490, 505], [350, 340, 360])
    res = before_after(df, outcome="y", exposure="pop", **KW)
    assert "structural" in res.inference
    # flat pre-period: the forecast is about the pre-period mean, so the estimate is near 350/500 - 1
    assert res.estimate == pytest.approx(350 / 500.8 - 1, abs=0.02)
    assert res.ci_low < res.estimate < res.ci_high < 0
    assert res.p_value < 0.05
    short = before_after(_counts([500, 520, 480], [450, 440]), outcome="y", exposure="pop", **KW)
    assert "prediction interval" in short.inference
    assert any("local level model needs" in w for w in short.warnings)
    with pytest.raises(DataError, match="'inference' must be one of"):
        before_after(df, outcome="y", exposure="pop", inference="bayes", **KW)


def test_structural_counts_unbiased_at_small_counts() -> None:
    # pure Poisson series with mean 14 a year (just above the small-count rule), 10 + 5 years: the
    # known variance of a log count came from the observed count (1 / (y + 0.5)), which weighted
    # high-count years more, pulled the forecast level up and gave a median estimate of -7 % at 10
    # counts a year (issue 13); from the expected count it is unbiased up to Monte-Carlo noise
    # (s.e. of the median of 160 about 0.013)
    rng = np.random.default_rng(13)
    est, p = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(160):
            y = rng.poisson(14.0, 15).astype(float)
            res = before_after(_counts(list(y[:10]), list(y[10:])), outcome="y", exposure="pop", **KW)
            est.append(res.estimate)
            p.append(res.p_value)
    assert abs(np.median(est)) < 0.045
    assert np.mean(np.array(p) < 0.05) <= 0.1


def test_fewer_than_ten_counts_a_year_is_refused_with_the_count() -> None:
    import pickle

    from lofteeval.errors import Refusal, SmallCountsError

    df = _counts([3, 4, 2, 5, 3, 4, 3, 2, 4, 3], [2, 3])
    with pytest.raises(SmallCountsError, match=r"on average 3\.3 counts a year .* needs at least 10") as got:
        before_after(df, outcome="y", exposure="pop", **KW)
    assert isinstance(got.value, DesignError) and got.value.mean_count == pytest.approx(3.3)
    again = pickle.loads(pickle.dumps(got.value))  # joblib workers send it back to the parent
    assert (type(again), str(again), again.mean_count) == (SmallCountsError, str(got.value), got.value.mean_count)
    record = pickle.loads(pickle.dumps(Refusal.of(got.value)))
    assert record.small_counts and record.mean_count == pytest.approx(3.3)
    assert record.startswith("SmallCountsError: the treated kommun(er) have on average 3.3 counts")
    assert not Refusal.of(DesignError("no comparison kommun; widen the pool")).small_counts
    # 10 a year is enough
    assert before_after(_counts([10] * 10, [9, 8]), outcome="y", exposure="pop", **KW).estimate < 0


def test_log_count_variance_is_the_exact_poisson_variance_of_log_y_plus_half() -> None:
    from lofteeval.estimators._local_level import log_count_variance

    for mu in (0.5, 3.0, 10.0, 60.0):
        k = np.arange(0, 400)
        pmf = stats.poisson.pmf(k, mu)
        z = np.log(k + 0.5)
        exact = pmf @ z**2 - (pmf @ z) ** 2
        assert log_count_variance(np.array([mu]))[0] == pytest.approx(exact, rel=2e-3)
    assert log_count_variance(np.array([3.0]))[0] == pytest.approx(0.3715, abs=1e-3)  # not 1 / 3.5
    assert log_count_variance(np.array([500.0]))[0] == pytest.approx(1 / 500)
