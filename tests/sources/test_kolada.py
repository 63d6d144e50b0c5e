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
        "deleted in Kolada (isdeleted)": 1}
    assert any("per 1 000" in n for n in report.notes)
    # N07403 "anmälda våldsbrott" per 100 000 -> reported_violent_crimes (rate kept, no count)
    violent = frame[frame["indicator"] == "reported_violent_crimes"].iloc[0]
    assert (violent["kommun"], violent["year"], violent["value"], violent["unit"]) == ("0980", 2021, 700.0, "per_100k")
    assert np.isnan(violent["n"])
    conserved(report)


def test_unmapped_kpi_dropped_with_reason_and_named(conserved):
    page = {"values": [
        {"kpi": "U07417", "municipality": "1440", "period": 2021, "values": [{"gender": "T", "value": 30.0}]},
        {"kpi": "N07540", "municipality": "1440", "period": 2021, "values": [{"gender": "T", "value": 8000.0}]},
    ]}
    frame, report = read_kolada_json(page)
    assert list(frame["indicator"]) == ["reported_crimes_total"]
    assert report.rows_dropped == {"KPI not mapped to an indicator": 1}
    assert any("U07417 (1 rows; theft, three-year mean" in n for n in report.notes)
    conserved(report)


@pytest.mark.parametrize("payload, message", [
    ([1, 2, 3], "a JSON list of int"),
    (b'"x"', "a JSON str"),
    ({"values": ["x"]}, "each item must be an object with a 'values' list"),
    ({"values": [{"kpi": "N07540", "municipality": "1440", "period": 2021, "values": "x"}]},
     "each item must be an object"),
    ({"values": {"a": 1}}, "'values' must be a list"),
    ({"values": [{"kpi": "N07540", "municipality": "1440", "period": 2021,
                  "values": [{"gender": "T", "value": "abc"}]}]}, "neither a number nor a known code"),
    ({"values": [{"kpi": "N07540", "municipality": "1440", "period": 2021,
                  "values": [{"gender": "T", "value": -5}]}]}, "must be >= 0"),
])
def test_malformed_responses_give_one_clear_error(payload, message):
    with pytest.raises(DataError, match=message):
        read_kolada_json(payload)


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
    assert len(frame) == 4 and slept == [3.0]  # N07403 (page 2) is reported_violent_crimes
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


# ---------------------------------------------------------------- pagination rules
def _page(values, next_url):
    return {"values": values, "count": len(values), "next_url": next_url, "previous_url": None}


def _item(kommun, year, value):
    return {"kpi": "N07544", "municipality": kommun, "period": year,
            "values": [{"gender": "T", "count": 1, "status": "", "value": value}]}


def test_kolada_follows_next_url_on_the_same_host(tmp_path):
    import httpx

    def handler(request):
        if request.url.params.get("page") == "2":
            return httpx.Response(200, json=_page([_item("0980", 2021, 250.0)], None))
        return httpx.Response(200, json=_page([_item("0980", 2020, 240.0)], str(request.url.copy_add_param("page", "2"))))

    res = fetch_kolada(["N07544"], ["0980"], [2020, 2021], client=httpx.Client(transport=httpx.MockTransport(handler)),
                       dest_dir=tmp_path)
    assert sorted(res.frame["year"]) == [2020, 2021]


def test_kolada_refuses_next_url_on_another_host(tmp_path):
    import httpx

    from lofteeval.errors import FetchError

    handler = lambda request: httpx.Response(200, json=_page([_item("0980", 2020, 240.0)],  # noqa: E731
                                                              "https://evil.example.org/v3/data?page=2"))
    with pytest.raises(FetchError, match="another host.*evil.example.org"):
        fetch_kolada(["N07544"], ["0980"], [2020], client=httpx.Client(transport=httpx.MockTransport(handler)),
                     dest_dir=tmp_path)


def test_kolada_page_limit(tmp_path, monkeypatch):
    import httpx

    from lofteeval.errors import FetchError
    from lofteeval.sources import kolada

    monkeypatch.setattr(kolada, "MAX_PAGES", 3)

    def handler(request):
        n = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=_page([_item("0980", 2020, 240.0)],
                                              str(request.url.copy_set_param("page", str(n + 1)))))

    with pytest.raises(FetchError, match="after 3 pages"):
        fetch_kolada(["N07544"], ["0980"], [2020], client=httpx.Client(transport=httpx.MockTransport(handler)),
                     dest_dir=tmp_path)
