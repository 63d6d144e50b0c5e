from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.harmonise.kommuner import population
from lofteeval.indicators import INDICATORS
from lofteeval.sources.polisen import BROTTSKOD_INDICATORS, read_police_extract

HEADER = '"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum","Kommun","Län","DeSO.område","Antal"\n'


def _extract(*rows: str) -> bytes:
    return (HEADER + "".join(f'"{i}",{r}\n' for i, r in enumerate(rows, 1))).encode()


def _pop(kommun, year):
    return population([kommun], [year])["value"].iloc[0]


def test_hand_built_extract(fx, conserved):
    frame, report = read_police_extract(fx / "polisen_extract.csv")
    got = frame.set_index(["kommun", "year"])
    assert got.loc[("1495", 2021), "n"] == 1 and got.loc[("1495", 2022), "n"] == 4  # registration year
    # the rate is the count per 100 000 inhabitants of the same kommun and year
    assert got.loc[("1495", 2022), "value"] == pytest.approx(4 / _pop("1495", 2022) * 1e5)
    assert got.loc[("1495", 2022), "flag"].split(";")[0] == "deso_mismatch"  # record 6: Skara with a Borås DeSO
    assert "partial_year" in got.loc[("0662", 2023), "flag"]  # data end 2023-03-31
    assert "partial_year" in got.loc[("1495", 2021), "flag"]  # dates start 2021-12-30: 2021 barely covered
    assert "partial_year" not in got.loc[("1495", 2022), "flag"]
    assert set(frame["indicator"]) == {"reported_car_fires"} and set(frame["unit"]) == {"per_100k"}
    assert report.rows_dropped["no kommun (empty Kommun and DeSO.område)"] == 1
    assert frame["n"].sum() == 6
    assert any("1211 reported_car_fires" in n for n in report.notes)
    assert any("absent, not zero" in n for n in report.notes)
    conserved(report)


def test_by_offence_date(fx):
    frame, _ = read_police_extract(fx / "polisen_extract.csv", by="offence")
    got = frame.set_index(["kommun", "year"])["n"]
    assert got[("1495", 2021)] == 2 and got[("1495", 2022)] == 3  # record 2 happened 2021-12-31


def test_brottskod_map_comes_from_indicator_specs():
    assert BROTTSKOD_INDICATORS == {"1210": "reported_arson_damage", "1211": "reported_car_fires",
                                    "1311": "reported_sabotage_emergency", "1615": "reported_riot_offences",
                                    "1701": "reported_violence_against_police",
                                    "1702": "reported_violence_against_police"}
    assert all(INDICATORS[i].source == "polisen" for i in BROTTSKOD_INDICATORS.values())


def test_1701_and_1702_sum_into_one_indicator(conserved):
    one = _extract('1,1701,"a","2022-02-01","2022-02-01","Skara","","1495C1010",1',
                   '2,1701,"a","2022-03-01","2022-03-01","Skara","","1495C1010",1')
    two = _extract('1,1702,"b","2022-04-01","2022-04-01","Skara","","1495C1010",1',
                   '2,1702,"b","2022-12-01","2022-12-01","Skara","","1495C1010",1')
    frame, report = read_police_extract([one, two])
    assert len(frame) == 1 and frame["indicator"].iloc[0] == "reported_violence_against_police"
    assert frame["n"].iloc[0] == 4  # Ids repeat across files but (Id, Brottskod) differ: nothing dropped
    conserved(report)
    again, report2 = read_police_extract([one, one])
    assert again["n"].iloc[0] == 2
    assert report2.rows_dropped["duplicate record (same Id and Brottskod)"] == 2


def test_unmapped_codes_kept_or_dropped(conserved):
    data = _extract('1,9999,"x","2022-01-05","2022-01-05","Skara","","",1',
                    '2,1211,"b","2022-12-05","2022-12-05","Skara","","",1')
    frame, report = read_police_extract(data)
    assert sorted(frame["indicator"]) == ["police_code_9999", "reported_car_fires"]
    assert set(frame["unit"]) == {"per_100k"}  # unmapped codes get rates too
    assert any("police_code_<code>" in n and "9999 (1 records)" in n for n in report.notes)
    dropped, report = read_police_extract(data, unmapped="drop")
    assert list(dropped["indicator"]) == ["reported_car_fires"]
    assert report.rows_dropped["brottskod without an indicator id (unmapped='drop')"] == 1
    conserved(report)


def test_zero_fill_only_when_asserted_and_only_inside_the_dates(conserved):
    data = _extract('1,1211,"b","2021-01-02","2021-01-02","Skara","","",1',
                    '2,1211,"b","2022-06-01","2022-06-01","Gislaved","","",1',
                    '3,1211,"b","2022-12-20","2022-12-20","Skara","","",1')
    absent, _ = read_police_extract(data)
    assert len(absent) == 3 and (absent["n"] > 0).all()  # default: no zeros invented
    filled, report = read_police_extract(data, complete_years=[2021, 2022])
    assert len(filled) == 290 * 2 and filled["kommun"].nunique() == 290
    zero = filled[filled["flag"].str.contains("zero_filled")]
    assert len(zero) == 290 * 2 - 3 and (zero["n"] == 0).all() and (zero["value"] == 0).all()
    assert filled.set_index(["kommun", "year"]).loc[("1495", 2022), "n"] == 1
    assert report.rows_flagged["zero_filled"] == len(zero)
    conserved(report)
    with pytest.raises(DataError, match=r"complete_years \[2023\] are not wholly covered.*2021-01-02 to 2022-12-20"):
        read_police_extract(data, complete_years=[2022, 2023])


