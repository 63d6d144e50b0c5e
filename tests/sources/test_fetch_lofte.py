"""`lofteeval data plan` and `data fetch` end to end on recorded-format responses (no network)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import lofteeval

from lofteeval.sources import _cache

sys.path.insert(0, str(Path(__file__).parent))
from fetch_fakes import FakeUpstreams
from sol_fakes import offline_client

YEARS = list(range(2010, 2026))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LOFTEEVAL_HOME", str(tmp_path))
    monkeypatch.setattr(_cache, "_sleep", lambda s: None)
    return tmp_path


def test_plan_names_a_real_source_for_every_indicator_of_gotland():
    from lofteeval.indicators import indicators_for
    from lofteeval.sources.catalogue import fetch_plan

    plan = fetch_plan(lofteeval.load_lofte("gotland-2020"))
    for area in ("narkotika", "vald_nara_relation"):
        rows = plan[plan["focus_area"] == area]
        assert set(rows["indicator"]) == {s.id for s in indicators_for(area)}
        assert rows["source"].str.len().gt(10).all()
        assert (rows["fetchable"] | rows["reason"].str.len().gt(20)).all()  # not fetchable: says why
    drugs = plan.set_index("indicator").loc["reported_drug_offences"]
    assert "Brott mot narkotikastrafflagen" in drugs["source"] and drugs["fetchable"]
    assert "2015" in drugs["breaks"] and "2017/2019" in drugs["breaks"]


def test_plan_ntu_is_not_fetchable_with_the_reason():
    from lofteeval.sources.catalogue import source_of

    ntu = source_of("unsafe_outdoors_night")
    assert not ntu.fetchable and "kommun" in ntu.reason and "import survey" in ntu.how


def test_every_indicator_has_a_source():
    from lofteeval.indicators import INDICATORS
    from lofteeval.sources.catalogue import INDICATOR_SOURCES

    assert set(INDICATORS) == set(INDICATOR_SOURCES)


def test_cli_data_plan(capsys):
    from lofteeval.cli import main

    assert main(["data", "plan", "gotland-2020"]) == 0
    out = capsys.readouterr().out
    assert "reported_domestic_violence" in out and "Grov kvinnofridskränkning (4 a §)" in out
    assert "HÄMTAS INTE" in out and "varför inte" in out


def test_fetch_builds_a_validated_panel_with_provenance(home):
    from lofteeval.harmonise.panel import load_panel
    from lofteeval.sources.fetch_lofte import fetch_for_loften

    up = FakeUpstreams()
    res = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=YEARS, client=up.client())
    panel = load_panel(home / "data" / "processed" / "panel.parquet")
    assert set(panel["indicator"]) == {"reported_domestic_violence", "reported_unlawful_threats",
                                       "reported_drug_offences", "population"}
    assert panel["kommun"].nunique() == 290
    assert not panel.attrs.get("synthetic") and set(panel["source"]) == {"bra", "scb"}
    side = json.loads((home / "data" / "processed" / "panel.parquet.meta.json").read_text())["attrs"]
    bra = next(s for s in side["data_sources"] if s["source"] == "bra")
    assert bra["vintage"] == "2025 preliminärt" and len(bra["sha256"]) == 64 and bra["downloaded"]
    assert bra["file"].startswith("data/raw/bra_sol (") and bra["url"].endswith("menyid=101")
    assert res.panel_report.rows_in == res.panel_report.rows_out + sum(res.panel_report.rows_dropped.values())
    n_requests = len(up.log)
    # second run: cache only, no request
    again = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=YEARS, client=offline_client())
    assert again.panel.equals(res.panel) and len(up.log) == n_requests


def test_cli_fetch_offline_one_line_exit_2_nothing_written(home, capsys, monkeypatch):
    import httpx

    from lofteeval.cli import main

    real = httpx.Client

    def refuse(request):
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    def offline(*a, **k):  # every client the CLI builds is offline
        k["transport"] = httpx.MockTransport(refuse)
        k.pop("verify", None)
        return real(*a, **k)

    monkeypatch.setattr(httpx, "Client", offline)
    assert main(["data", "fetch", "--lofte", "gotland-2020", "--years", "2015-2024"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "offline" in err[0] and "Traceback" not in err[0]
    assert not (home / "data" / "processed" / "panel.parquet").exists()
    assert not list((home / "data").rglob("*.part"))


def test_report_on_fetched_panel_carries_provenance_and_vintage(home, capsys):
    from lofteeval.cli import main
    from lofteeval.sources.fetch_lofte import fetch_for_loften

    fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=YEARS, client=FakeUpstreams().client())
    out = home / "reports"
    assert main(["report", "gotland-2020", "--direct", "--format", "html,xlsx", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Brå, hämtat" in printed and "2025 preliminärt" in printed and "Syntetiska" not in printed
    html = (out / "gotland-2020" / "rapport.html").read_text(encoding="utf-8")
    assert "Brå, hämtat" in html and "2025 preliminärt" in html
    assert "Brå statistikdatabas (SOL)" in html
    assert "Brå ändrade 2015 hur brott knyts till kommun" in html  # pre period 2010-2019 spans the break
    assert "Preliminära siffror kan revideras" in html
    from openpyxl import load_workbook

    wb = load_workbook(out / "gotland-2020" / "resultat.xlsx")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any("2025 preliminärt" in c for c in cells)


def test_cli_fetch_all_prints_summary_and_vintage(home, capsys, monkeypatch):
    import httpx

    from lofteeval.cli import main

    up = FakeUpstreams(years=range(2016, 2026))
    real = httpx.Client

    def faked(*a, **k):
        k["transport"] = httpx.MockTransport(up)
        k.pop("verify", None)
        return real(*a, **k)

    monkeypatch.setattr(httpx, "Client", faked)
    assert main(["data", "fetch", "--all", "--kommun", "0980", "--years", "2016-2025"]) == 0
    cap = capsys.readouterr()
    assert "rows in" in cap.out and "[OK]" in cap.out
    assert "Data: Brå, hämtat" in cap.out and "2025 preliminärt" in cap.out
    assert "not fetched: unsafe_outdoors_night" in cap.out
    assert "[1/" in cap.err  # progress per SOL query
    from lofteeval.harmonise.panel import load_panel

    panel = load_panel(home / "data" / "processed" / "panel.parquet")
    from lofteeval.registry import list_loften

    treated = {k.strip() for ks in list_loften(kind="lofte")["kommuner"] for k in str(ks).split(",")}
    assert treated | {"0980"} == set(panel["kommun"])  # --kommun narrows the pool; treated kommuner always in
    assert "reported_fraud" in set(panel["indicator"]) or "reported_criminal_damage" in set(panel["indicator"])


def test_counts_only_answer_gets_rates_from_scb_population(home):
    """If SOL answers counts without the per-100 000 measure, rates come from SCB's population."""
    from lofteeval.sources.fetch_lofte import fetch_for_loften

    up = FakeUpstreams(years=range(2016, 2025), scb_years=range(2016, 2025))
    inner = up.sol.__call__

    def counts_only(request):
        if request.url.path.endswith("/vantapopup"):
            request = request.__class__(request.method, request.url, headers=request.headers,
                                        content=request.content.replace(b"antal_100k=1", b"antal_100k=0"))
        return inner(request)

    up.sol = counts_only
    res = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=list(range(2016, 2025)), kommuner=["0980"], client=up.client(),
                           out="")
    p = res.panel.set_index(["kommun", "year", "indicator"])
    row, pop = p.loc[("0980", 2019, "reported_drug_offences")], p.loc[("0980", 2019, "population"), "value"]
    assert row["unit"] == "per_100k" and row["value"] == pytest.approx(row["n"] / pop * 1e5)


