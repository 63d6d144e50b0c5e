"""Rambachan & Roth (2023) sensitivity of the staggered-DiD event study.

Reference values: ``tests/reference/diffdiff_honest_mpdta.csv`` (and
``diffdiff_event_study_mpdta.csv``: not-yet-treated controls, anticipation 0 and 1), made by
``benchmarks/diffdiff_reference.py`` with diff-diff 3.13.0 on R did's mpdta
(``CallawaySantAnna(base_period="universal")``, never-treated controls, analytic standard errors,
``HonestDiD(method, alpha).sensitivity_analysis(results, M_grid)``).  The event study, the
relative-magnitude sets and intervals are closed forms / linear programmes and agree to 1e-10.
The smoothness FLCI is a numerical optimum over the estimator's standard deviation (diff-diff:
a three-level grid zoom; lofteeval: a grid and a bounded scalar search), on a surface that is
nearly flat at the optimum, so the ends agree to 1e-5 (about 0.1 % of the standard error
0.016); breakdown values are bisections (diff-diff: 20 halvings of a grid step) and agree to 1e-6.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from lofteeval.errors import DataError
from lofteeval.estimators import staggered_did
from lofteeval.inference.honest import (
    EventStudy,
    _Flci,
    _w_to_v,
    breakdown_value,
    folded_normal_quantile,
    honest_did,
    robust_interval,
    sensitivity,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "diffdiff_honest_mpdta.csv"


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    spec = importlib.util.find_spec("moderndid")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("moderndid (ships R did's mpdta) is not installed: pip install 'lofteeval[test]'")
    path = Path(list(spec.submodule_search_locations)[0]) / "core" / "datasets" / "mpdta_long.pkl.gz"
    with gzip.open(path, "rb") as fh:
        return pickle.load(fh)


@pytest.fixture(scope="module")
def result(mpdta):
    return staggered_did(mpdta, unit="countyreal", time="year", outcome="lemp", cohort="first.treat",
                         aggregation="dynamic", inference="analytic")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, comment="#")


def _rows(reference: pd.DataFrame, restriction: str, level: float) -> pd.DataFrame:
    r = reference[(reference["restriction"] == restriction) & (reference["level"] == level)
                  & (reference["quantity"] != "breakdown")]
    return r.pivot(index="m", columns="quantity", values="value")


def test_event_study_equals_diff_diff(result, reference):
    es = result.diagnostics["event_study"]
    assert isinstance(es, EventStudy) and es.reference == -1 and es.n_pre == 3
    coef = reference[reference["quantity"] == "coefficient"].set_index("event_time")["value"]
    assert list(es.event_time) == [int(e) for e in coef.index] == [-4, -3, -2, 0, 1, 2, 3]
    np.testing.assert_allclose(es.estimate, coef.to_numpy(), atol=1e-11)
    for i, e in enumerate(es.event_time):
        ref = reference[reference["quantity"] == f"vcov_{e}"].set_index("event_time")["value"]
        np.testing.assert_allclose(es.vcov[:, i], ref.loc[es.event_time].to_numpy(), atol=1e-13)
    # post-period coefficients are the varying-base dynamic effects (same cells)
    np.testing.assert_allclose(es.estimate[3:], result.effects["effect"].to_numpy()[-4:], atol=1e-12)


@pytest.mark.parametrize("anticipation", [0, 1])
def test_not_yet_treated_event_study_equals_diff_diff(mpdta, anticipation):
    ref = pd.read_csv(REFERENCE.with_name("diffdiff_event_study_mpdta.csv"), comment="#")
    ref = ref[ref["anticipation"] == anticipation]
    res = staggered_did(mpdta, unit="countyreal", time="year", outcome="lemp", cohort="first.treat",
                        aggregation="dynamic", inference="analytic", control_group="not_yet_treated",
                        anticipation=anticipation)
    es = res.diagnostics["event_study"]
    coef = ref[ref["quantity"] == "coefficient"].set_index("event_time")["value"]
    assert list(es.event_time) == list(coef.index) and es.reference == -1 - anticipation
    np.testing.assert_allclose(es.estimate, coef.to_numpy(), atol=1e-11)
    vcov = np.array([ref[ref["quantity"] == f"vcov_{e}"].set_index("event_time")["value"].loc[es.event_time]
                     for e in es.event_time])
    np.testing.assert_allclose(es.vcov, vcov, atol=1e-13)


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_relative_magnitudes_equal_diff_diff(result, reference, level):
    ref = _rows(reference, "relative_magnitude", level)
    frame = honest_did(result, restriction="relative_magnitude", m_grid=ref.index.tolist(), level=level)
    for col in ("id_low", "id_high", "ci_low", "ci_high"):
        np.testing.assert_allclose(frame[col].to_numpy(), ref[col].to_numpy(), atol=1e-10)
    bd = reference[(reference["quantity"] == "breakdown") & (reference["restriction"] == "relative_magnitude")
                   & (reference["level"] == level)]["value"].item()
    assert frame.attrs["breakdown"] == pytest.approx(bd, abs=1e-6)
    assert list(frame["significant"]) == list(frame["m"] < bd)


def test_smoothness_equals_diff_diff(result, reference):
    ref = _rows(reference, "smoothness", 0.95)
    frame = honest_did(result, restriction="smoothness", m_grid=ref.index.tolist())
    np.testing.assert_allclose(frame["ci_low"].to_numpy(), ref["ci_low"].to_numpy(), atol=1e-5)
    np.testing.assert_allclose(frame["ci_high"].to_numpy(), ref["ci_high"].to_numpy(), atol=1e-5)
    assert frame["id_low"].isna().all() and ref["id_low"].isna().all()  # pre-period curvature > M
    bd = reference[(reference["quantity"] == "breakdown") & (reference["restriction"] == "smoothness")
                   & (reference["level"] == 0.95)]["value"].item()
    assert frame.attrs["breakdown"] == pytest.approx(bd, abs=1e-6)


def test_smoothness_at_zero_is_the_minimum_variance_linear_extrapolation():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T / 6 + 0.5 * np.eye(6)
    beta = np.array([-0.3, -0.2, -0.1, 0.1, 0.2, 0.3])  # a pure linear trend, no effect
    r = robust_interval(beta, sigma, n_pre=3, restriction="smoothness", m=0.0)
    centre = 0.5 * (r["ci_low"] + r["ci_high"])
    assert centre == pytest.approx(0.0, abs=1e-9)  # the trend is removed exactly
    assert r["id_low"] == pytest.approx(0.0, abs=1e-9) and r["id_high"] == pytest.approx(0.0, abs=1e-9)


def test_worst_case_bias_closed_form_equals_the_linear_programme():
    rng = np.random.default_rng(2)
    n_pre, n_post, m = 4, 3, 0.7
    lv = np.array([0.5, 0.3, 0.2])
    prob = _Flci.of(np.eye(n_pre + n_post), lv, n_pre)
    k = n_pre + n_post + 1  # delta over (pre..., 0, post...)
    d2 = np.zeros((k - 2, k))
    for i in range(k - 2):
        d2[i, i:i + 3] = (1.0, -2.0, 1.0)
    ref_row = np.zeros(k)
    ref_row[n_pre] = 1.0  # delta_0 = 0
    for _ in range(5):
        w = rng.normal(size=n_pre)
        w += (prob.target - w.sum()) / n_pre  # linear-trend neutrality
        v = _w_to_v(w, lv)
        c = np.insert(v, n_pre, 0.0)
        lp = optimize.linprog(-c, A_ub=np.vstack([d2, -d2]), b_ub=np.full(2 * (k - 2), m),
                              A_eq=ref_row[None, :], b_eq=[0.0], bounds=(None, None), method="highs")
        assert -lp.fun == pytest.approx(m * prob.bias(w), rel=1e-9)


def test_breakdown_and_sensitivity_on_a_clear_effect():
    sigma = np.diag([0.01, 0.01, 0.01, 0.01]) ** 2
    beta = np.array([0.01, -0.01, -0.5, -0.5])  # flat pre-period, big post effect
    bd = breakdown_value(beta, sigma, n_pre=2, restriction="relative_magnitude")
    # interval [-0.5 + 1.5 * bound - z se ...]: contains 0 when Mbar * 0.02 * 1.5 = 0.5 - z * se
    se = 0.01 / np.sqrt(2)
    assert bd == pytest.approx((0.5 - stats.norm.ppf(0.975) * se) / (1.5 * 0.02), rel=1e-6)
    frame = sensitivity(beta, sigma, n_pre=2, restriction="relative_magnitude", m_grid=[0, 10, 20])
    assert list(frame["significant"]) == [True, True, False]
    flat = np.array([0.0, 0.0, -0.5, -0.5])  # no pre-period change at all: nothing to scale
    assert breakdown_value(flat, sigma, n_pre=2, restriction="relative_magnitude") == np.inf


def test_folded_normal_quantile():
    assert folded_normal_quantile(0.0, 0.05) == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)
    assert folded_normal_quantile(10.0, 0.05) == pytest.approx(10 + stats.norm.ppf(0.95), abs=1e-6)


def test_bad_input_gets_one_clear_error(result, mpdta):
    with pytest.raises(DataError, match="needs >= 1 pre- and >= 1 post-period coefficient"):
        robust_interval(np.zeros(3), np.eye(3), n_pre=3, restriction="smoothness", m=0.1)
    with pytest.raises(DataError, match="'M' must be a finite number >= 0"):
        robust_interval(np.zeros(3), np.eye(3), n_pre=1, restriction="smoothness", m=-1)
    with pytest.raises(DataError, match="'restriction' must be"):
        robust_interval(np.zeros(3), np.eye(3), n_pre=1, restriction="trend", m=1)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="one weight per post-period coefficient"):
        robust_interval(np.zeros(3), np.eye(3), n_pre=1, restriction="smoothness", m=1, l_vec=np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simple = staggered_did(mpdta, unit="countyreal", time="year", outcome="lemp", cohort="first.treat",
                               inference="analytic")
    assert "event_study" not in simple.diagnostics
    with pytest.raises(DataError, match="aggregation='dynamic'"):
        honest_did(simple)


def test_small_cohorts_warn_that_the_covariance_is_analytic():
    from lofteeval.errors import DesignWarning

    rng = np.random.default_rng(1)
    rows = [(i, t, [0, 2004, 2006][min(i, 2)] if i < 4 else 0, rng.normal())
            for i in range(30) for t in range(2000, 2009)]
    df = pd.DataFrame(rows, columns=["id", "year", "first", "y"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = staggered_did(df, unit="id", time="year", outcome="y", cohort="first", aggregation="dynamic",
                            inference="analytic")
    with pytest.warns(DesignWarning, match="covariance is analytic"):
        frame = honest_did(res, m_grid=[0.0, 1.0])
    assert list(frame["m"]) == [0.0, 1.0]
