"""``lofte draft`` on page shapes seen on real löfte pages: captions, problem pictures, taken ids."""

from __future__ import annotations

import datetime as dt
import tomllib

from lofteeval.registry.draft import _slug, extract_metadata
from lofteeval.registry.draft_context import free_id, is_caption
from lofteeval.registry import draft_lofte
from lofteeval.cli import main
from lofteeval.registry import load_registry

# Invented page in the shape of a regional news site: photo credits and a picture description
# come before the heading (real pages do this; the text itself is made up).
CAPTIONED = """Två personer sitter vid ett bord och skriver.
Anna Berg Foto: Erik Holm

Nytt medborgarlöfte för ett tryggare Tranås

Tranås kommun och polisen har undertecknat ett medborgarlöfte för 2023.

Det här lovar vi
• Polisen ska genomföra minst 20 trafikkontroller vid skolorna under 2023.
• Kommunen ska genomföra två trygghetsvandringar i centrum.
"""


def test_title_comes_from_the_heading_not_a_caption():
    meta = extract_metadata(CAPTIONED)
    assert meta.title == "Nytt medborgarlöfte för ett tryggare Tranås"
    assert is_caption("Anna Berg Foto: Erik Holm") and is_caption("Två personer sitter vid ett bord och skriver.")
    assert not is_caption("Nytt medborgarlöfte för ett tryggare Tranås")


def test_draft_of_a_new_text_is_a_lofte_with_a_free_id():
    data = tomllib.loads(draft_lofte(CAPTIONED, url="https://example.org/tranas", registry_ids=set()))
    assert data["id"] == "tranas-2023" and data["kind"] == "lofte"
    assert data["source"]["url"] == "https://example.org/tranas"
    assert {"trafik", "trygghet"} <= set(data["focus_areas"])


def test_draft_never_proposes_an_existing_id(shared_dir):
    text = (shared_dir / "loften/000_6654c4057f6be88f.txt").read_text(encoding="utf-8")
    draft = draft_lofte(text)
    data = tomllib.loads(draft)
    assert data["id"] == "gotland-2020-2" and data["id"] not in load_registry()
    assert "'gotland-2020' is already registered" in draft
    assert free_id("a-2020", {"a-2020", "a-2020-2"}) == "a-2020-3" and free_id("b-2021", set()) == "b-2021"


def test_problem_picture_is_recognised(shared_dir):
    picture = (shared_dir / "loften/001_38840eaacb71e0ec.txt").read_text(encoding="utf-8")
    data = tomllib.loads(draft_lofte(picture))
    assert data["kind"] == "problem_picture"
    assert data["id"].startswith("gotland-2020-problembild") and data["id"] not in load_registry()
    for name in ("000_6654c4057f6be88f.txt", "002_6190dc1becf34836.txt", "003_43416847c19f9cf4.txt",
                 "004_dc3095ea53a5edc6.txt"):
        lofte = tomllib.loads(draft_lofte((shared_dir / "loften" / name).read_text(encoding="utf-8")))
        assert lofte["kind"] == "lofte", name


def test_impossible_day_in_a_period_is_moved_to_month_end():
    meta = extract_metadata("Medborgarlöftet gäller från 31 juni 2023 - 31 juni 2027.")
    assert (meta.start, meta.end) == (dt.date(2023, 6, 30), dt.date(2027, 6, 30))


def test_slug_follows_the_registry_spelling():
    assert _slug("Håbo") == "haabo" and _slug("Habo") == "habo" and _slug("Malung-Sälen") == "malung-salen"


def test_cli_draft_takes_url_and_avoids_taken_ids(tmp_path, capsys):
    page = tmp_path / "tranas.txt"
    page.write_text(CAPTIONED, encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    taken = draft_lofte(CAPTIONED, registry_ids=set()).replace('title = "Nytt', 'title = "Gammalt')
    (mine / "tranas-2023.toml").write_text(taken.split("\n[[activities]]")[0], encoding="utf-8")
    assert main(["lofte", "draft", str(page), "--url", "https://example.org/t", "--registry", str(mine)]) == 0
    data = tomllib.loads(capsys.readouterr().out)
    assert data["id"] == "tranas-2023-2" and data["source"]["url"] == "https://example.org/t"


def test_page_with_several_loften_dates_the_newest_and_weighs_older_ones_little():
    from lofteeval.registry import classify_focus_areas

    page = ("Exempelby – medborgarlöften\n\nMedborgarlöfte 2022/2023\n\n"
            "• Polisen ska genomföra trygghetsvandringar i centrum.\n\n"
            "Medborgarlöfte 2016-2017\n\n"
            "• Polisen ska utföra hastighetskontroller minst tre gånger under året.\n")
    meta = extract_metadata(page)
    assert meta.years == (2022, 2023)
    assert {h.focus_area for h in classify_focus_areas(page)} == {"trygghet"}
