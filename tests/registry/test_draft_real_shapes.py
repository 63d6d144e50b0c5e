"""``lofte draft`` on the shapes of real löfte pages (fixtures in ``real_shapes/``) and, when the page
cache is there, on the cached real pages themselves."""

from __future__ import annotations

import csv
import os
import tomllib
from pathlib import Path

import pytest

from lofteeval.registry import classify_focus_areas, draft_lofte, extract_metadata
from lofteeval.registry.draft_context import is_caption

HERE = Path(__file__).parent
SHAPES = HERE / "real_shapes"
TAKEN = {"tranas-2023", "aneby-2024"}  # as if the registry had them already


def _draft(name: str, taken: set[str] = TAKEN) -> dict:
    return tomllib.loads(draft_lofte((SHAPES / name).read_text(encoding="utf-8"), registry_ids=taken))


def test_navigation_before_the_heading_is_not_the_title():
    data = _draft("polisen_nav.txt")
    assert data["title"] == "Tranås – medborgarlöften"
    assert data["kind"] == "lofte"
    assert str(data["start"]).startswith("2023") and str(data["end"]).startswith("2025")


def test_a_photo_description_and_a_caption_are_never_the_title():
    data = _draft("caption_first.txt")
    assert data["title"] == "Nytt medborgarlöfte för ett tryggare Aneby"
    assert not is_caption(data["title"])
    assert is_caption("Fotografi på tre personer inomhus.") and is_caption("Exempelbild")
    assert data["kommuner"] == ["0604"]  # Aneby, not the people in the caption


def test_a_registered_id_is_never_proposed():
    data = _draft("caption_first.txt")
    assert data["id"] == "aneby-2024-2"
    data = _draft("polisen_nav.txt", taken=set())
    assert data["id"] == "tranas-2023"
    assert _draft("polisen_nav.txt", taken={"tranas-2023", "tranas-2023-2"})["id"] == "tranas-2023-3"


def test_a_surname_with_a_party_is_not_a_kommun():
    meta = extract_metadata((SHAPES / "surname_kommun.txt").read_text(encoding="utf-8"))
    assert meta.kommuner == ("0685",)  # Vetlanda; "Karin Norberg (S)" is a person, not Norberg kommun
    assert meta.years == (2022,)


def test_a_page_with_several_loften_is_drafted_as_the_newest():
    text = (SHAPES / "several_loften.txt").read_text(encoding="utf-8")
    data = tomllib.loads(draft_lofte(text, registry_ids=set()))
    assert data["id"] == "savsjo-2021" and str(data["start"]).startswith("2021")
    areas = {h.focus_area for h in classify_focus_areas(text)}
    assert "narkotika" in areas and "trafik" not in areas  # traffic was the 2019-2020 löfte


def test_a_situation_report_is_a_problem_picture():
    data = _draft("lagesbild.txt", taken=set())
    assert data["kind"] == "problem_picture"
    assert data["id"].endswith("-problembild")
    for name in ("polisen_nav.txt", "caption_first.txt", "surname_kommun.txt", "several_loften.txt"):
        assert _draft(name)["kind"] == "lofte", name


# ------------------------------------------------------------------- the cached real pages
PAGES = Path(os.environ.get("LOFTEEVAL_PAGES") or HERE.parents[1] / ".cache" / "real_pages")
ROWS = list(csv.DictReader((HERE / "real_pages.csv").open(encoding="utf-8")))


@pytest.mark.skipif(not any((PAGES / f"{r['id']}.txt").is_file() for r in ROWS),
                    reason="no cached real pages (texts are kept out of the repository; see docs/classifier.md)")
def test_draft_of_every_cached_real_page():
    from lofteeval.registry import load_registry

    taken = set(load_registry())
    rows = [r for r in ROWS if (PAGES / f"{r['id']}.txt").is_file()]
    for row in rows:
        data = tomllib.loads(draft_lofte((PAGES / f"{row['id']}.txt").read_text(encoding="utf-8"),
                                         registry_ids=taken))
        assert data["kind"] == "lofte", row["id"]  # every listed page promises something
        assert data["id"] not in taken, row["id"]
        assert not is_caption(data["title"]), row["id"]
