"""Kolada (api.kolada.se v3): KPI values per kommun and year — parser and fetcher.

Format (``../shared/SOURCES.md`` §1): an envelope ``{"values": [...], "count", "next_url",
"previous_url"}`` (v2: ``next_page``/``previous_page``); each item ``{"kpi", "municipality",
"period", "values": [{"gender": "T"|"K"|"M", "count", "status", "value"}]}``.

Rules applied by :func:`read_kolada_json`:

- ``period`` is coerced to ``int``; only ``gender == "T"`` is kept (an item without a T entry is
  dropped with its reason);
- ``value: null`` or ``status: "Missing"`` → NaN flagged ``missing``; string codes ``..``/``-``
  → NaN flagged (``suppressed``/``missing``);
- rows with a truthy ``isdeleted``/``is_deleted`` (only with ``from_date`` queries) are dropped;
- riket ``0000`` and regions ``00LL`` are dropped with their reason;
- KPIs map to indicator ids through :data:`KOLADA_KPIS` (N07403 "anmälda våldsbrott" per
  100 000 → ``reported_violent_crimes``); others (e.g. U07417/U07418 three-year means) are
  dropped with the reason "KPI not mapped" and listed in the report notes;
- U07452 is per 1 000 inhabitants and is multiplied by 100 to per 100 000 (noted);
- a crime-rate value of exactly 0 is kept but flagged ``zero_maybe_missing``: Kolada documents
  for its Brå KPIs that "bortfall räknas som 0".

Licence: free use; cite "Källa: Kolada"; processed data must not be attributed to Kolada.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ._finish import ImportResult, finish
from ._parse import DEFAULT_CODES, describe_input, read_text

__all__ = ["KOLADA_KPIS", "KoladaKpi", "BASE_URL", "read_kolada_json", "fetch_kolada", "kolada_urls"]

BASE_URL = "https://api.kolada.se/v3"
MAX_IDS = 25  # ids per path segment (SOURCES.md §1.2)


@dataclass(frozen=True)
class KoladaKpi:
    """How one Kolada KPI becomes a tidy indicator: id, unit and the factor to that unit."""

    indicator: str
    unit: str
    factor: float = 1.0
    note: str = ""


KOLADA_KPIS: dict[str, KoladaKpi] = {
    "N07540": KoladaKpi("reported_crimes_total", "per_100k"),
    "N07544": KoladaKpi("reported_drug_offences", "per_100k"),
    "N07546": KoladaKpi("reported_residential_burglary", "per_100k"),
    "N07403": KoladaKpi("reported_violent_crimes", "per_100k"),
    "N07402": KoladaKpi("reported_domestic_violence", "per_100k"),
    "N07548": KoladaKpi("reported_traffic_offences", "per_100k", note="N07548 title unverified (SOURCES.md §1.5)"),
    "U07452": KoladaKpi("reported_criminal_damage", "per_100k", 100.0,
                        "U07452 is per 1 000 inhabitants; multiplied by 100 to per 100 000"),
    "N01951": KoladaKpi("population", "count"),
}
_KNOWN_UNMAPPED = {
    "U07418": "violent crimes, three-year mean per 1 000 (not annual)",
    "U07417": "theft, three-year mean per 1 000 (not annual)",
}


def _load(payload: Any) -> list[dict]:
    """Pages (dicts) from a dict, a list of pages, JSON text/bytes or a path."""
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        if payload and all(isinstance(p, dict) for p in payload):
            return payload if all("values" in p for p in payload) else [{"values": payload}]
        kinds = sorted({type(p).__name__ for p in payload}) or ["nothing"]
        raise DataError(f"not a Kolada data response: a JSON list of {', '.join(kinds)} (expected the "
                        "envelope {\"values\": [...]} from the /data endpoints, or a list of such pages).")
    if isinstance(payload, (str, Path)) and not str(payload).lstrip().startswith(("{", "[")):
        text, _ = read_text(payload)
    elif isinstance(payload, (bytes, bytearray)):
        text, _ = read_text(payload)
    else:
        text = str(payload)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{describe_input(payload) if not isinstance(payload, str) or len(payload) < 200 else '<json>'}: "
                        f"not valid JSON ({exc.msg} at line {exc.lineno}); a truncated download?") from None
    if not isinstance(data, (dict, list)):
        raise DataError(f"not a Kolada data response: a JSON {type(data).__name__} (expected the envelope "
                        "{\"values\": [...]} from the /data endpoints).")
    return _load(data)


def _entries(pages: list[dict], where: str) -> Iterator[dict]:
    for page in pages:
        if "values" not in page:
            keys = sorted(page)[:6]
            raise DataError(f"{where}: not a Kolada data response: no 'values' key (keys {keys}); "
                            "use the /data/kpi/... endpoints.")
        items = page["values"]
        if not isinstance(items, list):
            raise DataError(f"{where}: 'values' must be a list of KPI items (got {type(items).__name__}).")
        for item in items:
            values = item.get("values") if isinstance(item, dict) else None
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise DataError(f"{where}: each item must be an object with a 'values' list of "
                                f"{{gender, value}} objects (got {str(item)[:80]!r}); is this a Kolada "
                                "/data response?")
            yield item


def _value(entry: dict) -> tuple[float, str]:
    raw, status = entry.get("value"), str(entry.get("status") or "")
    if status.lower() == "missing" or raw is None:
        return np.nan, "missing"
    if isinstance(raw, str):
        key = raw.strip()
        if key in DEFAULT_CODES:
            return np.nan, DEFAULT_CODES[key]
        try:
            return float(key.replace(",", ".").replace(" ", "")), ""
        except ValueError:
            raise DataError(f"Kolada value {raw!r} is neither a number nor a known code "
                            f"({', '.join(repr(k) for k in DEFAULT_CODES if k)}); fix the file or "
                            "report the new code.") from None
    return float(raw), ""


def read_kolada_json(
    payload: Any, *, unknown: Literal["raise", "drop"] = "raise",
) -> ImportResult:
    """Parse Kolada ``/data`` responses into tidy rows.

    Parameters
    ----------
    payload
        One response (dict), a list of pages, JSON text/bytes, or a path to a saved response.
    unknown
        Unresolvable municipality ids: ``"raise"`` (default) or ``"drop"``.

    Returns
    -------
    ImportResult
        ``(frame, report)`` with ``source="kolada"``; crime KPIs as ``per_100k`` (``n`` NaN:
        Kolada gives no counts), N01951 as ``population`` counts.
    """
    is_path = isinstance(payload, Path) or (isinstance(payload, str) and not payload.lstrip().startswith(("{", "[")))
    where = describe_input(payload) if is_path or isinstance(payload, bytes) else "kolada"
    pages = _load(payload)
    dropped: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    rows, notes = [], set()
    rows_in = 0
    for item in _entries(pages, where):
        rows_in += 1
        if item.get("isdeleted") or item.get("is_deleted"):
            dropped["deleted in Kolada (isdeleted)"] += 1
            continue
        kpi = str(item.get("kpi", ""))
        spec = KOLADA_KPIS.get(kpi)
        if spec is None:
            unmapped[kpi] += 1
            dropped["KPI not mapped to an indicator"] += 1
            continue
        total = [v for v in item.get("values") or [] if str(v.get("gender", "T")).upper() == "T"]
        if not total:
            dropped["no total (gender T) value"] += 1
            continue
        try:
            period = int(str(item["period"]).strip()[:4])
        except (KeyError, ValueError):
            raise DataError(f"{where}: item without a usable 'period' ({item.get('period')!r}) for KPI {kpi}.") from None
        value, flag = _value(total[0])
        if spec.factor != 1.0:
            value *= spec.factor
        if spec.note:
            notes.add(spec.note)
        if spec.unit == "per_100k" and value == 0.0:
            flag = "zero_maybe_missing"
        rows.append((str(item.get("municipality", "")), period, spec.indicator, value, spec.unit, flag))
    raw = pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "unit", "flag"])
    raw["year"] = raw["year"].astype("int64")
    raw["value"] = raw["value"].astype(float)
    if unmapped:
        notes.add("unmapped KPIs: " + ", ".join(
            f"{k} ({c} rows{'; ' + _KNOWN_UNMAPPED[k] if k in _KNOWN_UNMAPPED else ''})" for k, c in sorted(unmapped.items())))
    return finish(raw, source="kolada", where=where, rows_in=rows_in, dropped=dropped,
                  notes=sorted(notes), unknown=unknown)


def _batches(ids: Iterable[object], size: int = MAX_IDS) -> list[str]:
    items = [str(i) for i in ids]
    return [",".join(items[i:i + size]) for i in range(0, len(items), size)]


def kolada_urls(kpis: Iterable[str], kommuner: Iterable[str] | None, years: Iterable[int], *,
                base_url: str = BASE_URL) -> list[str]:
    """First-page URLs, with at most 25 ids per path segment."""
    kpis, years = list(kpis), [int(y) for y in years]
    if not kpis or not years:
        raise DataError("fetch_kolada needs at least one KPI id and one year.")
    urls = []
    for kb in _batches(kpis):
        for yb in _batches(years):
            if kommuner is None:
                urls.append(f"{base_url}/data/kpi/{kb}/year/{yb}")
            else:
                urls.extend(f"{base_url}/data/kpi/{kb}/municipality/{mb}/year/{yb}" for mb in _batches(kommuner))
    return urls


def fetch_kolada(
    kpis: Iterable[str],
    kommuner: Iterable[object] | None = None,
    years: Iterable[int] = range(2010, 2025),
    *,
    client: Any | None = None,
    dest_dir: str | Path | None = None,
    refresh: bool = False,
    base_url: str = BASE_URL,
) -> ImportResult:
    """Download KPI values from Kolada v3 (cached under ``data/raw/kolada``) and parse them.

    Parameters
    ----------
    kpis
        KPI ids, e.g. ``["N07540", "N01951"]``.
    kommuner
        Kommun codes or names; ``None`` (default) fetches every municipality in one call per batch.
    years
        Years to fetch (default 2010-2024).
    client
        An ``httpx.Client`` (tests use ``httpx.MockTransport``).
    dest_dir, refresh
        Cache folder (default ``data/raw/kolada``) and whether to download again.

    Returns
    -------
    ImportResult
        As :func:`read_kolada_json`, over every page of every batch.

    Raises
    ------
    FetchError
        Network/HTTP failure or a changed cache file.
    """
    from .. import config
    from ._cache import cached_download

    codes = None
    if kommuner is not None:
        from ..harmonise.kommuner import kommun_codes

        codes = list(kommun_codes(list(kommuner)))
    folder = Path(dest_dir) if dest_dir is not None else config.raw_dir() / "kolada"
    pages: list[dict] = []
    for first in kolada_urls(kpis, codes, years, base_url=base_url):
        url: str | None = first
        seen = set()
        while url and url not in seen:
            seen.add(url)
            path = cached_download(url, dest_dir=folder, client=client, refresh=refresh, source_version="kolada v3")
            page = _load(path)[0]
            pages.append(page)
            url = page.get("next_url") or page.get("next_page")
    return read_kolada_json(pages)
