"""Synthetic control and synthetic DiD: the studentising scale options and the small-count rule."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError, DesignError
from lofteeval.estimators._simplex import simplex_lstsq, simplex_start
from lofteeval.estimators._warnings import SMALL_COUNT as MIN_COUNTS_PER_YEAR
from lofteeval.estimators.sdid import _fit, synthetic_did
from lofteeval.estimators.synth import MIN_FIT_YEARS, synthetic_control
from lofteeval.inference.placebo import studentised_interval

START = 2018
KW = dict(unit="kommun", time="year", treated="0000", treatment_start=START)


def counts_panel(seed: int, *, treated_pop: float = 120_000.0, rate: float = 800.0, n_units: int = 30
                 ) -> pd.DataFrame:
    """Poisson counts around kommun and year effects with AR(1) noise; column ``count`` and
    ``population`` (kommun ``0000`` is the treated one)."""
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2024)
    pops = np.exp(rng.uniform(np.log(8_000), np.log(300_000), n_units))
    pops[0] = treated_pop
    unit = rng.normal(0, 0.2, n_units)
    year = np.cumsum(rng.normal(0, 0.04, years.size))
    ar = np.zeros((n_units, years.size))
    for t in range(1, years.size):
        ar[:, t] = 0.6 * ar[:, t - 1] + rng.normal(0, 0.04, n_units)
    mu = pops[:, None] * rate / 1e5 * np.exp(unit[:, None] + year[None, :] + ar)
    y = rng.poisson(mu)
    return pd.DataFrame({"kommun": np.repeat([f"{i:04d}" for i in range(n_units)], years.size),
                         "year": np.tile(years, n_units), "count": y.ravel(),
                         "population": np.repeat(pops, years.size)})


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def rates(df: pd.DataFrame) -> np.ndarray:
    """(units x years) rate per 100 000, treated first (kommun ids sort that way)."""
    wide = df.assign(rate=df["count"] / df["population"] * 1e5).pivot(index="kommun", columns="year",
                                                                     values="rate")
    return wide.to_numpy()


def brute_synth_in_time(y: np.ndarray, n_pre: int, n_post: int, target: int, pool: list[int]) -> float:
    """The placebo-in-time scale by its definition: refit on the years before each cut (a plain
    simplex least squares on the uncentred, unscaled outcomes), mean gap over the next n_post years."""
    stats = []
    for c in range(MIN_FIT_YEARS, n_pre):
        x, t = y[pool][:, :c].T, y[target, :c]
        w = simplex_lstsq(x.T @ x, x.T @ t, start=simplex_start(x, t))
        win = slice(c, min(c + n_post, n_pre))
        stats.append(np.mean(y[target, win] - w @ y[pool][:, win]))
    return float(np.sqrt(np.mean(np.square(stats))))


@pytest.mark.parametrize("fn", [synthetic_control, synthetic_did])
def test_small_treated_counts_with_exposure_are_refused(fn):
    df = counts_panel(1, treated_pop=600.0)  # about 5 counts a year
    per_year = df.query("kommun == '0000' and year < @START")["count"].mean()
    assert per_year < MIN_COUNTS_PER_YEAR
    with pytest.raises(DesignError, match=rf"on average {per_year:.1f} counts a year before the start; "
                                          r"synthetic (control|DiD) needs at least 10 to test a change"):
        quiet(fn, df, **KW, outcome="count", exposure="population")
    # the same series as a rate (counts unknown) is estimated, with its low-power warning
    rate = df.assign(rate=df["count"] / df["population"] * 1e5)
    res = quiet(fn, rate, **KW, outcome="rate")
    assert "LowPowerWarning" in {c.kind for c in res.warnings}


@pytest.mark.parametrize("fn", [synthetic_control, synthetic_did])
def test_ten_counts_a_year_are_accepted(fn):
    df = counts_panel(2, treated_pop=120_000.0)
    assert df.query("kommun == '0000' and year < @START")["count"].mean() >= MIN_COUNTS_PER_YEAR
    res = quiet(fn, df, **KW, outcome="count", exposure="population")
    assert np.isfinite(res.estimate)


@pytest.mark.parametrize("fn", [synthetic_control, synthetic_did])
def test_in_time_scale_changes_the_inference_only(fn):
    df = counts_panel(3)
    old = quiet(fn, df, **KW, outcome="count", exposure="population")
    new = quiet(fn, df, **KW, outcome="count", exposure="population", scale="in_time")
    assert old.diagnostics["scale_kind"] == "pre_rmspe" and new.diagnostics["scale_kind"] == "placebo_in_time"
    assert new.estimate == old.estimate
    pd.testing.assert_series_equal(new.weights, old.weights)
    assert new.diagnostics["per_year_scale"] == pytest.approx(old.diagnostics["scale"])
    assert new.diagnostics["scale"] != pytest.approx(old.diagnostics["scale"])
    for res in (old, new):  # one test: p, interval and MDE from the same scale and placebos
        stats = res.placebo["statistic"].to_numpy()
        inv = studentised_interval(res.estimate, res.diagnostics["scale"], stats, level=0.95)
        assert (res.ci_low, res.ci_high, res.p_value) == pytest.approx((inv.low, inv.high, inv.p_value))
        assert res.diagnostics["mde_increase"] == res.diagnostics["mde_decrease"] == res.mde
        assert res.diagnostics["statistic"] == pytest.approx(res.estimate / res.diagnostics["scale"])


def test_synth_in_time_scale_is_the_rms_of_refitted_backdated_mean_gaps():
    df = counts_panel(4)
    res = quiet(synthetic_control, df, **KW, outcome="count", exposure="population", scale="in_time")
    y = rates(df)
    n_pre, n_post = START - 2010, 2024 - START
    donors = list(range(1, y.shape[0]))
    assert res.diagnostics["scale"] == pytest.approx(brute_synth_in_time(y, n_pre, n_post, 0, donors), rel=1e-6)
    # a donor's placebo: its own pool (the other donors), the treated kommun never in it
    k = 5
    pool = [j for j in donors if j != k]
    eff = res.placebo.set_index("unit").loc[f"{k:04d}", ["effect", "statistic"]]
    assert eff["effect"] / eff["statistic"] == pytest.approx(brute_synth_in_time(y, n_pre, n_post, k, pool),
                                                             rel=1e-6)


def test_sdid_in_time_scale_is_the_rms_of_backdated_estimates():
    df = counts_panel(5)
    res = quiet(synthetic_did, df, **KW, outcome="count", exposure="population", scale="in_time")
    y = rates(df)
    n_pre, n_post = START - 2010, 2024 - START
    zo, zl = res.diagnostics["zeta_omega"], res.diagnostics["zeta_lambda"]
    taus = []
    for c in range(MIN_FIT_YEARS, n_pre):
        cols = np.arange(min(c + n_post, n_pre))
        taus.append(_fit(y[0, cols], y[1:, cols], cols < c, zo, zl)[0])
    assert res.diagnostics["scale"] == pytest.approx(np.sqrt(np.mean(np.square(taus))), rel=1e-9)


@pytest.mark.parametrize("fn", [synthetic_control, synthetic_did])
def test_in_time_scale_falls_back_with_a_short_pre_period(fn):
    df = counts_panel(6).query("year >= 2015")  # 3 pre-years: no backdated fit of 3 years fits
    res = quiet(fn, df, **KW, outcome="count", exposure="population", scale="in_time")
    assert res.diagnostics["scale_kind"] == "pre_rmspe"
    with pytest.raises(DataError, match="'scale' must be 'in_time' or 'pre_rmspe'"):
        fn(df, **KW, outcome="count", exposure="population", scale="rms")