def test_fetch_from_kolada_when_sol_is_unreachable(home):
    import re

    import httpx
    from fetch_fakes import scb_population

    from lofteeval.sources.fetch_lofte import fetch_for_loften

    seen = []

    def handler(request):
        seen.append(request.url.host)
        if request.url.host == "statistikdatabasen.scb.se":
            return httpx.Response(200, json=scb_population(range(2015, 2025), ["0980", "1440"]))
        assert request.url.host == "api.kolada.se", request.url
        m = re.search(r"/data/kpi/([^/]+)/municipality/([^/]+)/year/([^/]+)", request.url.path)
        kpis, muns, years = (g.split(",") for g in m.groups())
        values = [{"kpi": k, "municipality": mu, "period": int(y),
                   "values": [{"gender": "T", "count": 1, "status": "", "value": 100.0 + int(y) - 2000}]}
                  for k in kpis for mu in muns for y in years]
        return httpx.Response(200, json={"values": values, "count": len(values), "next_url": None})

    res = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=list(range(2015, 2025)), kommuner=["1440"], source="kolada",
                           client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert "statistik.bra.se" not in seen
    assert set(res.panel["indicator"]) == {"reported_domestic_violence", "reported_drug_offences", "population"}
    assert set(res.skipped["indicator"]) >= {"reported_unlawful_threats"}  # no Kolada KPI: says so
    assert res.panel.attrs["data_sources"][0]["publisher"].startswith("Kolada")
