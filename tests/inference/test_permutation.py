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


def test_assignments_are_shared_read_only_and_distinct():
    from lofteeval.inference.permutation import assignments

    a = assignments(290, 3, n_perm=2000, seed=7)
    assert a is assignments(290, 3, n_perm=2000, seed=7)  # drawn once per process
    assert not a.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0] = 5
    assert a.shape == (2000, 3) and a[0].tolist() == [0, 1, 2]
    assert len({tuple(r) for r in a.tolist()}) == 2000 and (np.diff(a, axis=1) > 0).all()
    assert not np.array_equal(a, assignments(290, 3, n_perm=2000, seed=8))
