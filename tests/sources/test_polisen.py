from __future__ import annotations

import pytest

from lofteeval.sources.polisen import read_police_extract


def test_hand_built_extract(fx, conserved):
    frame, report = read_police_extract(fx / "polisen_extract.csv")
    got = frame.set_index(["kommun", "year"])
    assert got.loc[("1495", 2021), "n"] == 1 and got.loc[("1495", 2022), "n"] == 4  # registration year
    assert got.loc[("1495", 2022), "flag"] == "deso_mismatch"  # record 6: Skara with a Borås DeSO
    assert got.loc[("0662", 2023), "flag"] == "partial_year"  # data end 2023-03-31
    assert set(frame["indicator"]) == {"police_code_1211"} and set(frame["unit"]) == {"count"}
    assert report.rows_dropped["no kommun (empty Kommun and DeSO.område)"] == 1
    assert frame["n"].sum() == 6
    conserved(report)


def test_by_offence_date(fx):
    frame, _ = read_police_extract(fx / "polisen_extract.csv", by="offence")
    got = frame.set_index(["kommun", "year"])["n"]
    assert got[("1495", 2021)] == 2 and got[("1495", 2022)] == 3  # record 2 happened 2021-12-31


# Row counts and Brottsdatum-per-year counts from ../shared/data/polisen_brottskoder/PROVENANCE.md
PROVENANCE = {
    "bilbrand brott.csv": (10950, {2019: 1607, 2020: 2809, 2021: 2208, 2022: 2082, 2023: 1817, 2024: 364}),
    "upplopp brott.csv": (809, {2020: 27, 2021: 113, 2022: 374, 2023: 242, 2024: 53}),
}


@pytest.mark.parametrize("name", sorted(PROVENANCE))
def test_real_shared_extracts(shared_dir, name, conserved):
    rows, per_year = PROVENANCE[name]
    frame, report = read_police_extract(shared_dir / "data" / "polisen_brottskoder" / name, by="offence")
    assert report.rows_in == rows
    no_place = report.rows_dropped.get("no kommun (empty Kommun and DeSO.område)", 0)
    assert 11 <= no_place <= 66  # PROVENANCE: 11-66 rows per file lack both
    assert frame["n"].sum() + no_place == rows  # every record counted or dropped with a reason
    counted = frame.groupby("year")["n"].sum()
    shortfall = sum(per_year[y] - counted.get(y, 0) for y in per_year)
    assert all(counted.get(y, 0) <= per_year[y] for y in per_year)
    assert shortfall <= no_place  # only records without a place are missing from the yearly totals
    assert "deso_mismatch" not in set(frame["flag"])  # PROVENANCE: 0 mismatches
    conserved(report)
