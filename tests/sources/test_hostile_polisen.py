"""Hostile police extracts (issue 11): negative counts, datetimes, month-only dates, unknown kommuner."""

from __future__ import annotations

import pytest

from lofteeval.errors import DataError
from lofteeval.sources import read_police_extract

HEADER = '"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum","Kommun","Län","DeSO.område","Antal"'


def _extract(*rows: str) -> bytes:
    return "\n".join([HEADER, *(f'"{i}",{r}' for i, r in enumerate(rows, 1))]).encode()


def test_negative_antal_refused_naming_file_row_and_column(fx):
    with pytest.raises(DataError, match=r"^police_negative_antal\.csv: column 'Antal' must be a count of "
                                        r"reports.*within 0-inf; 1 value\(s\) are not: -1 \(row 2\)"):
        read_police_extract(fx / "hostile" / "police_negative_antal.csv")


def test_negative_antal_in_the_second_of_two_files_names_that_file(fx):
    with pytest.raises(DataError, match=r"^police_negative_antal\.csv: column 'Antal'"):
        read_police_extract([fx / "polisen_extract.csv", fx / "hostile" / "police_negative_antal.csv"])


def test_datetimes_with_a_time_part_are_parsed(fx, conserved):
    frame, report = read_police_extract(fx / "hostile" / "police_datetime.csv")
    got = frame.set_index(["kommun", "year"])["n"].to_dict()
    assert got == {("1495", 2022): 3.0, ("1494", 2023): 1.0}
    conserved(report)


def test_datetimes_by_offence_date(fx):
    frame, _ = read_police_extract(fx / "hostile" / "police_datetime.csv", by="offence")
    assert frame.set_index(["kommun", "year"])["n"].to_dict() == {("1495", 2022): 3.0, ("1494", 2023): 1.0}


def test_month_only_dates_refused(fx):
    with pytest.raises(DataError, match=r"police_monthly_dates\.csv: column 'Inskrivningsdatum' must hold "
                                        r"dates as YYYY-MM-DD.*2 cell\(s\) are not: '2022-03' \(row 1\)"):
        read_police_extract(fx / "hostile" / "police_monthly_dates.csv")


@pytest.mark.parametrize("date", ["01/03/2022", "2022-02-30", "20220301", "2022-03-01 25:00"])
def test_other_date_forms_refused(date):
    with pytest.raises(DataError, match=f"must hold dates as YYYY-MM-DD.*'{date}' \\(row 1\\)"):
        read_police_extract(_extract(f'1,1211,"b","{date}","2022-03-01","Skara","","",1'))


def test_unknown_kommun_raises_by_default_and_drops_with_unknown_drop(fx, conserved):
    path = fx / "hostile" / "police_unknown_kommun.csv"
    with pytest.raises(DataError, match=r"(?s)police_unknown_kommun\.csv: 1 Kommun value.*'Atlantis'.*unknown='drop'"):
        read_police_extract(path)
    frame, report = read_police_extract(path, unknown="drop")
    assert frame["kommun"].tolist() == ["1495"] and frame["n"].tolist() == [1.0]
    assert report.rows_dropped == {"unknown kommun name or code": 1}
    conserved(report)


def test_unknown_policy_is_checked():
    with pytest.raises(ValueError, match="unknown"):
        read_police_extract(_extract('1,1211,"b","2022-03-01","2022-03-01","Skara","","",1'), unknown="ignore")


def test_schema_errors_from_finish_name_the_file():
    # a year outside the schema's range is refused by validate_tidy: the message still names the input
    with pytest.raises(DataError, match=r"(?s)^<bytes>: .*year must be within"):
        read_police_extract(_extract('1,1211,"b","1899-03-01","1899-03-01","Skara","","",1'))


def test_excel_serial_dates_refused():
    with pytest.raises(DataError, match=r"must hold dates as YYYY-MM-DD.*'44621' \(row 1\)"):
        read_police_extract(_extract('1,1211,"b","44621","44621","Skara","","",1'))


def test_timezone_datetimes_count_by_their_date(conserved):
    frame, report = read_police_extract(_extract('1,1211,"b","2022-12-31T23:30:00+01:00","2022-12-31","Skara","","",1',
                                                 '2,1211,"b","2023-01-01T00:10:00Z","2023-01-01","Skara","","",1'))
    assert frame.set_index("year")["n"].to_dict() == {2022: 1.0, 2023: 1.0}
    conserved(report)


def test_empty_brottskod_dropped_with_a_count(conserved):
    frame, report = read_police_extract(_extract('1,1211,"b","2022-03-01","2022-03-01","Skara","","",1',
                                                 '2,,"b","2022-03-02","2022-03-02","Skara","","",1'))
    assert frame["n"].tolist() == [1.0] and frame["indicator"].tolist() == ["reported_car_fires"]
    assert report.rows_dropped == {"empty Brottskod (crime type unknown)": 1}
    conserved(report)


def test_antal_netting_is_impossible_and_zero_counts_are_kept(conserved):
    frame, report = read_police_extract(_extract('1,1211,"b","2022-03-01","2022-03-01","Skara","","",0',
                                                 '2,1211,"b","2022-03-02","2022-03-02","Skara","","",3'))
    assert frame["n"].tolist() == [3.0]
    conserved(report)


def test_infinite_antal_refused():
    with pytest.raises(DataError, match=r"column 'Antal' must be a count of reports.*inf \(row 1\)"):
        read_police_extract(_extract('1,1211,"b","2022-03-01","2022-03-01","Skara","","",1e4001'))


def test_an_extract_whose_every_record_is_dropped_is_an_error_not_an_empty_result():
    with pytest.raises(DataError, match=r"^<bytes>: none of the 2 records can be counted \(empty Inskrivningsdatum: 2\)"):
        read_police_extract(_extract('1,1211,"b","","2022-03-01","Skara","","",1',
                                     '2,1211,"b","","2022-03-01","Skara","","",1'))


def test_more_reports_than_inhabitants_is_refused():
    # Skara has about 18 900 inhabitants: 50 000 car fires in one year is an error in Antal
    with pytest.raises(DataError, match=r"^<bytes>: a rate per 100 000 must be at most 100 000.*1495 2022 "
                                        r"reported_car_fires: 50000 reports.*column 'Antal'"):
        read_police_extract(_extract('1,1211,"b","2022-03-01","2022-03-01","Skara","","",50000'))


def test_cli_import_police_honours_unknown_drop(fx, tmp_path, capsys):
    from lofteeval.cli import main

    path = fx / "hostile" / "police_unknown_kommun.csv"
    assert main(["import", "polisen", str(path)]) == 2
    assert "Atlantis" in capsys.readouterr().err
    out = tmp_path / "police.csv"
    assert main(["import", "polisen", str(path), "--unknown", "drop", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "unknown kommun name or code" in printed.out + printed.err
    assert out.exists() and "Atlantis" not in out.read_text(encoding="utf-8")
