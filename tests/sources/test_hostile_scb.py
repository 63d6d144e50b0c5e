"""Hostile SCB responses (issue 11): totals in extra dimensions, sparse indexes, bad values and periods."""

from __future__ import annotations

import json

import pytest

from lofteeval.errors import DataError
from lofteeval.sources.scb import decode_jsonstat2, read_scb_json


def _dataset(extra: dict[str, list[str]] | None = None, values=None, *, labels=None, tid=("2023",),
             region=("0114",), status=None) -> dict:
    extra = extra or {}
    ids = ["Region", *extra, "ContentsCode", "Tid"]
    cats = {"Region": list(region), **extra, "ContentsCode": ["BE0101N1"], "Tid": list(tid)}
    dims = {d: {"category": {"index": cats[d]}} for d in ids}
    for d, lab in (labels or {}).items():
        dims[d]["category"]["label"] = lab
    size = [len(cats[d]) for d in ids]
    data = {"id": ids, "size": size, "dimension": dims, "value": values}
    if status is not None:
        data["status"] = status
    return data


def test_total_category_in_kon_is_selected_never_summed(conserved):
    data = _dataset({"Kon": ["1", "2", "1+2"]}, [24000, 24100, 48100])
    frame, report = read_scb_json(data)
    assert frame["value"].tolist() == [48100.0]  # not 96 200
    assert report.rows_dropped == {"Kon parts of the total category '1+2' (selected, not summed)": 2}
    conserved(report)


def test_total_found_by_its_label(conserved):
    data = _dataset({"Alder": ["0-64", "65+", "TOT1"]}, [40000, 8100, 48100],
                    labels={"Alder": {"0-64": "0-64 år", "65+": "65+ år", "TOT1": "totalt ålder"}})
    frame, report = read_scb_json(data)
    assert frame["value"].tolist() == [48100.0]
    assert any("'TOT1' (totalt ålder) selected" in n for n in report.notes)
    conserved(report)


def test_complete_partitions_are_summed(conserved):
    data = _dataset({"Alder": ["0-4", "5-99", "100+"], "Kon": ["1", "2"]}, [1000, 1100, 23000, 22880, 10, 10])
    frame, report = read_scb_json(data)
    assert frame["value"].tolist() == [48000.0]
    assert report.rows_dropped == {"summed over Alder, Kon into kommun totals": 5}
    conserved(report)


@pytest.mark.parametrize("extra, values, message", [
    ({"Kon": ["2"]}, [24100], r"'Kon' with categories \['2'\]: its categories \['2'\] are not the complete set"),
    ({"Alder": ["0-64"]}, [40000], r"the last age group '0-64' is not open-ended"),
    ({"Alder": ["0-4", "2", "5+"]}, [1, 2, 3], r"the age groups '0-4' and '2' overlap"),
    ({"Alder": ["5-9", "10+"]}, [1, 2], r"the ages start at '5-9', not 0"),
    ({"Alder": ["0-4", "10+"]}, [1, 2], r"ages between '0-4' and '10\+' are missing"),
    ({"Alder": ["0-9", "ung"]}, [1, 2], r"age codes \['ung'\] are not ages"),
    ({"Kon": ["1", "2", "1+2", "tot"]}, [1, 2, 3, 3], r"it has 2 total categories \['1\+2', 'tot'\]"),
    ({"Utbildning": ["A", "B"]}, [1, 2], r"'Utbildning'.*does not know whether its categories add up"),
])
def test_extra_dimensions_that_cannot_give_the_population_are_refused(extra, values, message):
    with pytest.raises(DataError, match=f"^scb: the response keeps the dimension .*{message}.*Leave .* out of the query"):
        read_scb_json(_dataset(extra, values))


@pytest.mark.parametrize("value, message", [
    ({"0": 48000, "5": 1}, r"sparse 'value' has the index '5', but indexes must be whole numbers 0-1"),
    ({"-1": 48000}, r"has the index '-1'"),
    ({"a": 48000}, r"has the index 'a'"),
    ({"1.0": 48000}, r"has the index '1\.0'"),
])
def test_sparse_indexes_out_of_range_are_one_error(value, message):
    data = _dataset(values=value, tid=("2023", "2024"))
    with pytest.raises(DataError, match=message):
        read_scb_json(data)


def test_sparse_status_out_of_range_and_short_status_list():
    with pytest.raises(DataError, match=r"sparse 'status' has the index '9'"):
        decode_jsonstat2(_dataset(values=[1, 2], tid=("2023", "2024"), status={"9": ".."}))
    with pytest.raises(DataError, match=r"has 1 status entries but size needs 2"):
        decode_jsonstat2(_dataset(values=[1, 2], tid=("2023", "2024"), status=[".."]))


@pytest.mark.parametrize("values, message", [
    ([True], r"1 are not: cell 1 a boolean"),
    (["abc"], r"cell 1 'abc'"),
    ([[48000]], r"cell 1 \[48000\]"),
    ([-5], r"column 'value' must be a population .* within 0-1.2e\+07.*-5 \(row 1\)"),
    ([25_000_000], r"must be a population.*2\.5e\+07 \(row 1\)"),
    ([48000.5], r"a population must be a whole number of people.*48000\.5"),
])
def test_values_that_are_not_populations_are_refused(values, message):
    with pytest.raises(DataError, match=f"^scb: .*{message}"):
        read_scb_json(_dataset(values=values))


def test_monthly_tid_is_refused():
    data = _dataset(values=[48000, 48010], tid=("2023M01", "2023M02"))
    with pytest.raises(DataError, match=r"column 'Tid' must hold whole four-digit years.*'2023M01' \(row 1\).*Monthly"):
        read_scb_json(data)


def test_broken_structure_is_one_error():
    data = _dataset(values=[1])
    del data["dimension"]["Tid"]
    with pytest.raises(DataError, match=r"'id' names dimensions \['Tid'\] that 'dimension' does not describe"):
        read_scb_json(data)
    data = _dataset(values=[1])
    data["dimension"]["Region"]["category"]["index"] = {"0114": 3}
    with pytest.raises(DataError, match=r"category.index positions must be 0..0"):
        read_scb_json(data)


def test_v1_rows_with_bad_keys_or_values(tmp_path):
    body = {"columns": [{"code": "Region", "type": "d"}, {"code": "Tid", "type": "t"},
                        {"code": "BE0101N1", "type": "c"}],
            "data": [{"key": ["0114"], "values": ["48000"]}]}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(DataError, match=r"^v1\.json: v1 data row 1 must have a 'key' of 2 codes"):
        read_scb_json(path)
    body["data"] = [{"key": ["0114", "2023"], "values": ["48 000 st"]}]
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(DataError, match=r"^v1\.json: SCB values must be numbers.*'48 000 st'"):
        read_scb_json(path)


def test_deeply_nested_json_is_one_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"value": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(DataError, match=r"^deep\.json: JSON nested too deeply"):
        read_scb_json(path)


def test_decode_names_the_file(tmp_path):
    path = tmp_path / "tab638.json"
    path.write_text(json.dumps(_dataset(values={"7": 1})), encoding="utf-8")
    with pytest.raises(DataError, match=r"^tab638\.json: json-stat2 sparse 'value' has the index '7'"):
        decode_jsonstat2(path)


def test_unknown_status_codes_are_noted_not_ignored(conserved):
    frame, report = read_scb_json(_dataset(values=[48000], status={"0": "p"}))
    assert frame["value"].tolist() == [48000.0]
    assert any("status codes lofteeval does not know" in n and "'p' (1 cells)" in n for n in report.notes)
    conserved(report)
