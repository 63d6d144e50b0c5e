"""Fetch what one or more löften need and build the validated panel: ``lofteeval data fetch``.

:func:`fetch_for_loften` reads the löften's focus areas, looks up each indicator's real source in
:mod:`.catalogue`, and fetches

- the crime indicators from Brå's statistikdatabas (:func:`.sol.fetch_sol`) for the treated
  kommuner **and every possible comparison kommun** (all 290 unless ``kommuner`` narrows it),
- SCB folkmängd 31 december (TAB638) for the same kommuner and years,

then builds the panel (``harmonise.build_panel``) and writes it atomically to
``data/processed/panel.parquet`` with a sidecar ``panel.parquet.meta.json`` whose ``attrs`` name the
sources, fetch dates, checksums and vintage (which years are preliminary).  Every response is
cached under ``data/raw/<source>/`` with its provenance record, so a second run sends nothing.
Offline, the first request raises one :class:`~lofteeval.errors.FetchError`; no panel is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import DataError

__all__ = ["FetchResult", "default_years", "fetch_for_loften", "indicators_to_fetch"]

Source = Literal["sol", "kolada"]
FIRST_YEAR = 2010  # long enough pre periods for synthetic control; SOL itself starts in 1996


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_for_loften` did: the panel, where it went, and the per-source reports."""

    panel: pd.DataFrame
    path: Path | None
    reports: tuple[Any, ...]
    panel_report: Any
    skipped: pd.DataFrame  # indicators that cannot be fetched, with the reason


def default_years(today: date | None = None) -> list[int]:
    """2010 up to the current year (SOL lists the latest year as preliminary once it is out)."""
    return list(range(FIRST_YEAR, (today or date.today()).year + 1))


def indicators_to_fetch(loften: list[Any], source: str = "sol") -> tuple[list[str], pd.DataFrame]:
    """``(fetchable indicator ids, rows that cannot be fetched with the reason)`` for ``loften``.

    ``source="kolada"`` keeps the SOL indicators that also have a Kolada KPI (per 100 000, no
    counts); the others are listed as skipped with that reason.
    """
    from .catalogue import INDICATOR_SOURCES, fetch_plan

    plans = pd.concat([fetch_plan(lf) for lf in loften], ignore_index=True)
    ok = plans[plans["fetchable"] & (plans["kind"] == "sol")]
    skipped = plans[~plans["fetchable"]]
    if source == "kolada":
        has = ok["indicator"].map(lambda i: bool(INDICATOR_SOURCES[i].kolada))
        skipped = pd.concat([skipped, ok[~has].assign(
            fetchable=False, reason="ingen Kolada-KPI; hämta från Brå SOL (--source sol)")])
        ok = ok[has]
    return list(dict.fromkeys(ok["indicator"])), skipped.drop_duplicates(["indicator", "reason"])


def _kolada(indicators: list[str], codes: list[str] | None, years: list[int], client: Any, folder: Path,
            refresh: bool) -> tuple[Any, dict]:
    """Kolada KPIs of ``indicators`` (the alternative when SOL cannot be reached)."""
    import json

    from .catalogue import INDICATOR_SOURCES
    from .kolada import fetch_kolada

    kpis = [k for i in indicators if (k := INDICATOR_SOURCES[i].kolada)]
    res = fetch_kolada(kpis, codes, years, client=client, dest_dir=folder, refresh=refresh)
    recs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.provenance.json"))]
    fetched = sorted(str(r.get("downloaded_at", ""))[:10] for r in recs)
    return res, {"source": "kolada", "publisher": "Kolada (RKA; Brå + SCB)",
                 "name": "Kolada v3: " + ", ".join(kpis), "url": "https://api.kolada.se/v3",
                 "file": f"data/raw/kolada ({len(recs)} svar)", "downloaded": fetched[-1] if fetched else "",
                 "sha256": _combined_sha(recs), "vintage": "Kolada kan revidera värden utan förvarning",
                 "preliminary_years": []}


def _population(years: list[int], kommuner: list[str] | None, client: Any, folder: Path,
                refresh: bool) -> tuple[Any, dict]:
    """SCB TAB638 in one POST (290 kommuner × years is far below maxDataCells), cached."""
    from . import scb
    from ._cache import cached_download, read_provenance

    url = f"{scb.BASE_URL}/tables/{scb.TABLE}/data?lang=sv&outputFormat=json-stat2"
    body = scb.population_query(years, kommuner)
    # from(first year): SCB answers 400 for a year it has not published yet (e.g. the preliminary crime year)
    body["selection"][2]["valueCodes"] = [f"from({years[0]})"]
    path = cached_download(url, dest_dir=folder, body=body, client=client,
                           refresh=refresh, source_version=f"SCB PxWeb API v2 {scb.TABLE}")
    res = scb.read_scb_json(path)
    keep = res.frame["year"].between(years[0], years[-1])
    return type(res)(res.frame[keep].reset_index(drop=True), res.report), read_provenance(path)


