"""Hostile survey files (issue 11): fractional and monthly years, absurd percents, broken intervals."""

from __future__ import annotations

import pytest

from lofteeval.errors import DataError
from lofteeval.sources import read_survey_csv

HEADER = "kommun;year;item;value;unit;n;ci_low;ci_high;se"


def _write(tmp_path, *rows: str, header: str = HEADER):
    path = tmp_path / "trygghet.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_fractional_year_refused_never_truncated(fx):
    with pytest.raises(DataError, match=r"^survey_fractional_year\.csv: column 'year' must hold whole four-digit "
                                        r"years.*'2020\.7' \(row 1\).*never rounded"):
        read_survey_csv(fx / "hostile" / "survey_fractional_year.csv")


def test_monthly_year_refused_with_a_hint(fx):
    with pytest.raises(DataError, match=r"survey_monthly\.csv: column 'year'.*'2021-05' \(row 1\)\. Monthly or "
                                        r"quarterly periods are not yearly data"):
        read_survey_csv(fx / "hostile" / "survey_monthly.csv")


@pytest.mark.parametrize("wave", ["2020.7", "2020,5", "2019/20", "vår 2021"])
def test_fractional_or_text_wave_refused(tmp_path, wave):
    path = _write(tmp_path, f"Skara;{wave};worry_crime;21;percent", header="kommun;wave;item;value;unit")
    with pytest.raises(DataError, match=f"column 'wave' must hold whole four-digit years.*'{wave}' \\(row 1\\)"):
        read_survey_csv(path)


def test_whole_year_written_with_a_zero_decimal_is_read(tmp_path, conserved):
    frame, report = read_survey_csv(_write(tmp_path, "Skara;2021.0;worry_crime;21;percent;;;;"))
    assert frame["year"].tolist() == [2021]
    conserved(report)


@pytest.mark.parametrize("row, message", [
    ("Skara;2021;worry_crime;150;percent;;;;", r"row 1: worry_crime column 'value' 150 outside 0-100 \(percent\)"),
    ("Skara;2021;worry_crime;-3;percent;;;;", r"column 'value' -3 outside 0-100"),
    ("Skara;2021;problem_drugs;7,5;index;;;;", r"problem_drugs column 'value' 7\.5 outside 0-6 \(index\)"),
    ("Skara;2021;worry_crime;21;percent;-10;;;", r"column 'n' must be a number of respondents within 0-inf.*-10 \(row 1\)"),
    ("Skara;2021;worry_crime;21;percent;812,5;;;", r"column 'n' must hold whole numbers of respondents; row 1 has 812\.5"),
    ("Skara;2021;worry_crime;21;percent;;;;-1", r"column 'se' must be a standard error.*-1 \(row 1\)"),
    ("Skara;2021;worry_crime;21;percent;;25;18;", r"ci_low <= value <= ci_high.*row 1: 25 <= 21 <= 18 fails"),
    ("Skara;2021;worry_crime;30;percent;;18;25;", r"row 1: 18 <= 30 <= 25 fails.*Swapped columns"),
    ("Skara;2021;worry_crime;21;procent;;;;", r"measured in 'percent', the file says 'procent'"),
])
def test_absurd_or_inconsistent_values_are_refused(tmp_path, row, message):
    with pytest.raises(DataError, match=f"^trygghet\\.csv: .*{message}"):
        read_survey_csv(_write(tmp_path, row))


def test_schema_errors_from_finish_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"(?s)^trygghet\.csv: .*year must be within 1990-2030"):
        read_survey_csv(_write(tmp_path, "Skara;1985;worry_crime;21;percent;;;;"))


def test_unknown_kommun_dropped_with_count(tmp_path, conserved):
    path = _write(tmp_path, "Skara;2021;worry_crime;21;percent;;;;", "Atlantis;2021;worry_crime;30;percent;;;;")
    frame, report = read_survey_csv(path, unknown="drop")
    assert frame["kommun"].tolist() == ["1495"]
    assert report.rows_dropped == {"unknown kommun name or code": 1}
    conserved(report)
