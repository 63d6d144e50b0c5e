"""The demo's detectable effects come out *säkerställd* under the default evaluation.

``lofteeval evaluate ID --demo`` evaluates every focus area with ``method="auto"`` and follows the
löfte to the panel's latest year (2024); these tests take the same path (``evaluate_areas`` with
``through=2024``) and check that each effect marked ``detectable`` in
``datasets.INJECTED_EFFECTS`` is called significant, with an interval that excludes 0 and covers
the injected size (docs/demo_data.md, "The detectable effects").
"""

from __future__ import annotations

import warnings

import pytest

from lofteeval import datasets
from lofteeval.evaluation import evaluate_areas
from lofteeval.registry import load_lofte
from lofteeval.reports.text import claimed

DETECTABLE = [e for e in datasets.INJECTED_EFFECTS if e.detectable]


@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel(seed=0)


def test_there_is_a_detectable_seed_lofte_effect():
    seeds = {"gotland-2020", "gislaved-2022", "skara-2021", "sodra-fyrbodal-2023"}
    assert {e.lofte_id for e in DETECTABLE} & seeds
    assert datasets.injected_effects()["detectable"].sum() == sum(len(e.kommuner) for e in DETECTABLE)


@pytest.mark.parametrize("eff", DETECTABLE, ids=[f"{e.lofte_id}-{e.indicator}" for e in DETECTABLE])
def test_default_evaluation_detects_it(eff, demo):
    lofte = load_lofte(eff.lofte_id)
    panel = demo[demo["indicator"].isin([eff.indicator, "population"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluated = evaluate_areas(panel, lofte, quiet=True, through=2024)
    found = [r for r in evaluated.results() if r.indicator == eff.indicator]
    assert found, evaluated.failures
    for res in found:
        assert res.scale == eff.scale
        assert claimed(res) and res.p_value < 0.05
        assert res.ci_high < 0 if eff.effect < 0 else res.ci_low > 0  # the interval excludes 0
        assert res.ci_low <= eff.effect <= res.ci_high  # and covers the injected size
