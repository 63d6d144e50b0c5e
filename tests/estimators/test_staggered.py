"""Tests for :func:`lofteeval.estimators.staggered.staggered_did` (Callaway & Sant'Anna 2021).

Reference values: ``tests/reference/mpdta_did_reference.csv`` (R ``did``; sources in its header).
Known answers: noiseless simulated panels (unit + period effects + a known effect) where every
estimate is exact, and a noisy panel where the effect is recovered within 4 standard errors.
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
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from lofteeval.errors import DataError, DesignError, DesignWarning, DroppedRowsWarning
from lofteeval.estimators.staggered import staggered_did
from lofteeval.inference.power import mde_from_se

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "mpdta_did_reference.csv"
AGGREGATIONS = ["simple", "group", "dynamic", "calendar"]
MPDTA = dict(unit="countyreal", time="year", outcome="lemp", cohort="first.treat")


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    """R did's mpdta, as shipped in the PyPI package ``moderndid`` (read without importing it)."""
    spec = importlib.util.find_spec("moderndid")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("moderndid (ships R did's mpdta) is not installed: "
                    "pip install 'lofteeval[test]'")
    root = Path(list(spec.submodule_search_locations)[0])
    path = root / "core" / "datasets" / "mpdta_long.pkl.gz"
    with gzip.open(path, "rb") as fh:
        data = pickle.load(fh)
    # the same data as did::mpdta (fingerprint in the reference file header)
    assert data.shape == (2500, 6)
    assert data.groupby("first.treat")["countyreal"].nunique().to_dict() == {
        0: 309, 2004: 20, 2006: 40, 2007: 131}
    assert data["lemp"].sum() == pytest.approx(14431.290816068074, abs=1e-8)
    return data


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, comment="#")


