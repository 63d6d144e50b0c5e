"""Kommun reference: codes, names, code history, population, neighbours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.harmonise.kommuner import (
    code_history,
    kommun_code,
    kommun_codes,
    kommun_name,
    kommuner,
    lan_of,
    neighbours,
    population,
)


def test_290_kommuner_unique_codes_every_lan():
    k = kommuner()
    assert len(k) == 290
    assert k["kommun"].is_unique
    assert k["kommun"].str.fullmatch(r"\d{4}").all()
    assert (k["kommun"].str[:2] == k["lan"]).all()
    assert k["lan"].nunique() == 21
    assert set(k["kommungrupp"]) == {"A1", "A2", "B3", "B4", "B5", "C6", "C7", "C8", "C9"}
    # SKR 2023 group sizes (../shared/data/skr_kommungrupp/PROVENANCE.md)
    assert (k["kommungrupp"] == "A1").sum() == 3
    assert (k["kommungrupp"] == "B4").sum() == 63


def test_kommuner_returns_a_copy():
    k = kommuner()
    k.loc[0, "name"] = "changed"
    assert kommuner().loc[0, "name"] != "changed"


def test_known_rows():
    k = kommuner().set_index("kommun")
    assert k.loc["0980", "name"] == "Gotland"
    assert k.loc["0980", "long_name"] == "Gotlands kommun"
    assert k.loc["0980", "lan_name"] == "Gotlands län"
    assert k.loc["0180", "kommungrupp"] == "A1"
    assert k.loc["0180", "population"] == 995_574  # 31 Dec 2024, folkmangd_2024.csv


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Region Gotland", "0980"),
        ("Gotlands kommun", "0980"),
        ("gotland", "0980"),
        (114, "0114"),
        ("114", "0114"),
        ("0114", "0114"),
        (114.0, "0114"),
        ("Malung–Sälen", "2023"),
        ("Malung-Sälen", "2023"),
        ("MALUNG SÄLEN", "2023"),
        ("Arjeplogs kommun", "2506"),
        ("Ale kommun", "1440"),
        ("  Stockholms stad ", "0180"),
        ("Upplands-Väsby", "0114"),
        ("0114 Upplands Väsby", "0114"),
        ("Malmo", "1280"),  # folded, unique
        ("Håbo", "0305"),
        ("HÅBO", "0305"),
        ("Håbo kommun", "0305"),
        ("Habo", "0643"),
        ("habo kommun", "0643"),
    ],
)
def test_kommun_code_known_answers(query, code):
    assert kommun_code(query) == code


def test_habo_and_habo_never_confused():
    assert kommun_code("Håbo") != kommun_code("Habo")
    assert kommun_name("0305") == "Håbo" and kommun_name("0643") == "Habo"
    # a spelling that only matches after accent folding is ambiguous: refuse, name both
    with pytest.raises(DataError, match=r"ambiguous.*Håbo \(0305\).*Habo \(0643\)"):
        kommun_code("Hàbo")


def test_unknown_name_lists_three_closest():
    with pytest.raises(DataError, match=r"unknown kommun 'Stokholm'. Closest matches: Stockholm \(0180\), "):
        kommun_code("Stokholm")
    with pytest.raises(DataError) as info:
        kommun_code("Gothenburg")
    assert "Göteborg (1480)" in str(info.value)
    assert str(info.value).count("(") >= 3


@pytest.mark.parametrize("bad", ["9999", 1, "", None, np.nan, True])
def test_unknown_or_empty_codes(bad):
    with pytest.raises(DataError):
        kommun_code(bad)


def test_old_codes_follow_code_history():
    assert kommun_code("1917") == "0331"
    assert kommun_code(1917, year=2006) == "0331"
    with pytest.raises(DataError, match=r"'1917' was replaced by '0331' on 1 January 2007"):
        kommun_code("1917", year=2010)
    assert kommun_code("1583", year=1997) == "1490"
    assert kommun_code("1180", year=1996) == "1290"  # Kristianstad, Skåne län formed 1997
    with pytest.raises(DataError, match=r"'1180' was replaced by '1290' on 1 January 1997"):
        kommun_code("1180", year=1997)


def test_code_history_rows():
    h = code_history()
    assert h["year"].dtype == "int64"
    rows = {(r.old_code, r.new_code): (r.year, r.kind) for r in h.itertuples()}
    assert rows[("1917", "0331")] == (2007, "recode")
    assert rows[("0380", "0330")] == (2003, "split")
    assert rows[("0181", "0140")] == (1999, "split")
    assert rows[("1490", "1443")] == (1995, "split")
    assert rows[("1880", "1814")] == (1995, "split")
    assert rows[("0480", "0461")] == (1992, "split")
    assert rows[("0480", "0488")] == (1992, "split")
    assert h["source"].str.len().gt(10).all()
    current = set(kommuner()["kommun"])
    assert set(h["new_code"]) <= current


def test_kommun_codes_vectorised_and_one_error_for_all_unknowns():
    s = pd.Series(["Ale", "0114", "Region Gotland"], index=[10, 11, 12])
    out = kommun_codes(s)
    assert out.tolist() == ["1440", "0114", "0980"]
    assert out.index.tolist() == [10, 11, 12]
    with pytest.raises(DataError, match=r"2 kommun value\(s\) could not be resolved(.|\n)*'Foo' \(2 rows\)(.|\n)*'Bar'"):
        kommun_codes(["Ale", "Foo", "Bar", "Foo"])


def test_lan_of_and_name():
    assert lan_of("Heby") == "03"
    assert lan_of(980) == "09"
    assert kommun_name(114) == "Upplands Väsby"


def test_population_national_sums_from_shipped_tables():
    p = population()
    totals = p.groupby("year")["value"].sum()
    # SCB national totals, 31 December (../shared/data/scb_population/PROVENANCE.md)
    assert totals[2010] == 9_415_570
    assert totals[2019] == 10_327_589
    assert totals[2021] == 10_452_326
    assert totals[2024] == 10_587_710
    assert totals[2020] == 10_379_300  # SKR's values rounded to 100
    assert set(range(2000, 2025)) <= set(p["year"])
    assert len(p) == 290 * len(p["year"].unique())


def test_population_gap_years_are_flagged_not_silent():
    p = population(years=range(2019, 2025))
    flags = p.groupby("year")["flag"].agg(lambda s: set(s))
    assert flags[2020] == {"rounded"}
    assert flags[2022] == {"interpolated"} and flags[2023] == {"interpolated"}
    assert flags[2019] == {""} and flags[2021] == {""} and flags[2024] == {""}
    sthlm = p[p["kommun"] == "0180"].set_index("year")["value"]
    assert sthlm[2021] < sthlm[2022] < sthlm[2023] < sthlm[2024]
    assert sthlm[2022] == round(978_770 + (995_574 - 978_770) / 3)


def test_population_split_kommuner_marked_before_split():
    p = population(["Knivsta", "Uppsala", "Nykvarn", "Ale"], range(1997, 2005))
    f = p.set_index(["kommun", "year"])["flag"]
    assert f[("0330", 2002)] == "split_before" and f[("0330", 2003)] == ""
    assert f[("0380", 2002)] == "split_before"
    assert f[("0140", 1998)] == "split_before" and f[("0140", 1999)] == ""
    assert (p.loc[p["kommun"] == "1440", "flag"] == "").all()
    assert p["value"].notna().all()


def test_population_schema_and_scb_override():
    p = population(["0980"], [2022])
    assert list(p.columns) == ["kommun", "year", "indicator", "value", "unit", "source", "flag"]
    scb = pd.DataFrame({"kommun": ["0980", "Gotland"], "year": [2022, 2025],
                        "value": [61_000.0, 62_000.0]})
    q = population(["0980"], [2022, 2025], scb=scb).set_index("year")
    assert q.loc[2022, "value"] == 61_000.0 and q.loc[2022, "flag"] == ""
    assert q.loc[2025, "value"] == 62_000.0
    with pytest.raises(DataError, match="available for 1990-2024"):
        population(years=[1980])


def test_neighbours():
    assert neighbours("Håbo") == ["0139", "0191", "0330", "0380", "0381"]
    assert neighbours("Gotland") == []
    assert neighbours("Gotland", include_links=True) == ["0192", "0882"]
    assert "0162" in neighbours("0180")  # corner contact (0 km)
    assert "0162" not in neighbours("0180", min_border_km=0.01)
    for a in ("0180", "1480", "2080"):
        for b in neighbours(a):
            assert a in neighbours(b)


def test_vendored_tables_match_shared(shared_dir):
    """The shipped tables equal what ../shared/data says (codes, names, 2024 population)."""
    src = pd.read_csv(shared_dir / "data" / "scb_kommuner" / "municipalities.csv", dtype=str)
    k = kommuner()
    assert k["kommun"].tolist() == sorted(src["municipality_code"])
    assert dict(zip(src["municipality_code"], src["municipality_name_short"])) == dict(zip(k["kommun"], k["name"]))
    pop24 = pd.read_csv(shared_dir / "data" / "scb_population" / "folkmangd_2024.csv", dtype={"kommunkod": str})
    assert dict(zip(pop24["kommunkod"], pop24["folkmangd"])) == dict(zip(k["kommun"], k["population"]))