@pytest.mark.parametrize("row, message", [
    ('1,1211,"b","2022-01-02","2022-01-02","Skarra","","",1', "(?s)Kommun value.*unknown.*Skara"),
    ('1,1211,"b","2022-01-02","2022-01-02","Skara","","",1.5', "must hold whole counts"),
    ('1,1211,"b","2022-01-02","2022-01-02","Skara","","",många', "neither numbers nor known special codes"),
    ('1,1211,"b","2022-01-02","2022-01-02","","","XXXX",1', "does not start with a 4-digit kommun code"),
])
def test_bad_extracts(row, message):
    with pytest.raises(DataError, match=message):
        read_police_extract(_extract(row))


def test_bad_dates_refused_empty_dates_dropped_with_reason(conserved):
    with pytest.raises(DataError, match=r"column 'Inskrivningsdatum' must hold dates.*'2022-13-40' \(row 1\)"):
        read_police_extract(_extract('1,1211,"b","2022-13-40","2022-01-02","Skara","","",1',
                                     '2,1211,"b","2022-02-02","2022-01-02","Skara","","",1'))
    frame, report = read_police_extract(_extract('1,1211,"b","","2022-01-02","Skara","","",1',
                                                 '2,1211,"b","2022-02-02","2022-01-02","Skara","","",1'))
    assert report.rows_dropped == {"empty Inskrivningsdatum": 1}
    conserved(report)


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
    assert frame["indicator"].nunique() == 1 and frame["indicator"].iloc[0] in BROTTSKOD_INDICATORS.values()
    ok = ~frame["flag"].str.contains("no_population")
    np.testing.assert_allclose(frame.loc[ok, "value"], frame.loc[ok, "n"] / pd.merge(
        frame.loc[ok, ["kommun", "year"]], population(), on=["kommun", "year"], how="left")["value"].to_numpy() * 1e5)
    conserved(report)


def test_real_violence_against_police_files_sum(shared_dir):
    folder = shared_dir / "data" / "polisen_brottskoder"
    both, _ = read_police_extract([folder / "våld mot polis 1 brott.csv", folder / "våld mot polis 2 brott.csv"])
    one, _ = read_police_extract(folder / "våld mot polis 1 brott.csv")
    two, _ = read_police_extract(folder / "våld mot polis 2 brott.csv")
    assert both["n"].sum() == one["n"].sum() + two["n"].sum()
    assert set(both["indicator"]) == {"reported_violence_against_police"}


def test_cli_import_polisen_several_files_and_complete_years(tmp_path, capsys):
    from lofteeval.cli import main
    from lofteeval.harmonise.panel import load_panel

    one, two = tmp_path / "a.csv", tmp_path / "b.csv"
    one.write_bytes(_extract('1,1701,"a","2022-01-02","2022-01-02","Skara","","",1'))
    two.write_bytes(_extract('1,1702,"b","2022-12-20","2022-12-20","Skara","","",1'))
    out = tmp_path / "police.parquet"
    assert main(["import", "polisen", str(one), str(two), "--complete-years", "2022", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # 2 records (merged into 1 cell) + 289 zero-filled kommuner = 291 in; 290 out; 1 merged
    assert "rows in 291 = rows out 290 + dropped 1" in printed and "zero_filled 289" in printed
    frame = load_panel(out)
    assert frame.set_index("kommun").loc["1495", "n"] == 2 and len(frame) == 290
    assert main(["import", "polisen", str(one), "--complete-years", "2023"]) == 2
    assert "not wholly covered" in capsys.readouterr().err


def test_sparse_leading_years_flagged_but_a_low_middle_year_is_not(conserved):
    counts = {2017: 1, 2018: 20, 2019: 4, 2020: 20, 2021: 20}  # 2017 leading and sparse; 2019 low but inside
    rows = [f'{i},1211,"b","{y}-{"01-05" if k == 0 else "12-05"}","{y}-06-01","Skara","","",1'
            for i, (y, k) in enumerate(((y, k) for y, n in counts.items() for k in range(n)), 1)]
    frame, report = read_police_extract(_extract(*rows))
    flags = frame.set_index("year")["flag"]
    assert "sparse_year" in flags[2017] and "partial_year" not in flags[2017]
    assert not any("sparse_year" in f or "partial_year" in f for f in flags[[2018, 2019, 2020, 2021]])
    assert any("reported_car_fires 2017 (1)" in n for n in report.notes)
    conserved(report)
