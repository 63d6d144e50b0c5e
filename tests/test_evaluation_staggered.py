"""Staggered DiD across löften (evaluation.evaluate_staggered) on the synthetic demo panel."""

from __future__ import annotations

import warnings

import pytest

import lofteeval
from lofteeval.errors import DesignError
from lofteeval.evaluation import evaluate_staggered


@pytest.fixture(scope="module")
def panel():
    return lofteeval.datasets.demo_panel(seed=0)


def _run(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate_staggered(*args, **kwargs)


def test_cohorts_are_the_loften_start_years(panel):
    res = _run(panel, "reported_drug_offences")
    reg = lofteeval.load_registry()
    expected: dict[str, int] = {}  # a kommun's cohort is the first year one of its löften starts
    for i in res.diagnostics["loften"]:
        for k in reg[i].kommuner:
            expected[k] = min(expected.get(k, reg[i].start_year), reg[i].start_year)
    assert res.diagnostics["cohorts"] == expected
    assert set(res.att_gt["group"].astype(int)) == set(expected.values())
    # every löfte whose focus areas the indicator measures is pooled by default
    assert {"skara-2021", "gislaved-2022"} <= set(res.diagnostics["loften"])
    assert res.method == "staggered" and res.indicator == "reported_drug_offences"
    assert any(w.startswith("SyntheticData") for w in res.warnings)


def test_other_related_loften_are_excluded_as_contaminated(panel):
    res = _run(panel, "reported_drug_offences", ["skara-2021"], aggregation="simple")
    assert res.diagnostics["cohorts"] == {"1495": 2021}
    excluded = res.comparison[res.comparison["role"] == "excluded"]
    assert "0662" in set(excluded["kommun"])  # Gislaved has its own narkotika löfte
    assert excluded["reason"].str.contains("gislaved-2022").any()
    # 290 kommuner minus the treated one minus the excluded ones are the comparison group
    assert res.diagnostics["n_comparison"] == 290 - 1 - len(excluded)


def test_few_treated_units_are_flagged(panel):
    res = _run(panel, "reported_assault", ["sodra-fyrbodal-2023"], aggregation="simple")
    # few treated kommuner per cohort: the overall test is the placebo-cohort test, never p = 0
    assert res.inference.startswith("studentised placebo-cohort")
    assert res.p_value >= 1 / (res.diagnostics["n_placebo"] + 1)
    assert res.ci_low <= res.estimate <= res.ci_high


def test_indicator_without_focus_area_is_refused(panel):
    with pytest.raises(DesignError, match="measures no focus area"):
        evaluate_staggered(panel, "population")
