"""Permutation helpers: assignments, rank p-values, test inversion."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lofteeval.inference.permutation import assignments, invert_test, min_pvalue, rank_pvalue


def test_assignments_enumerate_or_sample() -> None:
    a = assignments(6, 2)
    assert a.shape == (math.comb(6, 2), 2) and tuple(a[0]) == (0, 1)
    assert len({tuple(r) for r in a}) == len(a)
    b = assignments(40, 3, n_perm=100, seed=1)
    assert b.shape == (100, 3) and tuple(b[0]) == (0, 1, 2)
    assert len({tuple(r) for r in b}) == 100
    np.testing.assert_array_equal(b, assignments(40, 3, n_perm=100, seed=1))


def test_rank_pvalue_counts_ties_against_the_actual() -> None:
    assert rank_pvalue(np.array([3.0, -3.0, 1.0, 0.5])) == pytest.approx(0.5)
    assert rank_pvalue(np.array([5.0, 1.0, 1.0, 1.0])) == pytest.approx(0.25)
    assert min_pvalue(20) == pytest.approx(0.05)


def test_inverting_a_z_test_gives_the_wald_interval() -> None:
    est, se = 1.3, 0.5

    def pfun(delta: float) -> float:
        return float(2 * stats.norm.sf(abs(est - delta) / se))

    iv = invert_test(pfun, estimate=est, level=0.95, step=se, tol=1e-10)
    z = stats.norm.ppf(0.975)
    assert iv.low == pytest.approx(est - z * se, abs=1e-8)
    assert iv.high == pytest.approx(est + z * se, abs=1e-8)
    assert iv.p_value == pytest.approx(pfun(0.0))


def test_never_rejecting_test_gives_an_unbounded_interval() -> None:
    iv = invert_test(lambda d: 1.0, estimate=0.2, step=1.0, limit=100.0)
    assert iv.low == -math.inf and iv.high == math.inf and iv.p_value == 1.0


def test_local_level_variogram_recovers_white_noise_and_random_walk() -> None:
    from lofteeval.inference.permutation import local_level_variogram

    rng = np.random.default_rng(0)
    white = rng.normal(0, 2.0, (3000, 10))
    walk = np.cumsum(rng.normal(0, 0.5, (3000, 10)), axis=1) + rng.normal(0, 1.0, (3000, 10))
    nug_w, slope_w = local_level_variogram(white)
    nug_r, slope_r = local_level_variogram(walk)
    # white noise: the fitted semivariogram is flat at the variance 4 (mid-range lag 5), the slope
    # is clipped to 0 in about half the units (non-negativity makes its mean slightly positive)
    assert np.mean(nug_w + 5 * slope_w) == pytest.approx(4.0, rel=0.1)
    assert np.mean(slope_w == 0) > 0.4 and np.mean(slope_w) < 0.05 * np.mean(nug_w)
    assert np.mean(nug_r) == pytest.approx(1.0, rel=0.1)
    assert np.mean(slope_r) == pytest.approx(0.125, rel=0.2)  # increments of variance 0.25
    assert (nug_w >= 0).all() and (slope_w >= 0).all() and (slope_r >= 0).all()
    with pytest.raises(ValueError, match="at least 3 periods"):
        local_level_variogram(white[:, :2])


def test_contrast_variance_is_the_variance_of_the_contrast() -> None:
    from lofteeval.inference.permutation import contrast_variance

    rng = np.random.default_rng(1)
    a = np.r_[np.full(6, -1 / 6), np.full(4, 1 / 4)]  # post mean minus pre mean
    e = rng.normal(0, 1, (200_000, 10)) + np.cumsum(rng.normal(0, 0.5, (200_000, 10)), axis=1)
    exact = float(contrast_variance(a[None, :], np.array([1.0]), np.array([0.125])))
    assert np.var(e @ a) == pytest.approx(exact, rel=0.02)
    # white noise only: nugget * sum a^2; several units add up; batch axes are kept
    assert float(contrast_variance(a[None, :], np.array([2.0]), np.array([0.0]))) == pytest.approx(
        2.0 * (1 / 6 + 1 / 4))
    two = np.stack([a, -a])[None, :, :].repeat(3, axis=0)
    out = contrast_variance(two, np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    assert out.shape == (3,) and out[0] == pytest.approx(4.0 * (1 / 6 + 1 / 4))