def _combined_sha(records: list[dict]) -> str:
    return hashlib.sha256("".join(sorted(str(r.get("sha256", "")) for r in records)).encode()).hexdigest()


def _sources(sol_records: list[dict], sol_frame: pd.DataFrame, scb_record: dict) -> list[dict]:
    from .catalogue import SOL_TOPIC, SOL_TOPIC_URL

    prel = sol_frame.attrs.get("vintage", {}).get("bra", {}).get("preliminary_years", [])
    vintage = (", ".join(map(str, prel)) + " preliminärt") if prel else "slutliga uppgifter"
    fetched = sorted({str(r.get("fetched_at", ""))[:10] for r in sol_records} - {""})
    return [
        {"source": "bra", "publisher": "Brå", "name": f"Brå statistikdatabas (SOL): {SOL_TOPIC}",
         "url": SOL_TOPIC_URL, "file": f"data/raw/bra_sol ({len(sol_records)} svar)",
         "downloaded": fetched[-1] if fetched else "", "sha256": _combined_sha(sol_records),
         "vintage": vintage, "preliminary_years": prel},
        {"source": "scb", "publisher": "SCB", "name": "SCB folkmängd 31 december (TAB638, BE0101N1)",
         "url": scb_record.get("url", ""), "file": "data/raw/scb",
         "downloaded": str(scb_record.get("downloaded_at", ""))[:10], "sha256": scb_record.get("sha256", ""),
         "vintage": "", "preliminary_years": []},
    ]


def fetch_for_loften(
    loften: list[Any],
    *,
    years: list[int] | None = None,
    kommuner: list[str] | None = None,
    out: str | Path | None = None,
    client: Any | None = None,
    sol_verify: bool | str = True,
    refresh: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    source: str = "sol",
) -> FetchResult:
    """Fetch every fetchable indicator of ``loften`` plus population and write the panel.

    Parameters
    ----------
    loften
        Löfte ids or :class:`~lofteeval.registry.Lofte` objects.
    years
        Years to fetch (default :func:`default_years`).
    kommuner
        Kommun codes or names (default all 290: the treated kommuner and every possible comparison).
        Given explicitly, the treated kommuner are always added.
    out
        Panel file (default ``data/processed/panel.parquet``); ``False``-y ``""`` writes nothing.
    client
        One ``httpx.Client`` for all requests (tests: ``MockTransport``); default new clients.
    sol_verify
        TLS verification for statistik.bra.se (see :mod:`.sol`).
    refresh
        Fetch again even when cached.
    progress
        ``progress(done, total, what)`` after each SOL query.
    source
        ``"sol"`` (default: Brå statistikdatabas, counts and rates) or ``"kolada"`` (the Kolada KPIs
        of the indicators that have one: rates only, fewer categories; use when SOL is unreachable).

    Raises
    ------
    FetchError
        Offline or an upstream failure (nothing is written).
    DataError
        A löfte with nothing fetchable, a changed upstream layout, or a panel that fails validation.
    """
    from .. import config
    from .._types import check_literal
    from ..harmonise.kommuner import kommun_codes
    from ..harmonise.panel import build_panel, save_panel
    from .catalogue import as_lofte
    from .sol import fetch_sol

    check_literal(source, Source, "source")
    lfs = [as_lofte(x) for x in loften]
    indicators, skipped = indicators_to_fetch(lfs, source)
    if not indicators:
        raise DataError(f"nothing to fetch for {', '.join(lf.id for lf in lfs)}: none of its indicators "
                        "has a kommun-level official source (see `lofteeval data plan ID`).")
    years = sorted({int(y) for y in (years or default_years())})
    codes = None
    if kommuner:
        codes = sorted(set(kommun_codes(list(kommuner))) | {k for lf in lfs for k in lf.kommuner})
    raw = config.raw_dir()
    scb_frame, scb_rec = _population(years, codes, client, raw / "scb", refresh)
    if source == "kolada":
        crime_res, kol_rec = _kolada(indicators, codes, years, client, raw / "kolada", refresh)
        sources = [kol_rec, _sources([], crime_res.frame, scb_rec)[1]]
    else:
        crime_res = fetch_sol(indicators, codes, years, client=client, verify=sol_verify, dest_dir=raw / "bra_sol",
                              refresh=refresh, progress=progress, population=scb_frame.frame)
        sources = _sources(crime_res.frame.attrs.pop("_records", []), crime_res.frame, scb_rec)
    panel, report = build_panel(crime_res.frame, scb_frame.frame, return_report=True)
    panel.attrs.update({"synthetic": False, "data_sources": sources,
                        "vintage": crime_res.frame.attrs.get("vintage", {}),
                        "loften": [lf.id for lf in lfs], "years": [years[0], years[-1]]})
    path = None
    if out != "":
        path = save_panel(panel, Path(out) if out else config.processed_dir() / "panel.parquet")
    return FetchResult(panel, path, (scb_frame.report, crime_res.report), report, skipped)

