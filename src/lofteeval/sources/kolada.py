"""Kolada (api.kolada.se v3): KPI values per kommun and year — parser and fetcher.

Format (``../shared/SOURCES.md`` §1): an envelope ``{"values": [...], "count", "next_url",
"previous_url"}`` (v2: ``next_page``/``previous_page``); each item ``{"kpi", "municipality",
"period", "values": [{"gender": "T"|"K"|"M", "count", "status", "value"}]}``.

Rules applied by :func:`read_kolada_json`:

- ``period`` must be a year (``2021`` or ``"2021"``; months, fractions and text raise); only
  ``gender == "T"`` is kept (an item without a T entry is dropped with its reason; two T entries
  with different values raise, equal ones are read once and noted);
- ``value: null`` or ``status: "Missing"`` → NaN flagged ``missing``; string codes ``..``/``-``
  → NaN flagged (``suppressed``/``missing``); booleans, lists, objects and non-finite numbers
  raise ``DataError`` (naming file, item, KPI and municipality), as do rates per 100 000 outside
  0-100 000 and populations that are not whole or exceed 12 million;
- JSON nested too deeply to parse, and files that are not JSON from their first bytes, are one
  ``DataError``; items repeated for one kommun-year are dropped with a count (same value) or
  refused (different values);
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
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ._checks import named
from ._finish import ImportResult, finish
from ._parse import DEFAULT_CODES, describe_input, parse_number, read_text
from ._sniff import refuse_non_json

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
    if isinstance(payload, (str, Path)) and not str(payload).lstrip().startswith(("{", "[")) or \
            isinstance(payload, (bytes, bytearray)):
        refuse_non_json(payload, describe_input(payload))
        text, _ = read_text(payload)
    else:
        text = str(payload)
    name = describe_input(payload) if not isinstance(payload, str) or len(payload) < 200 else "<json>"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}); a truncated download?") from None
    except RecursionError:
        raise DataError(f"{name}: JSON nested too deeply to be a Kolada response (thousands of levels of "
                        "[ or {); a Kolada /data response is an envelope of flat items. Download it again.") from None
    if not isinstance(data, (dict, list)):
        raise DataError(f"not a Kolada data response: a JSON {type(data).__name__} (expected the envelope "
                        "{\"values\": [...]} from the /data endpoints).")
    return _load(data)


def _shape(obj: Any) -> str:
    """A short, recursion-safe description of a JSON value for error messages."""
    if isinstance(obj, dict):
        return "an object with keys " + repr(sorted(map(str, obj))[:6])
    if isinstance(obj, list):
        return f"a list of {len(obj)}"
    return f"{obj!r}"[:80]


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
                shown = _shape(values if isinstance(item, dict) else item)
                raise DataError(f"{where}: each item must be an object with a 'values' list of "
                                f"{{gender, value}} objects (got {shown}); is this a Kolada /data response?")
            yield item


def _number(raw: Any, at: str) -> tuple[float, str]:
    """One Kolada ``value``: a JSON number, a number string or a special code; anything else raises."""
    if isinstance(raw, str):
        key = raw.strip()
        if key in DEFAULT_CODES:
            return np.nan, DEFAULT_CODES[key]
        try:
            value = parse_number(key)
        except ValueError:
            raise DataError(f"{at}: value {raw[:40]!r} is neither a number nor a known code "
                            f"({', '.join(repr(k) for k in DEFAULT_CODES if k)}); fix the file or "
                            "report the new code.") from None
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        what = "a boolean" if isinstance(raw, bool) else _shape(raw)
        raise DataError(f"{at}: value must be a number, null or a code string such as '..'; got {what}. "
                        "A Kolada /data response never holds that: the file was edited or is not from Kolada.")
    if not np.isfinite(value):
        raise DataError(f"{at}: value must be finite; got {raw!r}. Fix or remove that value.")
    return value, ""


def _value(entry: dict, at: str) -> tuple[float, str]:
    raw, status = entry.get("value"), entry.get("status")
    status = "" if status is None else status
    if not isinstance(status, str):
        raise DataError(f"{at}: status must be a string such as 'Missing' or ''; got {_shape(status)}.")
    if status.lower() == "missing" or raw is None:
        return np.nan, "missing"
    return _number(raw, at)


def _period(raw: Any, at: str) -> int:
    """A whole year from ``period`` (``2021`` or ``"2021"``); months, fractions and text raise."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 1900 <= raw <= 2100:
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*(19|20)\d\d\s*", raw):
        return int(raw)
    hint = (" Monthly or quarterly periods are not yearly data: use a yearly KPI."
            if isinstance(raw, str) and re.fullmatch(r"\s*\d{4}\s*[-MKQmkq]\s*\d{1,2}\s*", raw) else "")
    raise DataError(f"{at}: 'period' must be a year such as 2021; got {_shape(raw)}.{hint}")