def simulate(*, n_per_cohort: int = 30, cohorts=(0, 2003, 2005, 2007), years=range(2000, 2010),
             effect=lambda e: -2.0, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Panel with unit and year effects; treated from the cohort year on with ``effect(e)``."""
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years))
    year_fx = rng.normal(0, 3, years.size)
    rows = []
    for c in cohorts:
        for i in range(n_per_cohort):
            unit_fx = rng.normal(0, 5)
            for k, yr in enumerate(years):
                tau = effect(yr - c) if (c and yr >= c) else 0.0
                rows.append((f"u{c}_{i}", yr, c, unit_fx + year_fx[k] + tau + noise * rng.normal()))
    return pd.DataFrame(rows, columns=["unit", "year", "cohort", "y"])


SIM = dict(unit="unit", time="year", outcome="y", cohort="cohort")


# -- R did reference values on mpdta ------------------------------------------------------------
@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_mpdta_overall_matches_r_did(mpdta, reference, aggregation):
    ref = reference.query("kind == 'overall' and aggregation == @aggregation").iloc[0]
    res = staggered_did(mpdta, **MPDTA, aggregation=aggregation)
    assert res.estimate == pytest.approx(ref.estimate, abs=1e-9)  # TARGETS: 1e-6
    assert res.diagnostics["se"] == pytest.approx(ref.se, abs=1e-9)
    assert res.inference == "analytic (influence function)"
    z = 1.959963984540054
    expected = [ref.estimate - z * ref.se, ref.estimate + z * ref.se]
    assert_allclose([res.ci_low, res.ci_high], expected, atol=1e-8)


def test_mpdta_att_gt_matches_r_did(mpdta, reference):
    ref = reference.query("kind == 'att_gt'").sort_values(["group", "time"])
    res = staggered_did(mpdta, **MPDTA)
    got = res.att_gt.sort_values(["group", "time"])
    assert list(got.columns[:7]) == ["group", "time", "att", "se", "ci_low", "ci_high", "post"]
    assert_allclose(got[["group", "time"]].to_numpy(), ref[["group", "time"]].to_numpy())
    assert_allclose(got["att"], ref["estimate"], atol=6e-9)  # R printed to 8 decimals
    # R's README SEs are multiplier-bootstrap SEs (1000 draws, ~4 % Monte Carlo error)
    assert_allclose(got["se"], ref["se"], rtol=0.12)
    assert got["post"].tolist() == (got["time"] >= got["group"]).tolist()


def test_mpdta_event_study_and_group_effects_match_r_did(mpdta, reference):
    dyn = staggered_did(mpdta, **MPDTA, aggregation="dynamic").effects
    ref = reference.query("kind == 'dynamic'")
    assert dyn["time"].tolist() == ref["time"].tolist()
    assert_allclose(dyn["effect"], ref["estimate"], atol=5.1e-5)  # printed to 4 decimals
    assert_allclose(dyn["se"], ref["se"], rtol=0.12)
    grp = staggered_did(mpdta, **MPDTA, aggregation="group").effects
    ref = reference.query("kind == 'group'")
    assert grp["time"].tolist() == ref["group"].tolist()
    assert_allclose(grp["effect"], ref["estimate"], atol=5.1e-5)
    assert_allclose(grp["se"], ref["se"], rtol=0.12)
    assert list(grp.columns) == ["time", "effect", "se", "ci_low", "ci_high"]


def test_mpdta_pretrend_wald_matches_r_did(mpdta, reference):
    ref = reference.query("kind == 'pretest'").iloc[0]
    diag = staggered_did(mpdta, **MPDTA).diagnostics
    assert diag["pretrend_p_value"] == pytest.approx(ref.estimate, abs=5e-6)
    assert diag["pretrend_df"] == 5
    assert diag["n_units"] == 500 and diag["n_groups"] == 3 and diag["n_comparison"] == 309


def test_mpdta_not_yet_treated_uses_later_cohorts_as_controls(mpdta):
    nyt = staggered_did(mpdta, **MPDTA, control_group="not_yet_treated").att_gt.set_index(
        ["group", "time"])
    never = staggered_did(mpdta, **MPDTA).att_gt.set_index(["group", "time"])
    # (2004, 2004): never-treated 309 + cohorts 2006 (40) and 2007 (131) not yet treated
    assert nyt.loc[(2004, 2004), "n_control"] == 480
    assert nyt.loc[(2004, 2006), "n_control"] == 309 + 131
    # where no cohort is still untreated, both comparison groups coincide
    last = [(2004, 2007), (2006, 2007), (2007, 2007), (2007, 2006)]
    assert_allclose(nyt.loc[last, "att"], never.loc[last, "att"], atol=1e-12)
    assert not np.allclose(nyt.loc[(2004, 2004), "att"], never.loc[(2004, 2004), "att"])


# -- known answers ------------------------------------------------------------------------------
NOISELESS = pytest.mark.filterwarnings("ignore:pre-trend Wald test not computed")


@NOISELESS
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_noiseless_constant_effect_is_exact(control_group, aggregation):
    res = staggered_did(simulate(), **SIM, control_group=control_group, aggregation=aggregation)
    assert res.estimate == pytest.approx(-2.0, abs=1e-10)
    cells = res.att_gt
    assert_allclose(cells.loc[cells["post"], "att"], -2.0, atol=1e-10)
    assert_allclose(cells.loc[~cells["post"], "att"], 0.0, atol=1e-10)


@NOISELESS
def test_noiseless_dynamic_effects_aggregate_exactly():
    res = staggered_did(simulate(effect=lambda e: 1.0 + e), **SIM, aggregation="dynamic")
    eff = res.effects.set_index("time")["effect"]
    event = eff.index.to_numpy()
    assert_allclose(eff, np.where(event >= 0, 1.0 + event, 0.0), atol=1e-10)
    assert res.estimate == pytest.approx(np.mean(1.0 + event[event >= 0]), abs=1e-10)
    # group: cohort 2003 is treated 2003-2009 -> mean(1..7) = 4; 2005 -> mean(1..5) = 3; 2007 -> 2
    grp = staggered_did(simulate(effect=lambda e: 1.0 + e), **SIM, aggregation="group")
    assert_allclose(grp.effects["effect"], [4.0, 3.0, 2.0], atol=1e-10)
    assert grp.estimate == pytest.approx(3.0, abs=1e-10)  # equal cohort sizes


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_noisy_constant_effect_recovered(control_group):
    res = staggered_did(simulate(noise=1.0, seed=3), **SIM, control_group=control_group)
    se = res.diagnostics["se"]
    assert 0 < se < 0.5
    assert abs(res.estimate + 2.0) < 4 * se
    assert res.ci_low < -2.0 < res.ci_high
    assert res.mde == pytest.approx(mde_from_se(se, level=0.95))


@NOISELESS
def test_anticipation_shifts_the_base_period():
    panel = simulate(effect=lambda e: -2.0)
    # one period of anticipation: the effect starts a year before the cohort year
    panel["y"] += np.where((panel["cohort"] > 0) & (panel["year"] == panel["cohort"] - 1), -2.0, 0)
    naive = staggered_did(panel, **SIM)
    assert naive.estimate != pytest.approx(-2.0, abs=0.1)
    res = staggered_did(panel, **SIM, anticipation=1)
    cells = res.att_gt[res.att_gt["post"]]
    assert_allclose(cells["att"], -2.0, atol=1e-10)
    assert (cells["base_time"] == cells["group"] - 2).all()


@NOISELESS
def test_not_yet_treated_without_never_treated_follows_r():
    panel = simulate(cohorts=(2003, 2005, 2008))
    with pytest.warns(DroppedRowsWarning, match=r"dropped 180 rows .*last cohort 2008"):
        res = staggered_did(panel, **SIM, control_group="not_yet_treated")
    assert res.att_gt["time"].max() == 2007
    assert sorted(res.att_gt["group"].unique()) == [2003, 2005]
    assert res.estimate == pytest.approx(-2.0, abs=1e-10)


@NOISELESS
def test_first_period_cohort_is_dropped_with_count():
    panel = simulate(cohorts=(0, 2000, 2005))
    with pytest.warns(DroppedRowsWarning, match=r"dropped 300 rows \(30 units\)"):
        res = staggered_did(panel, **SIM)
    assert res.diagnostics["n_units"] == 60
    assert any("DroppedRowsWarning" in w for w in res.warnings)


def test_singular_pretest_is_reported_not_hidden():
    panel = simulate()
    # integer-valued, exactly additive outcomes: every pre-period change is identical -> V = 0
    codes = pd.factorize(panel["unit"])[0]
    treated = (panel["cohort"] > 0) & (panel["year"] >= panel["cohort"])
    panel["y"] = codes + 3.0 * (panel["year"] - 2000) - 2.0 * treated
    with pytest.warns(DesignWarning, match="pre-trend Wald test not computed"):
        res = staggered_did(panel, **SIM)
    assert res.estimate == pytest.approx(-2.0, abs=1e-12)
    assert np.isnan(res.diagnostics["pretrend_p_value"]) and res.diagnostics["pretrend_df"] > 0


@NOISELESS
def test_small_cohort_caveat():
    with pytest.warns(DesignWarning, match="fewer than 10 units"):
        res = staggered_did(simulate(n_per_cohort=3, noise=1.0), **SIM, inference="analytic")
    assert any(w.startswith("DesignWarning") for w in res.warnings)



# -- properties ---------------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-1e3, 1e3), scale=st.floats(0.1, 10))
def test_unit_constants_and_common_shocks_leave_att_gt_unchanged(seed, shift, scale):
    panel = simulate(n_per_cohort=6, noise=1.0, seed=seed, years=range(2000, 2008),
                     cohorts=(0, 2003, 2006))
    base = staggered_did(panel, **SIM).att_gt
    rng = np.random.default_rng(seed)
    units = panel["unit"].unique()
    unit_shift = dict(zip(units, rng.normal(shift, scale, units.size), strict=True))
    year_shock = dict(zip(range(2000, 2008), rng.normal(shift, scale, 8), strict=True))
    extra = panel["unit"].map(unit_shift) + panel["year"].map(year_shock)
    moved = panel.assign(y=panel["y"] + extra)
    got = staggered_did(moved, **SIM).att_gt
    assert_allclose(got["att"], base["att"], atol=1e-8 * max(1.0, abs(shift)))
    assert_allclose(got["se"], base["se"], rtol=1e-6, atol=1e-9)


def test_row_order_and_input_untouched():
    panel = simulate(noise=1.0, seed=5)
    before = panel.copy()
    res = staggered_did(panel, **SIM, aggregation="calendar")
    pd.testing.assert_frame_equal(panel, before)
    shuffled = panel.sample(frac=1.0, random_state=1)
    again = staggered_did(shuffled, **SIM, aggregation="calendar")
    assert again.estimate == pytest.approx(res.estimate, abs=1e-12)
    nan_cohort = panel.assign(cohort=panel["cohort"].replace(0, np.nan))
    assert staggered_did(nan_cohort, **SIM, aggregation="calendar").estimate == pytest.approx(
        res.estimate, abs=1e-12)


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_p_value_agrees_with_interval(mpdta, aggregation):
    res = staggered_did(mpdta, **MPDTA, aggregation=aggregation)
    res.check()
    assert (res.p_value < 0.05) == (res.ci_high < 0 or res.ci_low > 0)
    assert res.scale == "absolute" and res.method == "staggered"
    assert res.to_frame().loc[0, "term"] == f"att_{aggregation}"


# -- bootstrap ----------------------------------------------------------------------------------
def test_bootstrap_is_seeded_and_close_to_analytic(mpdta):
    kw = dict(**MPDTA, aggregation="dynamic", bootstrap=True, n_boot=999)
    a = staggered_did(mpdta, **kw, seed=7)
    b = staggered_did(mpdta, **kw, seed=7)
    assert a.ci_low == b.ci_low and a.inference == "multiplier bootstrap (Mammen), B=999"
    analytic = staggered_did(mpdta, **MPDTA, aggregation="dynamic")
    assert a.estimate == analytic.estimate
    assert_allclose(a.att_gt["se"], analytic.att_gt["se"], rtol=0.15)
    assert a.diagnostics["se"] == pytest.approx(analytic.diagnostics["se"], rel=0.15)
    # uniform bands: a sup-t critical value above the pointwise 1.96, below Bonferroni's
    crit = a.diagnostics["uniform_critical_value_att_gt"]
    assert 1.96 < crit < 3.3
    width = a.att_gt["ci_high"] - a.att_gt["ci_low"]
    assert_allclose(width, 2 * crit * a.att_gt["se"])


# -- errors -------------------------------------------------------------------------------------
def test_missing_columns():
    with pytest.raises(DataError, match=r"columns named by outcome='lemp'"):
        staggered_did(simulate(), unit="unit", time="year", outcome="lemp", cohort="cohort")


def test_cohort_must_be_constant_within_unit():
    panel = simulate()
    panel.loc[panel.index[0], "cohort"] = 2004
    with pytest.raises(DataError, match="must be constant within each 'unit'"):
        staggered_did(panel, **SIM)


@pytest.mark.parametrize("bad", [1990, 2015])
def test_cohort_outside_time_range(bad):
    panel = simulate()
    panel.loc[panel["cohort"] == 2005, "cohort"] = bad
    with pytest.raises(DataError, match=rf"cohort values \[{bad}.0\] lie outside the time range"):
        staggered_did(panel, **SIM)


def test_missing_data_policy_duplicates_and_missing_outcomes():
    """The one policy: a never-treated unit lacking a period is left out (recorded), a treated
    unit lacking one is an error naming it and the period."""
    panel = simulate()
    with pytest.warns(DroppedRowsWarning, match=r"left out 1 comparison unit\(s\) .*u0_0 \(2003\)"):
        res = staggered_did(panel.drop(index=3), **SIM)
    assert res.diagnostics["n_comparison"] == 29
    assert any(w.kind == "DroppedRowsWarning" and w.values["units"] == ["u0_0"] for w in res.warnings)
    treated_row = panel.index[(panel["cohort"] == 2005) & (panel["year"] == 2001)][0]
    who = panel.loc[treated_row, "unit"]
    with pytest.raises(DataError, match=rf"every treated unit must have 'y' .*'{who}' lacks \[2001"):
        staggered_did(panel.drop(index=treated_row), **SIM)
    with pytest.raises(DataError, match="must occur once"):
        staggered_did(pd.concat([panel, panel.iloc[[0]]]), **SIM)
    with pytest.raises(DataError, match=rf"'{who}' lacks \[2001"):
        staggered_did(panel.assign(y=panel["y"].where(panel.index != treated_row)), **SIM)


def test_non_numeric_columns_and_options():
    panel = simulate()
    with pytest.raises(DataError, match="time column 'year' must be numeric"):
        staggered_did(panel.assign(year="y" + panel["year"].astype(str)), **SIM)
    with pytest.raises(DataError, match="'aggregation' must be one of"):
        staggered_did(panel, **SIM, aggregation="event")
    with pytest.raises(DataError, match="'control_group' must be one of"):
        staggered_did(panel, **SIM, control_group="notyettreated")
    with pytest.raises(DataError, match=r"'level' must be in \(0, 1\)"):
        staggered_did(panel, **SIM, level=95)
    with pytest.raises(DataError, match="'anticipation' must be an integer >= 0"):
        staggered_did(panel, **SIM, anticipation=-1)


def test_no_never_treated_with_never_treated_controls():
    with pytest.raises(DesignError, match="no never-treated units"):
        staggered_did(simulate(cohorts=(2003, 2005)), **SIM)


def test_no_warnings_on_clean_input(mpdta):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = staggered_did(mpdta, **MPDTA)
    assert res.warnings == ()


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_mpdta_not_yet_treated_matches_peer_implementations(mpdta, reference, aggregation):
    """No published R numbers: csdid 0.4.3 and differences 0.3.0 agree; so must we."""
    nyt = reference.query("kind == 'overall_not_yet_treated'")
    ref = nyt.query("aggregation == @aggregation").iloc[0]
    res = staggered_did(mpdta, **MPDTA, aggregation=aggregation, control_group="not_yet_treated")
    assert res.estimate == pytest.approx(ref.estimate, abs=1e-9)
    assert res.diagnostics["se"] == pytest.approx(ref.se, abs=1e-9)
