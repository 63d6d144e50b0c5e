"""Every registry entry can be cited: publisher, a public address, and for the seeds title and date
as the published text gives them."""

from __future__ import annotations

import re

from lofteeval.registry import load_lofte, load_registry
from lofteeval.reports.provenance import citations

SEEDS = ["gotland-2020", "gotland-2020-problembild", "gislaved-2022", "skara-2021", "sodra-fyrbodal-2023"]


def test_every_entry_has_a_publisher_and_a_public_url():
    for lf in load_registry().values():
        assert lf.source["publisher"], lf.id
        assert re.match(r"https?://[^/\s]+\.[a-z]{2,}", lf.url or ""), (lf.id, lf.url)


def test_seed_titles_and_dates_are_the_published_ones(shared_dir):
    for lofte_id in SEEDS:
        lf = load_lofte(lofte_id)
        text = (shared_dir / "loften" / lf.source["document"]).read_text(encoding="utf-8")
        assert lf.source["title"] and lf.source["title"] in text, lofte_id
        date = lf.source["date"]
        if date is not None:  # the page prints its publication date
            assert date.isoformat() in text, lofte_id
        else:  # Gislaved's page has no date; Södra Fyrbodal's says "Publicerad:" with none
            assert not re.search(r"Publicerad:? \d{4}-\d\d-\d\d", text), lofte_id


def test_report_citation_of_the_lofte_text_names_no_file_hash():
    cited = citations(load_lofte("gotland-2020"), [], {}, lang="sv")[0]
    assert cited["text"] == ("Region Gotland: Medborgarlöfte 2020 är signerat, publicerad 2020-02-24. "
                             "https://gotland.se/106018")
    assert ".txt" not in cited["text"] and "000_6654c4057f6be88f.txt" in cited["technical"]
    undated = citations(load_lofte("sodra-fyrbodal-2023"), [], {}, lang="en")[0]["text"]
    assert undated.startswith("Stenungsunds kommun: Medborgarlöfte 2023-2024, undated. https://www.stenungsund.se/")


def test_data_sources_are_cited_by_publisher_table_and_address():
    prov = {"synthetic": False, "sources": [
        {"source": "Brå statistikdatabas (SOL): Årsvis", "publisher": "Brå", "file": "data/raw/bra_sol (3 svar)",
         "url": "https://statistik.bra.se/solwebb/action/anmalda/urval/urval?menyid=101",
         "downloaded": "2026-03-02", "sha256": "ab" * 32, "note": "2025 preliminärt"}]}
    rows = citations(None, ["reported_unlawful_threats", "reported_violent_crimes"], prov, lang="sv")
    data = rows[0]
    assert data["text"].startswith("Brå: Brå statistikdatabas (SOL): Årsvis, hämtad 2026-03-02, 2025 preliminärt.")
    assert "SHA-256 abababab" in data["technical"] and "sha" not in data["text"].lower()
    by_what = {r["what"]: r["text"] for r in rows}
    assert by_what["Anmälda olaga hot"].startswith("Brå: Statistikdatabasen över anmälda brott (SOL)")
    assert "brottskategori olaga hot" in by_what["Anmälda olaga hot"]
    assert by_what["Anmälda våldsbrott"] == "RKA: Kolada, nyckeltal N07403. https://www.kolada.se"
    assert any(r["text"].startswith("SCB: Statistikdatabasen, tabell TAB638") for r in rows)
