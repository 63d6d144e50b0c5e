"""ITS: segmented regression known answers, HAC lag rule, t critical values, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from lofteeval.errors import DesignError, DesignWarning
from lofteeval.estimators import its
from lofteeval.estimators.its import hac_lag

pytestmark = pytest.mark.filterwarnings("ignore::lofteeval.errors.LofteevalWarning")
KW = dict(unit="k", time="year", treated="A", treatment_start=2020)
YEARS = np.arange(2010, 2025)


def test_hac_lag_rule() -> None:
    # floor(4 (T/100)^(2/9)): T=12 -> 2.49 -> 2; T=100 -> 4; never below 1
    assert [hac_lag(12), hac_lag(100), hac_lag(1)] == [2, 4, 1]


def test_rates_known_level_and_slope_change() -> None:
    rng = np.random.default_rng(0)
    tau = YEARS - 2020
    y = 100 + 2 * tau - 15 * (tau >= 0) - 1.0 * tau * (tau >= 0) + rng.normal(0, 0.5, YEARS.size)
    res = its(pd.DataFrame({"k": "A", "year": YEARS, "r": y}), outcome="r", inference="stationary", **KW)
    x = np.column_stack([np.ones(YEARS.size), tau, tau >= 0, tau * (tau >= 0)]).astype(float)
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": True})
    assert res.estimate == pytest.approx(fit.params[2] + fit.params[3] * 2.0)  # mean tau_post = 2
    assert res.estimate == pytest.approx(-17.0, abs=1.0)
    assert res.diagnostics["df"] == YEARS.size - 4
    crit = stats.t.ppf(0.975, YEARS.size - 4)
    se = res.diagnostics["se"]
    assert res.ci_high - res.estimate == pytest.approx(crit * se)
    # prediction variance: the post level is a new draw (residual variance s2 of the segmented
    # model) plus the forecast error of the pre-trend at mean tau_post = 2 (OLS or HAC, the larger)
    ols = sm.OLS(y, x).fit()
    g = np.array([1.0, 2.0])
    forecast = max(g @ ols.cov_params()[:2, :2] @ g, g @ fit.cov_params()[:2, :2] @ g)
    assert se == pytest.approx(np.sqrt(ols.ssr / (YEARS.size - 4) + forecast))


def test_one_post_year_fits_level_change_only() -> None:
    # gotland-2020 on the demo panel used to raise a raw LinAlgError (singular design)
    years = np.arange(2010, 2021)
    tau = years - 2020
    y = 50 + 1.5 * tau - 8 * (tau >= 0) + np.random.default_rng(1).normal(0, 0.3, years.size)
    res = its(pd.DataFrame({"k": "A", "year": years, "r": y}), outcome="r", inference="stationary", **KW)
    pre = tau < 0
    trend = np.polyfit(tau[pre], y[pre], 1)
    assert res.estimate == pytest.approx(y[-1] - np.polyval(trend, 0.0))
    assert res.diagnostics["slope_change_identified"] is False
    assert np.isnan(res.diagnostics["slope_change"])
    assert any("slope change is not identified" in w for w in res.warnings)
    assert res.diagnostics["post_periods"] == [2020]


def test_counts_recover_relative_level_change() -> None:
    pop = np.full(YEARS.size, 80_000.0)
    mu = pop * 0.01 * np.exp(0.02 * (YEARS - 2020)) * np.where(YEARS >= 2020, 0.8, 1.0)
    df = pd.DataFrame({"k": "A", "year": YEARS, "y": mu, "pop": pop})
    res = its(df, outcome="y", exposure="pop", inference="stationary", **KW)
    assert res.estimate == pytest.approx(-0.2, abs=1e-6)
    # structural default: the drift continues the pre-trend; log((y + 0.5) / pop) moves it slightly
    new = its(df, outcome="y", exposure="pop", **KW)
    assert new.estimate == pytest.approx(-0.2, abs=1e-3)
    assert new.effects.loc[new.effects["post"], "effect"].to_numpy() == pytest.approx(-0.2, abs=1e-3)
    assert res.scale == "relative"
    eff = res.effects
    assert eff.loc[eff["post"], "effect"].to_numpy() == pytest.approx(-0.2, abs=1e-6)


def test_negbin_family_runs_and_is_close_to_poisson() -> None:
    rng = np.random.default_rng(2)
    pop = np.full(YEARS.size, 80_000.0)
    y = rng.poisson(800 * np.where(YEARS >= 2020, 0.85, 1.0))
    df = pd.DataFrame({"k": "A", "year": YEARS, "y": y, "pop": pop})
    p = its(df, outcome="y", exposure="pop", **KW)
    nb = its(df, outcome="y", exposure="pop", family="negbin", **KW)
    assert nb.estimate == pytest.approx(p.estimate, abs=0.02)


def test_caveat_and_errors() -> None:
    df = pd.DataFrame({"k": "A", "year": YEARS, "r": np.arange(YEARS.size, dtype=float)})
    with pytest.warns(DesignWarning, match="no comparison group"):
        its(df, outcome="r", **KW)
    with pytest.raises(DesignError, match=">= 3 pre-period points"):
        its(df, outcome="r", unit="k", time="year", treated="A", treatment_start=2012)
    with pytest.raises(DesignError, match="numeric time"):
        its(df.assign(year=df["year"].astype(str)), outcome="r", unit="k", time="year", treated="A",
            treatment_start="2020")
    from lofteeval.errors import DataError

    with pytest.raises(DataError, match="'family' must be one of"):
        its(df, outcome="r", family="gamma", **KW)


def test_structural_default_counterfactual_continues_the_trend() -> None:
    # a noisy linear pre-trend and no change: the forecast follows the trend, so the effect is small
    # and not significant, while before_after-style flat levels would see a large change
    rng = np.random.default_rng(7)
    tau = YEARS - 2020
    y = 100 + 3 * tau + rng.normal(0, 1.0, YEARS.size)
    res = its(pd.DataFrame({"k": "A", "year": YEARS, "r": y}), outcome="r", **KW)
    assert "structural" in res.inference
    assert abs(res.estimate) < 3
    assert res.p_value > 0.05
    assert res.ci_low < 0 < res.ci_high
    post = res.effects[res.effects["post"]]
    assert post["counterfactual"].to_numpy() == pytest.approx(100 + 3 * tau[tau >= 0], abs=3)


def test_structural_falls_back_with_few_pre_points() -> None:
    years = np.arange(2016, 2025)
    df = pd.DataFrame({"k": "A", "year": years, "r": np.random.default_rng(1).normal(50, 1, years.size)})
    res = its(df, outcome="r", **KW)
    assert "prediction interval" in res.inference
    assert any("local level model with drift needs" in w for w in res.warnings)
    from lofteeval.errors import DataError

    with pytest.raises(DataError, match="'inference' must be one of"):
        its(df, outcome="r", inference="bayes", **KW)


def test_counts_refuse_fewer_than_ten_a_year_and_name_the_rule() -> None:
    y = np.tile([2.0, 3.0, 4.0], 5)  # 2.9 counts a year on average before 2020 (29 in 10 years)
    df = pd.DataFrame({"k": "A", "year": YEARS, "y": y, "pop": 10_000.0})
    with pytest.raises(DesignError, match=r"on average 2.9 counts a year .* at least 10"):
        its(df, outcome="y", exposure="pop", **KW)
