"""Hostile Kolada responses (issue 11): booleans, lists, deep nesting, duplicates, periods, absurd rates."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lofteeval.errors import DataError
from lofteeval.sources import read_kolada_json


def _item(value=8000.0, *, kpi="N07540", municipality="1440", period=2021, **extra) -> dict:
    return {"kpi": kpi, "municipality": municipality, "period": period,
            "values": [{"gender": "T", "value": value, **extra}]}


def _page(*items: dict) -> dict:
    return {"values": list(items)}


@pytest.mark.parametrize("value, message", [
    (True, r"item 1 \(KPI N07540, municipality '1440'\): value must be a number.*got a boolean"),
    (False, "got a boolean"),
    ([1, 2], r"value must be a number, null or a code string.*got a list of 2"),
    ({"v": 1}, r"got an object with keys \['v'\]"),
    ("Infinity", r"value 'Infinity' is neither a number nor a known code"),
    ("1e400", r"value must be finite"),
    ("8 000,5 kr", r"value '8 000,5 kr' is neither a number nor a known code"),
])
def test_values_that_are_not_numbers_are_refused(value, message):
    with pytest.raises(DataError, match=message):
        read_kolada_json(_page(_item(value)))


def test_nan_and_infinity_tokens_in_the_json_text_are_refused():
    text = json.dumps(_page(_item(8000.0))).replace("8000.0", "NaN")
    with pytest.raises(DataError, match="value must be finite"):
        read_kolada_json(text.encode())


def test_values_nested_100000_deep_give_one_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"values": [{"kpi": "N07540", "municipality": "1440", "period": 2021, "values": '
                    '[{"gender": "T", "value": ' + "[" * 100_000 + "]" * 100_000 + "}]}]}", encoding="utf-8")
    with pytest.raises(DataError, match=r"^deep\.json: JSON nested too deeply"):
        read_kolada_json(path)


def test_a_deeply_nested_python_object_gives_one_error():
    deep: object = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(DataError, match=r"value must be a number.*got a list of 1"):
        read_kolada_json(_page(_item(deep)))
    with pytest.raises(DataError, match=r"each item must be an object.*got a list of 1"):
        read_kolada_json({"values": [{"kpi": "N07540", "values": [deep]}]})


def test_second_total_entry_with_another_value_is_refused():
    item = _item(8000.0)
    item["values"].append({"gender": "T", "value": 9000.0})
    with pytest.raises(DataError, match=r"item 1 .*2 total \(gender T\) entries with different values"):
        read_kolada_json(_page(item))


def test_second_total_entry_with_the_same_value_is_read_once_and_noted(conserved):
    item = _item(8000.0)
    item["values"].append({"gender": "T", "value": 8000.0})
    frame, report = read_kolada_json(_page(item))
    assert frame["value"].tolist() == [8000.0]
    assert any("repeated total (gender T) entry" in n for n in report.notes)
    conserved(report)


def test_duplicate_item_for_the_same_kommun_year_is_counted_or_refused(conserved):
    frame, report = read_kolada_json(_page(_item(8000.0), _item(8000.0)))
    assert len(frame) == 1
    assert report.rows_dropped == {"duplicate row (same kommun, year, indicator and value)": 1}
    conserved(report)
    with pytest.raises(DataError, match=r"^kolada: .*appear twice with different values"):
        read_kolada_json(_page(_item(8000.0), _item(8100.0)))


@pytest.mark.parametrize("period, message", [
    ("2021M05", r"'period' must be a year such as 2021; got '2021M05'\. Monthly or quarterly"),
    ("2021-05", "Monthly or quarterly"),
    (2021.7, r"got 2021\.7"),
    ("2021.7", r"got '2021\.7'"),
    (True, r"got True"),
    (None, r"got None"),
    (20211, r"got 20211"),
])
def test_periods_that_are_not_whole_years_are_refused(period, message):
    with pytest.raises(DataError, match=message):
        read_kolada_json(_page(_item(period=period)))


@pytest.mark.parametrize("item, message", [
    (_item(150_000.0), r"reported_crimes_total \(per_100k\) must be at most 100,000"),
    (_item(1_500.0, kpi="U07452"), r"reported_criminal_damage \(per_100k\) must be at most 100,000.*got 150000"),
    (_item(2.5e7, kpi="N01951"), r"population \(count\) must be at most 12,000,000"),
    (_item(48000.5, kpi="N01951"), r"population must be a whole count; got 48000\.5"),
])
def test_absurd_rates_and_counts_are_refused(item, message):
    with pytest.raises(DataError, match=message):
        read_kolada_json(_page(item))


def test_status_that_is_not_a_string_is_refused():
    with pytest.raises(DataError, match=r"status must be a string.*got a list of 0"):
        read_kolada_json(_page(_item(8000.0, status=[])))


def test_missing_and_codes_still_flagged(conserved):
    frame, report = read_kolada_json(_page(_item(None), _item("..", municipality="1441")))
    assert np.isnan(frame["value"]).all() and sorted(frame["flag"]) == ["missing", "suppressed"]
    conserved(report)


def test_schema_errors_name_the_file(tmp_path):
    path = tmp_path / "kolada_2021.json"
    path.write_text(json.dumps(_page(_item(8000.0, municipality="9999"))), encoding="utf-8")
    with pytest.raises(DataError, match=r"(?s)^kolada_2021\.json: .*9999"):
        read_kolada_json(path)


def test_isdeleted_that_is_not_a_boolean_is_refused():
    with pytest.raises(DataError, match=r"item 1: 'isdeleted' must be true or false; got 'false'"):
        read_kolada_json(_page({**_item(8000.0), "isdeleted": "false"}))
