from __future__ import annotations

import numpy as np
import pytest

from lofteeval.errors import DataError
from lofteeval.sources.bra import category_indicator, read_bra_kommun_csv, read_bra_sol_export


def _row(frame, kommun):
    return frame.set_index("kommun").loc[kommun]


def test_kommun_csv_2023_layout(fx, conserved):
    frame, report = read_bra_kommun_csv(fx / "bra_kommun_2023.csv", year=2023)
    assert set(frame["kommun"]) == {"1440", "1489", "0980", "0305", "0643"}  # Håbo and Habo kept apart
    ale = _row(frame, "1440")
    assert (ale["value"], ale["n"], ale["unit"], ale["indicator"]) == (8547.0, 2731.0, "per_100k", "reported_crimes_total")
    assert _row(frame, "0305")["value"] == 8000.5 and _row(frame, "1489")["n"] == 3900.0  # decimal comma, NBSP
    assert report.rows_dropped == {"national total (riket), not a kommun": 1}
    conserved(report)


def test_kommun_csv_2021_headerless_long_names_and_stadsdelar(fx, conserved):
    frame, report = read_bra_kommun_csv(fx / "bra_kommun_2021_noheader.csv", year=2021)
    assert sorted(frame["kommun"]) == ["0180", "0980", "1440", "2023", "2506"]  # Malung–Sälen = 2023
    assert report.rows_dropped == {"stadsdel (part of Stockholm/Göteborg/Malmö), not a kommun": 2}
    assert "cp1252" in report.notes[0] and "no header" in report.notes[0]
    conserved(report)


def test_kommun_csv_prel_flags_and_dash(fx):
    frame, report = read_bra_kommun_csv(fx / "bra_kommun_2025_prel.csv", year=2025)
    assert (frame["flag"].str.contains("provisional")).all()
    assert _row(frame, "2403")["n"] == 0.0  # Bjurholm '-' = zero (Brå convention)
    assert np.isnan(_row(frame, "2506")["value"]) and "suppressed" in _row(frame, "2506")["flag"]
    assert report.rows_flagged == {"provisional": 3, "suppressed": 1}


def test_dash_as_missing_option(fx):
    frame, report = read_bra_kommun_csv(fx / "bra_kommun_2025_prel.csv", year=2025, dash="missing")
    assert np.isnan(_row(frame, "2403")["n"]) and "missing" in _row(frame, "2403")["flag"]


def test_comma_separated_variant(fx):
    frame, _ = read_bra_kommun_csv(fx / "bra_comma.csv", year=2023)
    assert _row(frame, "1440")["value"] == 8547.3 and _row(frame, "1495")["value"] == 7980.0


def test_rate_cross_check_flags_disagreement(fx):
    pop = {"1440": 2731 / 8547 * 1e5, "1489": 3900 / 9650 * 1e5 * 1.05}  # Ale agrees, Alingsås off by 5 %
    frame, report = read_bra_kommun_csv(fx / "bra_kommun_2023.csv", year=2023, population=pop)
    assert _row(frame, "1489")["flag"] == "rate_mismatch" and _row(frame, "1440")["flag"] == ""
    assert report.rows_flagged == {"rate_mismatch": 1}


@pytest.mark.parametrize("name, message", [
    ("bad_misspelt.csv", r"unknown kommun 'Gotlnad'.*Gotland \(0980\)"),
    ("bad_code_text.csv", r"'n/a' \(row 2\)"),
    ("bad_negative.csv", "must be >= 0"),
    ("bad_conflict.csv", r"appear twice with different values: 1440 2023"),
    ("bad_truncated.csv", "truncated"),
    ("bad_html.csv", "HTML"),
    ("bad_empty.csv", "empty"),
])
def test_bad_inputs(fx, name, message):
    with pytest.raises(DataError, match=message):
        read_bra_kommun_csv(fx / name, year=2023)


def test_misspelt_kommun_can_be_dropped_with_count(fx):
    frame, report = read_bra_kommun_csv(fx / "bad_misspelt.csv", year=2023, unknown="drop")
    assert list(frame["kommun"]) == ["1440"]
    assert report.rows_dropped == {"unknown kommun name or code": 1}


