from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from lofteeval.errors import DataError
from lofteeval.sources import _cache
from lofteeval.sources.scb import decode_jsonstat2, fetch_scb_population, population_query, read_scb_json


def test_decode_row_major_last_dimension_fastest(fx):
    frame = decode_jsonstat2((fx / "scb_tab638_jsonstat2.json").read_bytes())
    assert frame[["Region", "Tid"]].values.tolist()[:3] == [["0114", "2023"], ["0114", "2024"], ["0115", "2023"]]
    assert frame["value"].tolist()[:3] == [48000, 48600, 34500]
    assert frame["status"].tolist()[3] == ".."


@pytest.mark.parametrize("name", ["scb_tab638_jsonstat2.json", "scb_tab638_sparse.json"])
def test_population_rows(fx, name, conserved):
    frame, report = read_scb_json(fx / name)
    got = frame.set_index(["kommun", "year"])["value"]
    assert got[("0114", 2024)] == 48600.0 and got[("0115", 2023)] == 34500.0
    assert np.isnan(got[("0115", 2024)])
    assert frame.set_index(["kommun", "year"]).loc[("0115", 2024), "flag"] in {"suppressed", "missing"}
    assert report.rows_dropped == {"national total (riket), not a kommun": 2}
    conserved(report)


def test_v1_json_with_bom(fx):
    frame, report = read_scb_json(fx / "scb_v1.json")
    assert frame["value"].tolist()[0] == 48000.0 and frame["flag"].tolist() == ["", "suppressed"]


def test_size_mismatch_is_refused(fx):
    data = json.loads((fx / "scb_tab638_sparse.json").read_text())
    data["value"] = [1, 2, 3]
    with pytest.raises(DataError, match="has 3 values but size"):
        decode_jsonstat2(data)


def test_extra_dimensions_summed_and_other_contents_dropped(conserved):
    data = {"id": ["Region", "Kon", "ContentsCode", "Tid"], "size": [1, 2, 2, 1],
            "dimension": {"Region": {"category": {"index": ["0114"]}}, "Kon": {"category": {"index": ["1", "2"]}},
                          "ContentsCode": {"category": {"index": ["BE0101N1", "BE0101N2"]}},
                          "Tid": {"category": {"index": ["2023"]}}},
            "value": [24000, 100, 24100, 90]}
    frame, report = read_scb_json(data)
    assert frame["value"].tolist() == [48100.0]
    assert report.rows_dropped["ContentsCode not BE0101N1 (Folkmängd)"] == 2
    conserved(report)


def test_fetch_posts_selection_and_caches(fx, tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "_sleep", lambda s: None)
    bodies: list[dict] = []
    payload = (fx / "scb_tab638_jsonstat2.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/config"):
            return httpx.Response(200, json={"maxDataCells": 150000, "maxCallsPerTimeWindow": 30, "timeWindow": 10})
        bodies.append(json.loads(request.content))
        return httpx.Response(200, content=payload)
    client = httpx.Client(transport=httpx.MockTransport(handler))
    frame, _ = fetch_scb_population([2023, 2024], client=client, dest_dir=tmp_path)
    assert bodies == [population_query([2023, 2024])] and len(frame) == 4
    fetch_scb_population([2023, 2024], client=client, dest_dir=tmp_path)
    assert len(bodies) == 1  # cached


def test_fetch_splits_years_over_cell_limit(fx, tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "_sleep", lambda s: None)
    bodies: list[dict] = []
    payload = (fx / "scb_tab638_jsonstat2.json").read_bytes()

    def handler(request):
        if request.url.path.endswith("/config"):
            return httpx.Response(200, json={"maxDataCells": 400, "maxCallsPerTimeWindow": 30, "timeWindow": 10})
        bodies.append(json.loads(request.content))
        return httpx.Response(200, content=payload)
    fetch_scb_population([2022, 2023, 2024], client=httpx.Client(transport=httpx.MockTransport(handler)), dest_dir=tmp_path)
    assert [b["selection"][2]["valueCodes"] for b in bodies] == [["2022"], ["2023"], ["2024"]]
