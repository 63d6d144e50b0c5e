"""Power and MDE: Bloom's formula, t quantiles, permutation MDE, small-kommun honesty, simulated power."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from lofteeval.datasets import simulate_null_panel
from lofteeval.errors import LowPowerWarning
from lofteeval.estimators import did
from lofteeval.inference.power import (
    mde_from_permutation,
    mde_from_se,
    mde_poisson_rate_ratio,
    power_from_se,
    simulate_power,
)


def test_mde_from_se_is_bloom_and_t_is_wider() -> None:
    assert mde_from_se(1.0) == pytest.approx(stats.norm.ppf(0.975) + stats.norm.ppf(0.8))
    assert mde_from_se(1.0, df=8) == pytest.approx(stats.t.ppf(0.975, 8) + stats.t.ppf(0.8, 8))
    assert mde_from_se(1.0, df=8) > mde_from_se(1.0)
    assert power_from_se(mde_from_se(0.3), 0.3) == pytest.approx(0.8, abs=1e-3)


def test_kommun_with_50_cases_a_year_cannot_detect_ten_percent() -> None:
    # 3 + 3 years of ~50 cases: MDE = 1 - exp(-2.80 * sqrt(2/150)) = 27.6 %
    mde = mde_poisson_rate_ratio(150, 150)
    assert mde == pytest.approx(1 - np.exp(-(stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * np.sqrt(2 / 150)))
    assert mde > 0.25


def test_did_reports_low_power_for_a_small_kommun() -> None:
    # base rate 1000 per 100 000 and 5 000 inhabitants: about 50 cases a year
    df = simulate_null_panel(n_units=41, seed=4, treated_size=5_000, years=range(2012, 2024),
                             treatment_start=2019)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = did(df, unit="kommun", time="year", outcome="count", exposure="population",
                  treated="0001", treatment_start=2019)
    assert res.mde > 0.2
    assert any(w.startswith("LowPowerWarning") for w in res.warnings)
    with pytest.warns(LowPowerWarning, match="minimum detectable effect"):
        did(df, unit="kommun", time="year", outcome="count", exposure="population", treated="0001",
            treatment_start=2019)


def test_mde_from_permutation_on_normal_placebos() -> None:
    draws = np.random.default_rng(1).normal(0, 2.0, 200_000)
    expected = 2.0 * (stats.norm.ppf(0.975) + stats.norm.ppf(0.8))
    assert mde_from_permutation(draws) == pytest.approx(expected, rel=0.01)
    assert mde_from_permutation(draws / 2, se=2.0) == pytest.approx(expected, rel=0.01)
    assert np.isnan(mde_from_permutation([1.0]))


def test_mde_from_permutation_uses_the_rank_tests_own_critical_value() -> None:
    # 20 placebos: p < 0.05 only when |T| beats all of them ((1 + 0) / 21 = 0.048), so the
    # critical value is the largest |T_j|, not the interpolated 95 % quantile
    draws = np.arange(1.0, 21.0)
    sd = np.std(draws, ddof=1)
    assert mde_from_permutation(draws) == pytest.approx(20.0 + stats.norm.ppf(0.8) * sd)
    # 18 placebos: (1 + 0) / 19 = 0.053, no rank is significant
    assert mde_from_permutation(draws[:18]) == np.inf
    # 999 placebos: p < 0.05 allows 48 at least as extreme, so the 49th largest
    many = np.arange(1.0, 1000.0)
    assert mde_from_permutation(many) == pytest.approx(951.0 + stats.norm.ppf(0.8) * np.std(many, ddof=1))


def test_simulate_power_grows_with_the_effect() -> None:
    df = simulate_null_panel(n_units=25, seed=2, population_range=(100_000, 300_000))
    kw = dict(unit="kommun", time="year", outcome="count", exposure="population", treated="0001",
              treatment_start=2020, max_units=12)
    none = simulate_power(did, df, effect=0.0, **kw)
    big = simulate_power(did, df, effect=-0.5, **kw)
    assert none <= 0.25
    assert big >= 0.75


def test_mde_both_directions_on_the_log_scale() -> None:
    from lofteeval.inference.power import mde_both_directions

    m = 0.4  # log-scale MDE: a fall of 1 - e^-0.4 = 33.0 %, a rise of e^0.4 - 1 = 49.2 %
    out = mde_both_directions(float(-np.expm1(-m)), relative=True)
    assert out["mde_decrease"] == pytest.approx(-np.expm1(-m))
    assert out["mde_increase"] == pytest.approx(np.expm1(m))
    assert mde_both_directions(12.5, relative=False) == {"mde_decrease": 12.5, "mde_increase": 12.5}
    assert mde_both_directions(1.0, relative=True)["mde_increase"] == float("inf")


def test_permutation_mde_quantile_spread_known_answer() -> None:
    # 39 placebos, 95 %: no placebo may be as extreme, so the critical value is the largest |T|
    # (19); the 78 values ±T_j are ±1..±19 and 0, each twice, and their 0.8 quantile lies at
    # position 0.8 * 77 = 61.6 of the sorted values (11 at 61, 12 at 62; numpy's linear rule): 11.6,
    # so the MDE is 19 + 11.6 with se = 1 and twice that with se = 2
    stats_ = np.concatenate([np.arange(1, 20), -np.arange(1, 20), [0.0]])
    assert mde_from_permutation(stats_, level=0.95, spread="quantile") == pytest.approx(19 + 11.6, abs=1e-9)
    assert mde_from_permutation(stats_, se=2.0, level=0.95, spread="quantile") == pytest.approx(2 * 30.6)


def test_permutation_mde_quantile_spread_is_smaller_for_heavy_tails() -> None:
    # the same critical value, but a few wild placebos inflate the s.d. and not the quantile
    rng = np.random.default_rng(3)
    normal = rng.standard_normal(999)
    heavy = normal.copy()
    heavy[:5] = [40.0, -40.0, 35.0, -30.0, 25.0]
    assert mde_from_permutation(normal, spread="quantile") == pytest.approx(
        mde_from_permutation(normal, spread="sd"), rel=0.05)
    assert mde_from_permutation(heavy, spread="quantile") < 0.8 * mde_from_permutation(heavy, spread="sd")


def test_permutation_mde_rejects_an_unknown_spread() -> None:
    with pytest.raises(ValueError, match="spread must be 'sd' or 'quantile'"):
        mde_from_permutation(np.arange(10.0), spread="mad")
