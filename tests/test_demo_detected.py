"""The demo's detectable effects come out *säkerställd* under the default evaluation.

``lofteeval evaluate ID --demo`` evaluates every focus area with ``method="auto"`` and follows the
löfte to the panel's latest year (2024); these tests take the same path (``evaluate_areas`` with
``through=2024``) and check that each effect marked ``detectable`` in
``datasets.INJECTED_EFFECTS`` is *säkerställd* as the report says it (interval excluding 0 and
Benjamini–Hochberg-adjusted p below 0.05), with an interval that covers the injected size
(docs/demo_data.md, "The detectable effect").  The multiplicity family is the löfte's distinct
tests: an indicator serving two focus areas is one test, its rows share one adjusted p-value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lofteeval import datasets
from lofteeval.evaluation import evaluate_areas
from lofteeval.inference.multiple import adjust_pvalues
from lofteeval.registry import load_lofte
from lofteeval.reports.scale import confirmed
from lofteeval.reports.text import claimed

DETECTABLE = [e for e in datasets.INJECTED_EFFECTS if e.detectable]


@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel(seed=0)


def test_there_is_a_detectable_seed_lofte_effect():
    seeds = {"gotland-2020", "gislaved-2022", "skara-2021", "sodra-fyrbodal-2023"}
    assert {e.lofte_id for e in DETECTABLE} & seeds
    assert datasets.injected_effects()["detectable"].sum() == sum(len(e.kommuner) for e in DETECTABLE)


_CACHE: dict = {}


def _default(demo, lofte_id):
    if lofte_id not in _CACHE:  # the module's demo panel is seed 0 throughout
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _CACHE[lofte_id] = evaluate_areas(demo, load_lofte(lofte_id), quiet=True, through=2024)
    return _CACHE[lofte_id]


@pytest.mark.parametrize("eff", DETECTABLE, ids=[f"{e.lofte_id}-{e.indicator}" for e in DETECTABLE])
def test_default_evaluation_detects_it(eff, demo):
    evaluated = _default(demo, eff.lofte_id)  # the whole löfte: BH over all its indicators
    found = [r for r in evaluated.results() if r.indicator == eff.indicator]
    assert found, evaluated.failures
    for res in found:
        assert res.scale == eff.scale
        assert confirmed(res) and res.p_value < 0.05 and res.p_adjusted < 0.05
        assert res.ci_high < 0 if eff.effect < 0 else res.ci_low > 0  # the interval excludes 0
        assert res.ci_low <= eff.effect <= res.ci_high  # and covers the injected size


def test_gotland_survey_effect_is_the_multiple_testing_case(demo):
    # docs/demo_data.md: Gotland's -6 pp in saw_drug_dealing is significant on its own test, but the
    # placebo p-value has a floor of 1/73 (72 comparison kommuner) and BH over the löfte's five indicators keeps it above 0.05
    eff = next(e for e in datasets.INJECTED_EFFECTS if e.lofte_id == "gotland-2020" and e.indicator == "saw_drug_dealing")
    res = next(r for r in _default(demo, "gotland-2020").results() if r.indicator == eff.indicator)
    assert claimed(res) and res.ci_low <= eff.effect <= res.ci_high
    assert res.p_adjusted >= 0.05 and not confirmed(res)
    assert res.diagnostics["min_p_value"] * 5 > 0.05  # why: five indicators times the smallest reachable p


def test_the_family_is_the_distinct_tests(demo):
    # olaga hot serves two focus areas of Södra Fyrbodal: 18 rows, 14 tests; BH over the 14, each once
    evaluated = _default(demo, "sodra-fyrbodal-2023")
    rows = [(res, spec) for area in evaluated.areas for res, spec in evaluated.pairs[area]]
    distinct = evaluated.results()
    assert len({spec.id for _, spec in rows}) == len(distinct) < len(rows)
    assert sum(spec.id == "reported_unlawful_threats" for _, spec in rows) == 2
    np.testing.assert_allclose([r.p_adjusted for r in distinct],
                               adjust_pvalues([r.p_value for r in distinct], method="bh"))
    by_id = {r.indicator: r.p_adjusted for r in distinct}
    assert all(res.p_adjusted == by_id[spec.id] for res, spec in rows)  # duplicates share the adjusted p
    # counting the duplicates would make the family 18 and every adjusted p larger
    with_duplicates = dict(zip([spec.id for _, spec in rows], adjust_pvalues([res.p_value for res, _ in rows])))
    assert with_duplicates["problem_traffic"] > by_id["problem_traffic"]


def test_sodra_fyrbodal_threats_are_significant_but_not_confirmed_on_seed_0(demo):
    # docs/demo_data.md: -35 % olaga hot, p about 0.01 on its own test; the rank test's floor is
    # 1/5000 (three treated kommuner), so this is not the floor but the effect's size against the
    # noise: BH over the löfte's 14 tests lifts it above 0.05 on seed 0 (confirmed on seeds 1-4)
    res = next(r for r in _default(demo, "sodra-fyrbodal-2023").results() if r.indicator == "reported_unlawful_threats")
    assert claimed(res) and res.ci_low <= -0.35 <= res.ci_high
    assert res.diagnostics["min_p_value"] < 0.05 / 14 < res.p_value
    assert res.p_adjusted >= 0.05 and not confirmed(res)
