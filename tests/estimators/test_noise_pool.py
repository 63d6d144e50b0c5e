"""Level variance of the structural forecast learned from comparison kommuner (empirical Bayes)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lofteeval.estimators import before_after, its
from lofteeval.estimators._local_level import log_count_variance, mixture_test, posterior_predictive
from lofteeval.estimators._noise_pool import POOL_MIN, _pooled_ml, pooled_predictive, usable_pool

pytestmark = pytest.mark.filterwarnings("ignore::lofteeval.errors.LofteevalWarning")


def _panel(rng: np.random.Generator, n_units: int, s_common: float, s_extra: float,
           mean: float = 400.0, years: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``years x units``: common random walk + independent log-normal noise + Poisson."""
    common = np.cumsum(rng.normal(0, np.sqrt(s_common), years))
    log_mu = np.log(mean) + common[:, None] + rng.normal(0, np.sqrt(s_extra), (years, n_units))
    return rng.poisson(np.exp(log_mu)).astype(float), np.full((years, n_units), 1e5)


def test_pooled_ml_recovers_the_kommun_noise() -> None:
    # 60 kommuner, 10 years of white noise (variance 0.04) around a still level: the deviations
    # from the mean series give the irregular variance to within sampling error (540 differences)
    rng = np.random.default_rng(1)
    y, e = _panel(rng, 60, 0.0, 0.04, years=10)
    z, known = usable_pool(y, e, 10.0)
    d = z - z.mean(axis=1, keepdims=True)
    kd = known * (1 - 2 / 60) + known.sum(axis=1, keepdims=True) / 60**2
    s_e, s_l = (v * 60 / 59 for v in _pooled_ml(d - d.mean(axis=0), kd, False))
    assert s_e == pytest.approx(0.04, rel=0.2)
    assert s_l < 0.004


def test_usable_pool_leaves_out_small_counts() -> None:
    y = np.array([[3.0, 50, 40], [2, 60, 45], [4, 55, 0]])
    z, known = usable_pool(y, np.full(y.shape, 1e4), 10.0)
    assert z.shape == (3, 2)
    assert known[0, 0] == pytest.approx(log_count_variance(np.array([55.0]))[0], rel=1e-6)


def test_pooled_forecast_is_calibrated_and_narrower_with_large_independent_noise() -> None:
    # large independent year-to-year noise (s.d. 0.3) and a slowly moving common level: ten years
    # of one series cannot rule out a moving level, so the single-series posterior is far too wide
    # (false positives near 0 %); with the level variance learned from 30 other kommuner the test
    # keeps its size (120 null panels: about 6 rejections expected; binomial 95 % range 2-11)
    rng = np.random.default_rng(7)
    pooled, single, sd_ratio = 0, 0, []
    for _ in range(120):
        y, e = _panel(rng, 31, 0.03**2, 0.3**2)
        z = np.log((y[:, 0] + 0.5) / e[:, 0])
        known = log_count_variance(np.full(10, y[:10, 0].mean()))
        pz, pk = usable_pool(y[:10, 1:], e[:10, 1:], 10.0)
        mix = pooled_predictive(z[:10], known, z[10:], e[10:, 0], pz, pk, trend=False)
        one = posterior_predictive(z[:10], known, z[10:], e[10:, 0], trend=False)
        res, ref = mixture_test(mix, level=0.95), mixture_test(one, level=0.95)
        pooled += res["p"] < 0.05
        single += ref["p"] < 0.05
        sd_ratio.append(res["se"] / ref["se"])
    assert 2 <= pooled <= 14
    assert single <= 2
    assert np.median(sd_ratio) < 0.85


def _long(y: np.ndarray, e: np.ndarray) -> pd.DataFrame:
    years, units = y.shape
    return pd.DataFrame({"k": np.repeat([f"K{j:02d}" for j in range(units)], years),
                         "year": np.tile(np.arange(2010, 2010 + years), units),
                         "y": y.T.ravel(), "pop": e.T.ravel()})


KW = dict(unit="k", time="year", outcome="y", exposure="pop", treated="K00", treatment_start=2020)


def _fit(design, units: int | None = None):
    """``design`` on 12 kommuner of one panel (seed 3), or on its first ``units`` only."""
    y, e = _panel(np.random.default_rng(3), 12, 0.03**2, 0.2**2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return design(_long(y[:, :units], e[:, :units]), **KW)


def test_its_learns_the_level_variance_from_the_comparison_kommuner() -> None:
    res, few, alone = _fit(its), _fit(its, POOL_MIN), _fit(its, 1)  # few: POOL_MIN - 1 comparisons
    assert res.diagnostics["noise_pool_size"] == 11
    assert "learned from 11 comparison kommuner" in res.inference
    assert few.diagnostics["noise_pool_size"] == 0 and "learned from" not in few.inference
    # the treated series is the same: without the pool the single-series posterior, as before
    assert alone.estimate == pytest.approx(few.estimate)
    assert alone.ci_high - alone.ci_low == pytest.approx(few.ci_high - few.ci_low)
    assert res.ci_high - res.ci_low < alone.ci_high - alone.ci_low


def test_before_after_keeps_the_single_series_posterior() -> None:
    # before/after does not use the pool: with it (no drift uncertainty to widen the forecast) it
    # rejected 8.5 % of the battery's base null panels on fresh seeds (docs/calibration.md)
    res, alone = _fit(before_after), _fit(before_after, 1)
    assert "learned from" not in res.inference
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx((alone.estimate, alone.ci_low, alone.ci_high))
