"""DiD: TWFE equals dummy-variable regressions, injected effects, invariances, permutation ranks, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from lofteeval.datasets import simulate_null_panel
from lofteeval.errors import DataError, DesignError, DesignWarning, FewDonorsWarning
from lofteeval.estimators import did

pytestmark = pytest.mark.filterwarnings("ignore::lofteeval.errors.CovidYearsWarning")

KW = dict(unit="kommun", time="year", treatment_start=2020)


def _sim(**kw) -> pd.DataFrame:
    base = dict(n_units=20, years=range(2013, 2024), seed=5)
    return simulate_null_panel(**{**base, **kw})


def _dummies(df: pd.DataFrame, treated: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    d = ((df["kommun"].isin(treated)) & (df["year"] >= 2020)).astype(float).rename("D")
    x = pd.concat([d, pd.get_dummies(df["kommun"].astype(str), prefix="u", dtype=float),
                   pd.get_dummies(df["year"], prefix="t", drop_first=True, dtype=float)], axis=1)
    return d.to_numpy(), x


@pytest.mark.parametrize("treated", [["0001"], ["0001", "0002"]])
def test_linear_twfe_equals_dummy_ols(treated: list[str]) -> None:
    df = _sim(n_treated=len(treated))
    _, x = _dummies(df, treated)
    ols = sm.OLS(df["rate"].to_numpy(), x).fit()
    res = did(df, outcome="rate", treated=treated, **KW)
    assert res.estimate == pytest.approx(ols.params["D"], abs=1e-8)


def test_poisson_twfe_equals_glm_with_offset() -> None:
    df = _sim()
    _, x = _dummies(df, ["0001"])
    glm = sm.GLM(df["count"].to_numpy(), x, family=sm.families.Poisson(),
                 offset=np.log(df["population"].to_numpy())).fit(tol=1e-12)
    res = did(df, outcome="count", exposure="population", treated="0001", **KW)
    assert res.diagnostics["coef"] == pytest.approx(glm.params["D"], abs=1e-7)
    assert res.estimate == pytest.approx(np.expm1(glm.params["D"]), abs=1e-7)
    assert res.scale == "relative"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_injected_minus_20_percent_recovered_in_large_kommun(seed: int) -> None:
    df = simulate_null_panel(n_units=60, seed=seed, effect=-0.2, treated_size=800_000)
    res = did(df, outcome="count", exposure="population", treated="0001", **KW)
    assert abs(res.estimate - (-0.2)) < 0.05


@settings(max_examples=25, deadline=None)
@given(const=st.floats(-500, 500), shocks=st.lists(st.floats(-100, 100), min_size=11, max_size=11))
def test_linear_did_ignores_constant_and_common_year_shock(const: float, shocks: list[float]) -> None:
    df = _sim()
    shock = dict(zip(range(2013, 2024), shocks))
    moved = df.assign(rate=df["rate"] + const + df["year"].map(shock))
    a = did(df, outcome="rate", treated="0001", **KW)
    b = did(moved, outcome="rate", treated="0001", **KW)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-7)
    assert b.p_value == pytest.approx(a.p_value)


def test_poisson_did_ignores_year_and_unit_scaling_of_exposure() -> None:
    # log(exposure) enters as an offset, so a year factor is absorbed by the year effects and a
    # unit factor by the unit effects (the Poisson score equations hold with the same beta); so is
    # a common factor on every count.  (Scaling *counts* by year is not exactly absorbed: the
    # unit-margin equations weight years by their counts.)
    df = _sim()
    year_f = df["year"].map(dict(zip(range(2013, 2024), np.linspace(0.7, 1.4, 11))))
    unit_f = df["kommun"].map(lambda k: 1 + int(k) / 10)
    moved = df.assign(population=df["population"] * year_f * unit_f, count=df["count"] * 3.0)
    a = did(df, outcome="count", exposure="population", treated="0001", **KW)
    b = did(moved, outcome="count", exposure="population", treated="0001", **KW)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-8)


def test_permutation_p_value_is_brute_force_rank_when_not_studentised() -> None:
    # two pre-periods: the statistic is the plain DiD estimate, so the p-value is the rank of
    # |DiD(treated vs rest)| among |DiD(unit j vs rest)| for every unit j (treated included)
    df = _sim(years=range(2018, 2023), n_units=12)
    wide = df.pivot(index="year", columns="kommun", values="rate")
    change = wide.loc[2020:].mean() - wide.loc[:2019].mean()
    placebo = np.array([change[u] - change.drop(u).mean() for u in wide.columns])
    actual = placebo[list(wide.columns).index("0001")]
    expected = np.mean(np.abs(placebo) >= abs(actual) - 1e-12)
    res = did(df, outcome="rate", treated="0001", **KW)
    assert res.estimate == pytest.approx(actual)
    assert res.p_value == pytest.approx(expected)
    assert res.diagnostics["n_assignments"] == 12


def test_event_study_effects_average_to_estimate() -> None:
    df = _sim(effect=-0.3)
    res = did(df, outcome="rate", treated="0001", **KW)
    eff = res.effects
    assert list(eff.columns[:4]) == ["time", "observed", "counterfactual", "effect"]
    assert eff.loc[eff["post"], "effect"].mean() == pytest.approx(res.estimate)
    assert eff.loc[~eff["post"], "effect"].mean() == pytest.approx(0.0, abs=1e-8)


def test_controls_restrict_the_comparison_group() -> None:
    df = _sim()
    controls = [f"{i:04d}" for i in range(2, 12)]
    res = did(df, outcome="rate", treated="0001", controls=controls, **KW)
    assert res.diagnostics["n_comparison"] == 10
    assert list(res.comparison["unit"]) == controls
    sub = df[df["kommun"].isin(["0001", *controls])]
    assert res.estimate == pytest.approx(did(sub, outcome="rate", treated="0001", **KW).estimate)


def test_few_controls_warn_and_interval_can_be_unbounded() -> None:
    df = _sim(n_units=8)
    with pytest.warns(FewDonorsWarning, match="can never reject"):
        res = did(df, outcome="rate", treated="0001", **KW)
    assert res.p_value >= 1 / 8
    assert np.isinf(res.ci_low) and np.isinf(res.ci_high)


def test_cluster_inference_warns_about_over_rejection() -> None:
    df = _sim()
    with pytest.warns(DesignWarning, match="over-reject"):
        res = did(df, outcome="rate", treated="0001", inference="cluster", **KW)
    assert "cluster" in res.inference


def test_errors_name_the_problem() -> None:
    df = _sim()
    with pytest.raises(DataError, match="columns named by outcome='nope'"):
        did(df, outcome="nope", treated="0001", **KW)
    with pytest.raises(DataError, match="duplicate"):
        did(pd.concat([df, df.head(1)]), outcome="rate", treated="0001", **KW)
    with pytest.raises(DataError, match=r"treated unit\(s\) \['9999'\] must appear in column 'kommun'"):
        did(df, outcome="rate", treated="9999", **KW)
    with pytest.raises(DesignError, match="post-period"):
        did(df, outcome="rate", treated="0001", unit="kommun", time="year", treatment_start=2030)
    with pytest.raises(DesignError, match="must not include treated"):
        did(df, outcome="rate", treated="0001", controls=["0001", "0002"], **KW)
    with pytest.raises(DataError, match="'inference' must be one of"):
        did(df, outcome="rate", treated="0001", inference="bootstrap", **KW)
    zero = df.assign(count=np.where(df["kommun"] == "0001", 0, df["count"]))
    with pytest.raises(DesignError, match="zero counts"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        did(zero, outcome="count", exposure="population", treated="0001", **KW)


def test_unbalanced_comparison_unit_is_left_out_and_recorded() -> None:
    from lofteeval.errors import DroppedRowsWarning

    df = _sim()
    holey = df[~((df["kommun"] == "0005") & (df["year"] == 2015))]
    with pytest.warns(DroppedRowsWarning, match=r"left out 1 comparison unit\(s\) .*: 0005 \(2015\)"):
        res = did(holey, outcome="rate", treated="0001", **KW)
    assert res.diagnostics["n_comparison"] == 18
    (note,) = [w for w in res.warnings if w.kind == "DroppedRowsWarning"]
    assert note.values["units"] == ["0005"] and note.values["missing"] == {"0005": [2015]}


def test_linear_mde_uses_the_treated_units_own_scale_without_warnings() -> None:
    # regression: the studentising scale was computed as estimate / statistic, which is 0/0 for the
    # linear model at delta = beta (the treated unit's residual change is then exactly 0): a
    # RuntimeWarning and an MDE in studentised units (scale silently replaced by 1).
    from lofteeval.inference.power import mde_from_permutation

    df = simulate_null_panel(n_units=21, years=range(2012, 2024), seed=4, treatment_start=2022)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        res = did(df, unit="kommun", time="year", outcome="rate", treated="0001", treatment_start=2022)
    wide = df.pivot(index="year", columns="kommun", values="rate")
    pre = wide.loc[wide.index < 2022].to_numpy()
    r0 = pre[:, 0] - pre.mean(axis=1)  # 10 pre-years, 2 post-years: cuts 3..9
    cuts = [r0[c:c + 2].mean() - r0[:c].mean() for c in range(3, 10)]
    expected = mde_from_permutation(res.placebo["statistic"].to_numpy(), se=np.sqrt(np.mean(np.square(cuts))))
    assert res.mde == pytest.approx(expected)
    assert res.diagnostics["post_periods"] == [2022, 2023]


def _tiny_panel(pre: np.ndarray, post: np.ndarray) -> pd.DataFrame:
    y = np.vstack([pre, post])
    years = 2020 - pre.shape[0] + np.arange(y.shape[0])
    return pd.DataFrame({"kommun": np.repeat([f"{j + 1:04d}" for j in range(y.shape[1])], y.shape[0]),
                         "year": np.tile(years, y.shape[1]), "rate": y.T.ravel()})


def test_linear_scale_is_rms_of_pre_period_placebo_in_time_statistics() -> None:
    # 5 pre-years, 2 post-years, 4 units; donor 0004's statistic computed by hand.  The year means
    # are (15, 17, 19, 21, 21), so its residuals are r = (-15, -12, -9, 4, -10); with 2 post-years
    # the placebo-in-time statistics are: cut 3, mean(r[3:5]) - mean(r[0:3]) = -3 - (-12) = 9;
    # cut 4 (window cut short at the end of the pre-period), r[4] - mean(r[0:4]) = -10 - (-8) = -2.
    # Scale sqrt((81 + 4) / 2).
    pre = np.array([[10, 20, 30, 0], [11, 22, 30, 5], [12, 21, 33, 10], [13, 26, 20, 25], [14, 24, 35, 11]],
                   dtype=float)
    post = np.array([[20, 25, 30, 9], [18, 29, 31, 14]], dtype=float)
    r = pre[:, 3] - pre.mean(axis=1)
    assert r == pytest.approx([-15, -12, -9, 4, -10])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(_tiny_panel(pre, post), outcome="rate", treated="0001", **KW)
    change = post.mean(axis=0) - pre.mean(axis=0)
    s4 = change[3] - change[1:].mean()  # at delta = estimate the treated change equals the donors' mean
    stat = res.placebo.set_index("units")["statistic"]
    assert stat[("0004",)] == pytest.approx(s4 / np.sqrt(42.5))


def test_linear_scale_falls_back_to_residual_sd_with_three_pre_years() -> None:
    pre = np.array([[10, 20, 30, 0], [11, 22, 30, 5], [12, 21, 33, 10]], dtype=float)
    post = np.array([[20, 25, 30, 9], [18, 29, 31, 14]], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(_tiny_panel(pre, post), outcome="rate", treated="0001", **KW)
    change = post.mean(axis=0) - pre.mean(axis=0)
    sd = np.std(pre[:, 3] - pre.mean(axis=1), ddof=1)
    stat = res.placebo.set_index("units")["statistic"]
    assert stat[("0004",)] == pytest.approx((change[3] - change[1:].mean()) / sd)


@pytest.mark.parametrize("factor", [0.2, 5.0])
def test_scaling_one_units_residual_path_leaves_its_statistic_unchanged(factor: float) -> None:
    # multiply donor j's residuals (from the year means of the panel with the estimated effect
    # removed, every year) by `factor` and spread the opposite change over the other donors, so the
    # year means and the estimate stay put: j's residual change and its placebo-in-time scale both
    # scale by `factor`, so its studentised statistic is unchanged.
    df = _sim(n_units=25)
    a = did(df, outcome="rate", treated="0001", **KW)
    wide = df.pivot(index="year", columns="kommun", values="rate")
    adjusted = wide.copy()
    adjusted.loc[adjusted.index >= 2020, "0001"] -= a.estimate
    resid = adjusted.sub(adjusted.mean(axis=1), axis=0)
    j = "0007"
    others = [u for u in wide.columns if u not in ("0001", j)]
    shift = (factor - 1) * resid[j]
    moved = wide.copy()
    moved[j] += shift
    moved[others] = moved[others].sub(shift / len(others), axis=0)
    long = moved.stack().rename("rate").reset_index()
    b = did(long, outcome="rate", treated="0001", **KW)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
    a, b = (r.placebo.set_index("units")["statistic"] for r in (a, b))
    assert b[(j,)] == pytest.approx(a[(j,)], rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_linear_permutation_p_value_and_interval_agree(seed: int) -> None:
    from lofteeval._types import alpha_of
    from lofteeval.estimators._panel import prepare_panel
    from lofteeval.estimators.did import _LinearDid

    df = simulate_null_panel(n_units=41, seed=seed, effect=-0.15 * (seed % 3))
    res = did(df, outcome="rate", treated="0001", **KW)
    assert (res.p_value < alpha_of(0.95)) == (res.ci_low > 0 or res.ci_high < 0)
    model = _LinearDid(prepare_panel(df, unit="kommun", time="year", outcome="rate", treated="0001",
                                     treatment_start=2020))
    # the studentising scale is a pre-period quantity: the same for every hypothesised effect
    assert np.array_equal(model.unit_stats(0.0)[1], model.unit_stats(res.ci_low - 7.0)[1])


def test_poisson_did_refuses_fewer_than_ten_counts_a_year_and_names_the_rule() -> None:
    # treated kommun with 4-6 counts a pre-period year (mean 4.8): below MIN_COUNTS_PER_YEAR = 10
    from lofteeval.estimators.did import MIN_COUNTS_PER_YEAR

    df = _sim()
    small = df.assign(count=np.where(df["kommun"] == "0001", 4 + df["year"] % 3, df["count"]))
    per_year = small.loc[(small["kommun"] == "0001") & (small["year"] < 2020), "count"].mean()
    assert per_year < MIN_COUNTS_PER_YEAR == 10
    with pytest.raises(DesignError, match=rf"on average {per_year:.1f} counts a year .* at least 10"):
        did(small, outcome="count", exposure="population", treated="0001", **KW)


def test_poisson_mde_both_directions_and_fixed_scale() -> None:
    # the increase MDE e^m - 1 exceeds the decrease MDE 1 - e^(-m) for the same log effect; the
    # studentising scale does not grow with the hypothesised effect, so the interval is bounded
    df = _sim(n_units=30, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(df, outcome="count", exposure="population", treated="0001", **KW)
    down, up = res.diagnostics["mde_decrease"], res.diagnostics["mde_increase"]
    assert down == res.mde and 0 < down < 1 < 1 + up
    assert up > down
    assert np.isfinite(res.ci_low) and np.isfinite(res.ci_high) and res.ci_low > -1


@pytest.mark.parametrize("exposure", [None, "population"])
def test_interval_false_keeps_estimate_p_value_and_mde_and_leaves_the_interval_open(exposure: str | None) -> None:
    df = _sim(effect=-0.2, seed=11, n_units=40)
    outcome = "count" if exposure else "rate"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = did(df, outcome=outcome, treated="0001", exposure=exposure, **KW)
        cheap = did(df, outcome=outcome, treated="0001", exposure=exposure, interval=False, **KW)
    assert np.isfinite(full.ci_low) and np.isfinite(full.ci_high)
    assert (cheap.ci_low, cheap.ci_high) == (-1.0 if exposure else -np.inf, np.inf)  # expm1 on the log scale
    assert (cheap.estimate, cheap.p_value, cheap.mde) == (full.estimate, full.p_value, full.mde)
    assert cheap.relative_mde == full.relative_mde
    assert cheap.diagnostics["mde_increase"] == full.diagnostics["mde_increase"]