def _total(item: dict, at: str, notes: set[str]) -> dict | None:
    """The item's gender-T entry; two T entries with different values raise, equal ones are noted."""
    total = [v for v in item.get("values") or [] if str(v.get("gender", "T")).upper() == "T"]
    if len(total) > 1:
        seen = {repr(v.get("value")) for v in total}
        if len(seen) > 1:
            raise DataError(f"{at}: {len(total)} total (gender T) entries with different values "
                            f"{sorted(seen)}; Kolada gives one per item. Keep the right one in the file.")
        notes.add(f"{at}: a repeated total (gender T) entry with the same value was read once")
    return total[0] if total else None


_LIMITS = {"per_100k": (100_000.0, "a rate per 100 000 cannot exceed 100 000"),
           "count": (12_000_000.0, "no kommun has more inhabitants than Sweden (~10.6 million)")}


def _plausible(value: float, spec: KoladaKpi, at: str) -> None:
    high, why = _LIMITS[spec.unit]
    if np.isnan(value):
        return
    if value < 0:
        raise DataError(f"{at}: {spec.indicator} ({spec.unit}) must be >= 0; got {value:g}. "
                        "Fix or remove that value.")
    if value > high:
        raise DataError(f"{at}: {spec.indicator} ({spec.unit}) must be at most {high:,.0f} ({why}); "
                        f"got {value:g}. Is the KPI mapped to the right unit? Fix or remove that value.")
    if spec.unit == "count" and value != int(value):
        raise DataError(f"{at}: {spec.indicator} must be a whole count; got {value:g}. Fix that value.")


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
    with named(where):
        pages = _load(payload)
    dropped: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    rows: list[tuple[str, int, str, float, str, str]] = []
    notes: set[str] = set()
    rows_in = 0
    for item in _entries(pages, where):
        rows_in += 1
        deleted = item.get("isdeleted", item.get("is_deleted"))
        if deleted not in (None, True, False, 0, 1):
            raise DataError(f"{where}: item {rows_in}: 'isdeleted' must be true or false; got {_shape(deleted)}. "
                            "A Kolada response never holds that: the file was edited or is not from Kolada.")
        if deleted:
            dropped["deleted in Kolada (isdeleted)"] += 1
            continue
        kpi = str(item.get("kpi", ""))
        spec = KOLADA_KPIS.get(kpi)
        if spec is None:
            unmapped[kpi] += 1
            dropped["KPI not mapped to an indicator"] += 1
            continue
        at = f"{where}: item {rows_in} (KPI {kpi}, municipality {str(item.get('municipality', ''))[:10]!r})"
        total = _total(item, at, notes)
        if total is None:
            dropped["no total (gender T) value"] += 1
            continue
        period = _period(item.get("period"), at)
        value, flag = _value(total, at)
        value *= spec.factor
        _plausible(value, spec, at)
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
    with named(where):
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
    for url in kolada_urls(kpis, codes, years, base_url=base_url):
        pages.extend(_follow_pages(url, folder, client, refresh))
    return read_kolada_json(pages)


MAX_PAGES = 200  # 5 000 values per page: a million values is far beyond any kommun × year query


def _follow_pages(url: str, folder: Path, client: Any, refresh: bool) -> list[dict]:
    """Every page of one query: follows ``next_url``/``next_page`` on the same host only, at most
    :data:`MAX_PAGES` pages, never a page twice."""
    from urllib.parse import urljoin, urlsplit

    from ..errors import FetchError
    from ._cache import cached_download

    host = urlsplit(url).netloc
    pages: list[dict[str, Any]] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen:
        url = next_url
        if len(pages) >= MAX_PAGES:
            raise FetchError(f"Kolada query {url[:80]} still has a next page after {MAX_PAGES} pages; narrow "
                             "the query (fewer KPIs, kommuner or years).")
        seen.add(url)
        path = cached_download(url, dest_dir=folder, client=client, refresh=refresh, source_version="kolada v3")
        page = _load(path)[0]
        pages.append(page)
        nxt = page.get("next_url") or page.get("next_page")
        if nxt:
            nxt = urljoin(url, str(nxt))
            if urlsplit(nxt).netloc != host or urlsplit(nxt).scheme not in ("https", "http"):
                raise FetchError(f"Kolada's next_url points to another host ({urlsplit(nxt).netloc!r}, "
                                 f"expected {host!r}); not followed. Report it, or fetch the pages by hand.")
        next_url = nxt
    return pages
