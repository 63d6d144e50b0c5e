from __future__ import annotations

import numpy as np
import pytest

from lofteeval.errors import DataError
from lofteeval.sources.survey import measured_year, read_survey_csv


def test_survey_file(fx, conserved):
    frame, report = read_survey_csv(fx / "survey_results.csv")
    got = frame.set_index(["kommun", "indicator"])
    unsafe = got.loc[("0980", "unsafe_outdoors_night")]
    assert unsafe["value"] == 24.5 and unsafe["n"] == 410.0
    assert unsafe["se"] == pytest.approx((28.5 - 20.5) / (2 * 1.959964))
    assert got.loc[("1287", "problem_youth_disorder"), "value"] == 1.66  # Trelleborg LPO index 2017
    skara = got.loc[("1495", "unsafe_outdoors_night")]
    assert np.isnan(skara["value"]) and skara["flag"] == "suppressed"
    assert report.rows_dropped == {"item not mapped to an indicator": 1}
    conserved(report)


def test_waves_map_to_measured_year(fx):
    frame, report = read_survey_csv(fx / "survey_waves.csv")
    assert frame[["kommun", "year", "indicator", "se"]].values.tolist() == [["0662", 2019, "worry_crime", 2.1]]
    assert measured_year("utsatt_brott_mot_person", 2019) == 2018
    assert measured_year("unsafe_outdoors_night", 2019) == 2019


@pytest.mark.parametrize("row, message", [
    ("Skara;2021;problem_drugs;7,5;index", r"outside 0-6"),
    ("Skara;2021;unsafe_outdoors_night;130;percent", r"outside 0-100"),
    ("Skara;2021;unsafe_outdoors_night;30;index", r"measured in 'percent', the file says 'index'"),
    ("Skarra;2021;unsafe_outdoors_night;30;percent", r"unknown kommun 'Skarra'"),
])
def test_bad_survey_rows(tmp_path, row, message):
    path = tmp_path / "s.csv"
    path.write_text("kommun;year;item;value;unit\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_survey_csv(path)


def test_missing_columns(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("kommun;item;value\nSkara;x;1\n", encoding="utf-8")
    with pytest.raises(DataError, match="need columns kommun, year"):
        read_survey_csv(path)
