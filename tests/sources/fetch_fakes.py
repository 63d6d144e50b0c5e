"""One mock transport for a whole `lofteeval data fetch`: SCB PxWeb v2 json-stat2 + the fake SOL server."""

from __future__ import annotations

import json

import httpx
from sol_fakes import FakeSol

from lofteeval.harmonise.kommuner import kommuner


def scb_population(years: range, codes: list[str] | None = None) -> dict:
    """A json-stat2 TAB638 answer (documented shape, SOURCES.md §2.2) for the kommuner (default all) and years."""
    codes = codes or kommuner()["kommun"].tolist()
    ys = [str(y) for y in years]
    values = [10_000 + (int(k) % 97) * 1_000 + (int(y) - 2000) * 10 for k in codes for y in ys]
    return {"version": "2.0", "class": "dataset", "label": "Folkmängden efter region och år", "source": "SCB",
            "updated": "2026-02-21T07:00:00Z", "id": ["Region", "ContentsCode", "Tid"],
            "size": [len(codes), 1, len(ys)], "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "dimension": {
                "Region": {"label": "region", "category": {"index": {k: i for i, k in enumerate(codes)},
                                                           "label": {k: k for k in codes}}},
                "ContentsCode": {"category": {"index": {"BE0101N1": 0}, "label": {"BE0101N1": "Folkmängd"}}},
                "Tid": {"label": "år", "category": {"index": {y: i for i, y in enumerate(ys)},
                                                     "label": {y: y for y in ys}}}},
            "value": values}


class FakeUpstreams:
    """Routes statistik.bra.se to :class:`FakeSol` and statistikdatabasen.scb.se to a TAB638 answer."""

    def __init__(self, years: range = range(2010, 2026), scb_years: range = range(2010, 2025)) -> None:
        self.sol = FakeSol(years)
        self.scb_years = scb_years
        self.log: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.log.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.host == "statistik.bra.se":
            return self.sol(request)
        if request.url.host == "statistikdatabasen.scb.se":
            body = json.loads(request.content or b"{}")
            tid = body["selection"][2]["valueCodes"]
            assert tid[0].startswith("from("), tid
            region = body["selection"][0]["valueCodes"]
            return httpx.Response(200, json=scb_population(self.scb_years, None if region == ["*"] else region))
        return httpx.Response(404)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), follow_redirects=True)
