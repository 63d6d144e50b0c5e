"""Brå SOL: the real result page, hand-built topic pages, and the client on a fake SOL server."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from lofteeval.errors import DataError, FetchError
from lofteeval.sources import _cache
from lofteeval.sources.catalogue import INDICATOR_SOURCES
from lofteeval.sources.sol import MAX_CELLS, chunks, fetch_sol, sol_region_ids
from lofteeval.sources.sol_parse import (
    match_crimes,
    parse_result_page,
    parse_topic_page,
    period_year,
)

sys.path.insert(0, str(Path(__file__).parent))
from sol_fakes import FakeSol, client, offline_client, topic_page

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "bra_sol"
YEARS = list(range(2010, 2026))


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch):
    monkeypatch.setattr(_cache, "_sleep", lambda s: None)


# ---------------------------------------------------------------- the real SOL result page
def test_real_page_reproduces_all_174_cells():
    cells = parse_result_page(REAL / "sol_result_page_lan_totals_2011_2016prel.html")
    with open(REAL / "DERIVED_sol_fixture_lan_totals.csv", encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert len(cells) == len(expected) == 174
    got = {(r.period_label, r.region_label, r.crime_id): r.value for r in cells.itertuples()}
    for row in expected:
        value = got[(row["period_label"], row["region"], int(row["brott_id"]))]
        if row["value_raw"] == "..":
            assert np.isnan(value)
        else:
            assert value == float(row["value_raw"])


def test_real_page_hela_landet_and_prel_flag():
    cells = parse_result_page(REAL / "sol_result_page_lan_totals_2011_2016prel.html")
    riket = cells[cells["region_id"] == 8291].set_index("year")["value"]
    assert riket.to_dict() == {2011: 1416280, 2012: 1402588, 2013: 1401982, 2014: 1443753,
                               2015: 1503399, 2016: 1502023}
    assert cells.loc[cells["year"] == 2016, "preliminary"].all()
    assert not cells.loc[cells["year"] < 2016, "preliminary"].any()
    assert set(cells["measure"]) == {"count"} and set(cells["crime_id"]) == {3144}


def test_real_page_2015_break_between_lan_and_polisregioner():
    cells = parse_result_page(REAL / "sol_result_page_lan_totals_2011_2016prel.html")
    lan = cells[cells["region_label"].str.endswith("län")]
    reg = cells[cells["region_label"].str.startswith("Region ")]
    assert lan["region_label"].nunique() == 21 and reg["region_label"].nunique() == 7
    assert lan.loc[lan["year"] < 2015, "value"].notna().all()
    assert lan.loc[lan["year"] >= 2015, "value"].isna().all()
    assert (lan.loc[lan["year"] >= 2015, "flag"] == "suppressed").all()
    assert reg.loc[reg["year"] < 2015, "value"].isna().all()
    assert reg.loc[reg["year"] >= 2015, "value"].notna().all()
    # the 2015 police regions add up to the national total
    assert reg.loc[reg["year"] == 2015, "value"].sum() <= 1503399


def test_result_page_without_cells_is_one_clear_error():
    with pytest.raises(DataError, match="no result cells.*för många celler"):
        parse_result_page(b"<html><body>Du har valt f\xc3\xb6r m\xc3\xa5nga celler</body></html>")


def test_period_year():
    assert period_year("År 2016 prel.") == (2016, True)
    assert period_year("2024") == (2024, False)
    with pytest.raises(DataError, match="has no year"):
        period_year("Kvartal 1")


# ---------------------------------------------------------------- topic pages
def test_topic_page_ids_by_label_path():
    topic = parse_topic_page(topic_page(range(2015, 2026)).encode("cp1252", errors="replace"))
    yearly = topic.period_ids()
    assert yearly["year"].tolist() == list(range(2015, 2026))
    assert yearly.set_index("year").loc[2025, "preliminary"]
    assert 2999 not in set(yearly["id"])  # the monthly period is not yearly
    assert len(topic.regions) == 1 + len(sol_region_ids())
    paths = tuple(p for s in INDICATOR_SOURCES.values() for p in s.sol_paths)
    ids = match_crimes(topic, paths)
    assert len(set(ids.values())) == len(paths)
    dv = INDICATOR_SOURCES["reported_domestic_violence"].sol_paths
    assert topic.crimes.set_index("id").loc[ids[dv[0]], "path"].endswith("Grov kvinnofridskränkning (4 a §)")
    # a pattern path picks the offence total, not its "Mot kvinna 18 år" sub-category (id 9001)
    assault = INDICATOR_SOURCES["reported_assault"].sol_paths[0]
    assert ids[assault] != 9001


def test_renamed_category_names_the_closest_labels():
    topic = parse_topic_page(topic_page(range(2020, 2022)))
    with pytest.raises(DataError, match=r"matches no category.*closest: .*narkotikastrafflagen"):
        match_crimes(topic, ("Brott mot specialstraffrättsliga författningar, Brott mot narkotikastraffslagen",))


def test_not_a_topic_page():
    with pytest.raises(DataError, match="holds no arrayPeriod, arrayNiva, arrayRegionNiva"):
        parse_topic_page("<html>Din session har gått ut</html>")


# ---------------------------------------------------------------- chunking under the cell limit
@pytest.mark.parametrize("n_crimes, n_regions, n_periods", [(1, 291, 16), (3, 291, 30), (12, 291, 16), (2, 5, 3)])
def test_chunks_cover_everything_within_the_limit(n_crimes, n_regions, n_periods):
    plan = chunks(n_crimes, n_regions, n_periods)
    seen = set()
    for cs, rs in plan:
        crimes, regions = range(n_crimes)[cs], range(n_regions)[rs]
        assert len(crimes) * len(regions) * n_periods * 2 <= MAX_CELLS
        seen |= {(c, r) for c in crimes for r in regions}
    assert seen == {(c, r) for c in range(n_crimes) for r in range(n_regions)}


def test_chunks_refuse_too_many_years_for_one_kommun():
    with pytest.raises(DataError, match="fewer years"):
        chunks(1, 1, 6000)


# ---------------------------------------------------------------- the client on a fake server
def test_fetch_sol_builds_tidy_rows_and_caches(tmp_path):
    fake = FakeSol()
    drug_path = INDICATOR_SOURCES["reported_drug_offences"].sol_paths[0]
    drug_id = match_crimes(parse_topic_page(fake.page), (drug_path,))[drug_path]
    fake.missing = {(drug_id, 8365, 3000 + 2015 - 2010)}  # Gotland 2015: '..'
    res = fetch_sol(["reported_domestic_violence", "reported_drug_offences"], None, YEARS,
                    client=client(fake), dest_dir=tmp_path)
    frame = res.frame
    assert frame["kommun"].nunique() == 290 and set(frame["year"]) == set(YEARS)
    assert res.report.rows_in == res.report.rows_out + sum(res.report.rows_dropped.values())
    # every query stayed under SOL's cell limit (the fake answers an error page otherwise)
    assert all(len(q["region_id_string"].split("*")) * len(q["brottstyp_id_string"].split("*"))
               * len(q["period_id_string"].split("*")) * 2 <= MAX_CELLS for q in fake.queries)
    # domestic violence = grov kvinnofridskränkning + grov fridskränkning, counts and rates summed
    topic = parse_topic_page(fake.page)
    ids = match_crimes(topic, INDICATOR_SOURCES["reported_domestic_violence"].sol_paths)
    got = frame.set_index(["kommun", "year", "indicator"]).loc[("1440", 2018, "reported_domestic_violence")]
    from sol_fakes import value
    p2018 = 3000 + 2018 - 2010
    assert got["n"] == sum(value(i, 8617, p2018) * 1000 + 7 for i in ids.values())
    assert got["value"] == sum(value(i, 8617, p2018) for i in ids.values())
    # preliminary year flagged, vintage recorded
    assert frame.loc[frame["year"] == 2025, "flag"].str.contains("provisional").all()
    assert frame.attrs["vintage"]["bra"]["preliminary_years"] == [2025]
    # a '..' cell is NaN and flagged, never 0
    row = frame.set_index(["kommun", "year", "indicator"]).loc[("0980", 2015, "reported_drug_offences")]
    assert np.isnan(row["value"]) and np.isnan(row["n"]) and "suppressed" in row["flag"]
    # second run: cache only, no request at all
    again = fetch_sol(["reported_domestic_violence", "reported_drug_offences"], None, YEARS,
                      client=offline_client(), dest_dir=tmp_path)
    assert again.frame.equals(frame)
    records = list(tmp_path.glob("*.provenance.json"))
    assert records and all('"sha256"' in r.read_text() and '"fetched_at"' in r.read_text() for r in records)


def test_fetch_sol_offline_is_one_fetch_error_and_writes_nothing(tmp_path):
    with pytest.raises(FetchError, match="are you offline"):
        fetch_sol(["reported_drug_offences"], ["0980"], YEARS, client=offline_client(), dest_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_tls_failure_names_the_two_options(tmp_path):
    import httpx

    def bad_cert(request):
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] unable to verify the first certificate",
                                 request=request)

    with pytest.raises(FetchError, match="--sol-ca-bundle.*--sol-insecure"):
        fetch_sol(["reported_drug_offences"], ["0980"], YEARS,
                  client=httpx.Client(transport=httpx.MockTransport(bad_cert)), dest_dir=tmp_path)


def test_expired_session_page_is_not_cached(tmp_path):
    class Broken(FakeSol):
        def __call__(self, request):
            if request.url.path.endswith("/soktabell"):
                import httpx
                return httpx.Response(200, text="<html>Din session har gått ut</html>")
            return super().__call__(request)

    with pytest.raises(DataError, match="no result cells"):
        fetch_sol(["reported_drug_offences"], ["0980"], YEARS, client=client(Broken()), dest_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir() if "topic" not in p.name] == []


# ---------------------------------------------------------------- a table downloaded by hand
def _export_html() -> bytes:
    from sol_fakes import result_page

    labels = {11650: "Brott mot narkotikastrafflagen", 11099: "12 kap. Skadegörelsebrott", 77: "Rattfylleri"}
    page = result_page([11650, 11099, 77], [8365, 8617, 8291], [2486, 2526], {2486: "2015", 2526: "2016 prel."},
                       True, crime_labels=labels)
    return page.encode("utf-8")


def test_import_html_export_maps_labels_and_region_ids():
    from lofteeval.sources.sol_export import read_bra_sol_file

    res = read_bra_sol_file(_export_html())
    f = res.frame
    assert set(f["kommun"]) == {"0980", "1440"}  # Gotland 8365, Ale 8617; riket 8291 dropped with a reason
    assert set(f["indicator"]) == {"reported_drug_offences", "reported_criminal_damage"}
    assert res.report.rows_dropped["category not mapped to an indicator"] == 3 * 2 * 2
    assert res.report.rows_dropped["län or region total, not a kommun"] == 2 * 2  # riket 8291, 2 crimes × 2 years
    assert f.loc[f["year"] == 2016, "flag"].str.contains("provisional").all()
    assert (f["unit"] == "per_100k").all() and f["n"].gt(f["value"]).all()
    assert res.report.rows_in == res.report.rows_out + sum(res.report.rows_dropped.values())


def test_import_xlsx_export_wide_layout(tmp_path):
    from openpyxl import Workbook

    from lofteeval.sources.sol_export import read_bra_sol_file

    wb = Workbook()
    ws = wb.active
    ws.append(["Anmälda brott"])
    ws.append([])
    ws.append(["Brott", "Region", "2023", "2024 prel."])
    ws.append(["Brott mot narkotikastrafflagen", "Gotland kommun", 512, 498])
    ws.append([None, "Ale kommun", 130, ".."])
    path = tmp_path / "sol.xlsx"
    wb.save(path)
    res = read_bra_sol_file(path)
    f = res.frame.set_index(["kommun", "year"])
    assert f.loc[("0980", 2023), "n"] == 512 and f.loc[("1440", 2023), "n"] == 130
    assert np.isnan(f.loc[("1440", 2024), "n"]) and "provisional" in f.loc[("0980", 2024), "flag"]


def test_import_broken_xls_is_one_clear_error():
    from lofteeval.sources.sol_export import read_bra_sol_file

    with pytest.raises(DataError, match="not a readable .xls workbook"):
        read_bra_sol_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


def test_cli_import_bra_sol_html(tmp_path, capsys):
    from lofteeval.cli import main

    src = tmp_path / "sol.html"
    src.write_bytes(_export_html())
    out = tmp_path / "tidy.csv"
    assert main(["import", "bra-sol", str(src), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rows in 36" in text and out.is_file()


def test_cli_fetch_sol_with_a_fake_server(tmp_path, monkeypatch, capsys):
    import httpx

    from lofteeval.cli import main

    monkeypatch.setenv("LOFTEEVAL_HOME", str(tmp_path))
    fake = FakeSol(range(2020, 2025))
    real = httpx.Client

    def faked(*a, **k):
        k["transport"] = httpx.MockTransport(fake)
        k.pop("verify", None)
        return real(*a, **k)

    monkeypatch.setattr(httpx, "Client", faked)
    out = tmp_path / "fraud.csv"
    assert main(["fetch", "sol", "--indicator", "reported_fraud", "--years", "2020-2024", "--kommun", "0980",
                 "--out", str(out)]) == 0
    import pandas as pd

    frame = pd.read_csv(out, dtype={"kommun": str})
    assert set(frame["kommun"]) == {"0980"} and sorted(frame["year"]) == list(range(2020, 2025))
    assert "[1/1] Brå SOL" in capsys.readouterr().err


def test_pattern_matching_two_sibling_categories_is_ambiguous():
    base = "Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 8 kap. Stöld, rån m.m."
    page = topic_page(range(2020, 2022), extra_crimes={
        9101: f"{base}, Inbrottsstöld i villa/radhus", 9102: f"{base}, Inbrottsstöld i lägenhet"})
    topic = parse_topic_page(page)
    with pytest.raises(DataError, match="sibling categories.*villa/radhus.*lägenhet"):
        match_crimes(topic, (f"{base}, ~inbrottsstöld i (villa|lägenhet)",))
