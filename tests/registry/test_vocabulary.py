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


def test_every_indicator_names_existing_measurable_areas():
    for spec in INDICATORS.values():
        for area in spec.focus_areas:
            assert area in FOCUS_AREAS and FOCUS_AREAS[area].measurable, (spec.id, area)


def test_every_registry_area_is_measurable_or_explicitly_not():
    for lf in load_registry().values():
        for area in lf.focus_areas:
            fa = FOCUS_AREAS[area]
            assert indicators_for(area) if fa.measurable else area in {"ej_matbart", "psykisk_ohalsa"}


def test_every_indicator_has_source_unit_direction_and_ambiguity_is_explained():
    for spec in INDICATORS.values():
        assert spec.source and spec.unit and spec.better and spec.source_detail, spec.id
        if spec.better == "ambiguous" and spec.kind != "population":
            assert spec.caveats_sv and spec.caveats_en, spec.id
        if spec.enforcement_driven:
            assert spec.better == "ambiguous" and "polisens egen aktivitet" in " ".join(spec.caveats_sv)


def test_docs_table_rows_match_the_specs():
    """Each indicator row in docs/focus_areas.md states the code's source, unit and direction."""
    rows = {ln.split("|")[1].strip().strip("`"): ln for ln in DOC.read_text(encoding="utf-8").splitlines()
            if ln.startswith("| `") and "per_100k" in ln or ln.startswith("| `") and "`percent`" in ln
            or ln.startswith("| `") and "`index`" in ln or ln.startswith("| `") and "`count`" in ln}
    for spec in INDICATORS.values():
        row = rows[spec.id]
        assert f"`{spec.unit}`" in row and f"**{spec.better}**" in row and f"`{spec.source}`" in row
        assert all(a in row for a in spec.focus_areas)