def test_exact_duplicates_dropped_with_reason(fx, conserved):
    frame, report = read_bra_kommun_csv(fx / "bad_duplicate.csv", year=2023)
    assert len(frame) == 1 and sum(report.rows_dropped.values()) == 1
    conserved(report)


def test_old_code_accepted_only_before_it_was_replaced(fx):
    with pytest.raises(DataError, match="1917.*replaced by '0331'"):
        read_bra_kommun_csv(fx / "bra_oldcode.csv", year=2023)
    frame, _ = read_bra_kommun_csv(fx / "bra_oldcode.csv", year=2005)
    assert sorted(frame["kommun"]) == ["0114", "0331"]


@pytest.mark.parametrize("label, indicator", [
    ("Totalt antal brott", "reported_crimes_total"),
    ("Brott mot specialstraffrättsliga författningar, Brott mot narkotikastrafflagen", "reported_drug_offences"),
    ("Brott mot brottsbalken, 3-7 kap. Brott mot person, 3 kap. Brott mot liv och hälsa, därav misshandel inkl. grov", "reported_assault"),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 8 kap. Stöld, rån m.m., därav rån, inkl. grovt", "reported_robbery"),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 12 kap. Skadegörelsebrott", "reported_criminal_damage"),
    ("Skadegörelsebrott, totalt", "reported_criminal_damage"),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 8 kap. Stöld, rån m.m., därav inbrottsstöld i bostad", "reported_residential_burglary"),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 9 kap. Bedrägeri och annan oredlighet", "reported_fraud"),
    ("Brott mot specialstraffrättsliga författningar, Brott mot trafikbrottslagen", "reported_traffic_offences"),
    ("Grov fridskränkning", "reported_domestic_violence"),
    ("Olaga hot", "reported_unlawful_threats"),
    ("Ofredande", "reported_molestation"),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 8 kap. Stöld, rån m.m., därav biltillgrepp", None),
    ("Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet, 12 kap. Skadegörelsebrott, Skadegörelse inkl. grov åverkan", None),
])
def test_category_map(label, indicator):
    assert category_indicator(label) == indicator


def test_sol_long_export(fx, conserved):
    frame, report = read_bra_sol_export(fx / "bra_sol_long.csv")
    ale = frame[frame["kommun"] == "1440"].set_index("indicator")
    assert ale.loc["reported_domestic_violence", "n"] == 5.0 and ale.loc["reported_domestic_violence", "value"] == 15.0
    assert np.isnan(ale.loc["reported_robbery", "value"]) and ale.loc["reported_robbery", "flag"] == "suppressed"
    heby = frame[frame["kommun"] == "0331"].set_index("year")
    assert heby.loc[2006, "n"] == 1100.0 and heby.loc[2024, "flag"] == "provisional"
    assert report.rows_dropped["kommun listed twice, empty twin dropped (e.g. Heby before/after 2007)"] == 1
    assert report.rows_dropped["category not mapped to an indicator"] == 1
    assert any("biltillgrepp" in n for n in report.notes)
    conserved(report)


def test_sol_wide_export_counts_become_rates(fx, conserved):
    frame, report = read_bra_sol_export(fx / "bra_sol_wide.csv")
    assert set(frame["unit"]) == {"per_100k"}
    row = frame[(frame["year"] == 2022) & (frame["indicator"] == "reported_fraud")].iloc[0]
    from lofteeval.harmonise.kommuner import population

    pop = population(["1495"], [2022])["value"].iloc[0]
    assert row["n"] == 250.0 and row["value"] == pytest.approx(250 / pop * 1e5)
    assert frame.loc[frame["year"] == 2024, "flag"].str.contains("provisional").all()
    conserved(report)


def test_sol_two_overlapping_categories_refused(tmp_path):
    path = tmp_path / "sol.csv"
    path.write_text("År,Kommun,Brott,Antal\n2023,Ale,12 kap. Skadegörelsebrott,10\n2023,Ale,\"Skadegörelsebrott, totalt\",10\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match="several categories map to 'reported_criminal_damage'"):
        read_bra_sol_export(path)
