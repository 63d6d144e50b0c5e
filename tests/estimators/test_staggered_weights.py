"""Unit weights in Callaway–Sant'Anna (R did's ``weightsname``): known answers and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.estimators import _cs_core as core
from lofteeval.estimators import staggered_did

# Five units, periods 1-3: cohort 2 (A, B), cohort 3 (C), never treated (D, E).
Y = np.array([[0, 2, 3], [0, 4, 5], [0, 1, 5], [0, 1, 1], [0, 1, 2]], dtype=float)
COHORT = np.array([2, 2, 3, 0, 0], dtype=float)
W = np.array([1, 3, 2, 1, 3], dtype=float)
TIMES = np.array([1, 2, 3], dtype=float)


def _cells(weights):
    res = core.att_gt(Y, COHORT, TIMES, never_only=True, anticipation=0, weights=weights)
    return {(int(g), int(t)): a for g, t, a in zip(res.group, res.time, res.att)}, res


def test_hand_computed_two_cohort_example():
    # ATT(2,2) = (1*2 + 3*4)/4 - (1*1 + 3*1)/4 = 2.5; ATT(2,3) = (1*3 + 3*5)/4 - (1*1 + 3*2)/4 = 2.75;
    # ATT(3,3) = 4 - (1*0 + 3*1)/4 = 3.25; ATT(3,2) (pre) = 1 - 1 = 0.  Cohort shares 4/10 and 2/10.
    cells, res = _cells(W)
    assert cells == pytest.approx({(2, 2): 2.5, (2, 3): 2.75, (3, 2): 0.0, (3, 3): 3.25})
    simple = core.aggregate(res, COHORT, "simple", weights=W)
    assert simple.overall == pytest.approx((0.4 * 2.5 + 0.4 * 2.75 + 0.2 * 3.25) / 1.0)  # 2.75
    dynamic = core.aggregate(res, COHORT, "dynamic", weights=W)
    assert dict(zip(dynamic.index, dynamic.effect)) == pytest.approx({-1: 0.0, 0: (0.4 * 2.5 + 0.2 * 3.25) / 0.6,
                                                                     1: 2.75})
    # the unweighted numbers differ: ATT(2,2) = 3 - 1 = 2, simple = 0.4*2 + 0.4*2.5 + 0.2*3.5 = 2.5
    plain, res0 = _cells(None)
    assert plain[(2, 2)] == pytest.approx(2.0)
    assert core.aggregate(res0, COHORT, "simple").overall == pytest.approx(2.5)


def test_influence_functions_sum_to_zero_with_weights():
    _, res = _cells(W)
    np.testing.assert_allclose(res.inf.sum(axis=0), 0, atol=1e-12)
    for kind in ("simple", "group", "dynamic", "calendar"):
        np.testing.assert_allclose(core.aggregate(res, COHORT, kind, weights=W).overall_inf.sum(), 0, atol=1e-12)


def test_integer_weights_equal_duplicated_units():
    reps = W.astype(int)
    _, res_w = _cells(W)
    dup = core.att_gt(np.repeat(Y, reps, axis=0), np.repeat(COHORT, reps), TIMES, never_only=True, anticipation=0)
    np.testing.assert_allclose(res_w.att, dup.att)
    for kind in ("simple", "dynamic"):
        assert core.aggregate(res_w, COHORT, kind, weights=W).overall == pytest.approx(
            core.aggregate(dup, np.repeat(COHORT, reps), kind).overall)


def _long(rng, n_units=60, weight=None):
    cohorts = np.array([2004] * 3 + [2006] * 2 + [0] * (n_units - 5))
    rows = []
    for i, g in enumerate(cohorts):
        base = rng.normal(0, 1)
        for t in range(2000, 2010):
            rows.append((f"u{i:02d}", t, g, base + 0.1 * t + rng.normal(0, 0.3) + (1.0 if g and t >= g else 0.0),
                         weight if weight is not None else 1 + i % 7))
    return pd.DataFrame(rows, columns=["unit", "year", "cohort", "y", "w"])


@pytest.mark.parametrize("inference", ["analytic", "placebo_cohort"])
def test_equal_weights_give_the_unweighted_result(inference):
    data = _long(np.random.default_rng(3), weight=7.0)
    args = dict(unit="unit", time="year", outcome="y", cohort="cohort", aggregation="dynamic",
                inference=inference, n_placebo=199, seed=1)
    plain, weighted = staggered_did(data, **args), staggered_did(data, weights="w", **args)
    for attr in ("estimate", "ci_low", "ci_high", "p_value"):
        assert getattr(weighted, attr) == pytest.approx(getattr(plain, attr), rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(weighted.effects["se"], plain.effects["se"])


def test_weights_change_the_estimate_and_the_placebo_test_runs():
    data = _long(np.random.default_rng(4))
    args = dict(unit="unit", time="year", outcome="y", cohort="cohort", aggregation="dynamic", n_placebo=199, seed=1)
    plain, weighted = staggered_did(data, **args), staggered_did(data, weights="w", **args)
    assert weighted.inference_id == "placebo_cohort" and weighted.diagnostics["weighted"]
    assert weighted.estimate != pytest.approx(plain.estimate)
    assert weighted.ci_low < weighted.estimate < weighted.ci_high and 0 < weighted.p_value <= 1


def test_weights_must_be_one_positive_number_per_unit():
    data = _long(np.random.default_rng(5))
    data.loc[3, "w"] = 99.0  # varies within u00
    with pytest.raises(DataError, match="one positive, finite number per 'unit'"):
        staggered_did(data, unit="unit", time="year", outcome="y", cohort="cohort", weights="w")
