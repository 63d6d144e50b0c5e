from __future__ import annotations

import json

import httpx
import numpy as np
import pytest

from lofteeval.errors import DataError, FetchError
from lofteeval.sources import _cache
from lofteeval.sources.kolada import fetch_kolada, kolada_urls, read_kolada_json


def _pages(fx):
    return [json.loads((fx / f"kolada_v3_page{i}.json").read_text()) for i in (1, 2)]


def test_v3_pages(fx, conserved):
    frame, report = read_kolada_json(_pages(fx))
    lund = frame[frame["kommun"] == "1281"].set_index("indicator")
    assert lund.loc["reported_crimes_total", "value"] == 9876.5
    assert lund.loc["reported_criminal_damage", "value"] == 1250.0  # U07452 12.5 per 1 000 -> per 100 000
    gotland = frame[frame["kommun"] == "0980"].iloc[0]
    assert np.isnan(gotland["value"]) and gotland["flag"] == "missing"
    assert report.rows_dropped == {
        "national total (riket), not a kommun": 1, "region (Kolada 00LL code), not a kommun": 1,
        "KPI not mapped to an indicator": 1, "deleted in Kolada (isdeleted)": 1}
    assert any("N07403" in n for n in report.notes) and any("per 1 000" in n for n in report.notes)
    conserved(report)


def test_v2_keeps_total_gender_and_coerces_period(fx):
    frame, _ = read_kolada_json(fx / "kolada_v2.json")
    assert frame.iloc[0][["kommun", "year", "indicator", "value"]].tolist() == ["0114", 2020, "population", 48100.0]


def test_zero_rate_flagged_as_maybe_missing():
    page = {"values": [{"kpi": "N07544", "municipality": "2403", "period": 2020,
                        "values": [{"gender": "T", "status": "", "value": 0}]}]}
    frame, _ = read_kolada_json(page)
    assert frame.iloc[0]["value"] == 0.0 and frame.iloc[0]["flag"] == "zero_maybe_missing"


def test_not_a_data_response():
    with pytest.raises(DataError, match="no 'values' key"):
        read_kolada_json({"id": "N07540", "title": "Anmälda brott"})


def test_truncated_json():
    with pytest.raises(DataError, match="not valid JSON"):
        read_kolada_json(b'{"values": [{"kpi": "N0754')


def test_url_batches_at_most_25_ids():
    kommuner = [f"{i:04d}" for i in range(100, 160)]
    urls = kolada_urls(["N07540"], kommuner, [2020, 2021])
    assert len(urls) == 3
    assert all(len(u.split("/municipality/")[1].split("/")[0].split(",")) <= 25 for u in urls)


def _transport(fx, calls):
    p1, p2 = _pages(fx)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if "page=2" in str(request.url):
            if sum("page=2" in c for c in calls) == 1:
                return httpx.Response(429, headers={"Retry-After": "3"})
            return httpx.Response(200, json=p2)
        return httpx.Response(200, json=p1)
    return httpx.MockTransport(handler)


def test_fetch_paginates_retries_and_reuses_cache(fx, tmp_path, monkeypatch, conserved):
    slept: list[float] = []
    monkeypatch.setattr(_cache, "_sleep", slept.append)
    calls: list[str] = []
    client = httpx.Client(transport=_transport(fx, calls))
    frame, report = fetch_kolada(["N07540", "U07452"], None, [2021], client=client, dest_dir=tmp_path)
    assert len(frame) == 3 and slept == [3.0]
    assert len(calls) == 3  # page 1, page 2 rate-limited, page 2 again
    conserved(report)
    calls.clear()
    frame2, _ = fetch_kolada(["N07540", "U07452"], None, [2021], client=client, dest_dir=tmp_path)
    assert calls == [] and frame2.equals(frame)  # second run served from the cache
    records = sorted(tmp_path.glob("*.provenance.json"))
    assert len(records) == 2 and json.loads(records[0].read_text())["source_version"] == "kolada v3"


def test_fetch_gives_up_after_retries(tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "_sleep", lambda s: None)
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(FetchError, match="HTTP 503 after 5 retries"):
        fetch_kolada(["N07540"], None, [2021], client=client, dest_dir=tmp_path)


def test_offline_says_how_to_proceed(tmp_path):
    def boom(request):
        raise httpx.ConnectError("no route to host")
    client = httpx.Client(transport=httpx.MockTransport(boom))
    with pytest.raises(FetchError, match="offline.*lofteeval import"):
        fetch_kolada(["N07540"], None, [2021], client=client, dest_dir=tmp_path)
