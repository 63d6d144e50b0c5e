"""Focus-area vocabulary and indicator specs: complete, labelled, documented, honest about ambiguity."""

from __future__ import annotations

from pathlib import Path

import pytest

from lofteeval.errors import DataError
from lofteeval.indicators import FOCUS_AREAS, INDICATORS, focus_area, indicators_for
from lofteeval.registry import load_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "focus_areas.md"
REQUIRED = {"narkotika", "alkohol", "vald_offentlig_miljo", "vald_nara_relation", "trygghet", "trafik",
            "skadegorelse", "inbrott", "bedrageri", "ungdomsbrottslighet", "organiserad_brottslighet",
            "ordningsstorningar", "psykisk_ohalsa"}


def test_vocabulary_covers_the_issue_list_with_labels():
    assert REQUIRED <= set(FOCUS_AREAS)
    assert any(not fa.measurable for fa in FOCUS_AREAS.values())  # "not measurable" exists
    assert all(fa.label_sv and fa.label_en for fa in FOCUS_AREAS.values())


def test_every_measurable_area_has_an_indicator_and_others_none():
    for fa in FOCUS_AREAS.values():
        assert bool(indicators_for(fa.id)) is fa.measurable, fa.id


def test_enforcement_and_trust_driven_indicators_are_ambiguous_with_caveats():
    for ind_id in ("reported_drug_offences", "reported_traffic_offences", "reported_domestic_violence"):
        spec = INDICATORS[ind_id]
        assert spec.better == "ambiguous" and spec.caveats_sv and spec.caveats_en
    assert INDICATORS["reported_drug_offences"].enforcement_driven
    assert "förtroende" in " ".join(INDICATORS["reported_domestic_violence"].caveats_sv)


def test_registry_areas_are_in_the_vocabulary():
    for lf in load_registry().values():
        assert set(lf.focus_areas) <= set(FOCUS_AREAS)


def test_docs_name_every_area_and_indicator_and_the_caveats():
    text = DOC.read_text(encoding="utf-8")
    missing = [i for i in [*FOCUS_AREAS, *INDICATORS] if f"`{i}`" not in text]
    assert not missing
    assert "polisens egen aktivitet" in text and "mörkertal" in text


def test_unknown_focus_area_suggests():
    with pytest.raises(DataError, match="Did you mean 'trafik'"):
        focus_area("trafk")
