"""SCB PxWeb: population per kommun (TAB638 / BefolkningNy) — json-stat2 and v1 JSON parsers, fetcher.

Formats (``../shared/SOURCES.md`` §2):

- **json-stat2** (API v2, also v1 with ``response.format = json-stat2``): ``id``, ``size``,
  ``dimension[d].category.index`` (dict or list), ``value`` row-major over ``id`` with the last
  dimension fastest (list or sparse dict), ``status`` (dict index → code, or list).
- **v1 ``format: json``**: ``columns`` (``type`` d/t/c) and ``data`` rows ``{"key": [...],
  "values": ["48000"]}`` with string values and ``".."`` for missing.
- Bodies may start with a UTF-8 BOM (v1); they are decoded with ``utf-8-sig``.

Status codes: ``..`` → ``suppressed``, ``.`` → ``not_applicable``, ``...`` and ``-`` →
``missing`` (for population a dash cannot mean a true zero).  Population is 31 December of the
year (``Tid``), in the kommun division of 1 January the next year.  Licence CC0 ("Källa: SCB").
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ._finish import ImportResult, finish
from ._parse import describe_input, parse_number, read_text

__all__ = ["BASE_URL", "TABLE", "decode_jsonstat2", "read_scb_json", "population_query", "fetch_scb_population"]

BASE_URL = "https://statistikdatabasen.scb.se/api/v2"
TABLE = "TAB638"
POPULATION_CONTENT = "BE0101N1"
SCB_STATUS = {"..": "suppressed", ".": "not_applicable", "...": "missing", "-": "missing"}
DEFAULT_LIMITS = {"maxDataCells": 150_000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}


def _json(payload: Any) -> dict:
    if isinstance(payload, dict):
        return payload
    if isinstance(payload, (bytes, bytearray)) or (isinstance(payload, (str, Path)) and not str(payload).lstrip("\ufeff ").startswith("{")):
        text, _ = read_text(payload)
    else:
        text = str(payload).lstrip("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"SCB response is not valid JSON ({exc.msg} at line {exc.lineno}); a truncated "
                        "download or an HTML error page?") from None
    if not isinstance(data, dict):
        raise DataError(f"SCB response must be a JSON object (json-stat2 dataset or v1 'json'); got a "
                        f"JSON {type(data).__name__}. Request outputFormat=json-stat2.")
    return data


def _category_codes(dim: dict, name: str) -> list[str]:
    index = dim.get("category", {}).get("index")
    if index is None:
        labels = dim.get("category", {}).get("label", {})
        if len(labels) == 1:
            return list(labels)
        raise DataError(f"json-stat2 dimension {name!r} has no category.index.")
    if isinstance(index, list):
        return [str(c) for c in index]
    return [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]


def _dense(obj: Any, n: int, fill: Any) -> list:
    if obj is None:
        return [fill] * n
    if isinstance(obj, list):
        return obj if len(obj) == n else obj + [fill] * (n - len(obj)) if len(obj) < n else obj
    out = [fill] * n
    for k, v in obj.items():
        out[int(k)] = v
    return out


def decode_jsonstat2(payload: Any) -> pd.DataFrame:
    """Decode a json-stat2 dataset into a long frame: one column per dimension, ``value``, ``status``.

    Raises
    ------
    DataError
        Not a json-stat2 dataset, or ``len(value) != prod(size)``.
    """
    data = _json(payload)
    if "dimension" not in data or "id" not in data:
        raise DataError(f"not a json-stat2 dataset (keys {sorted(data)[:6]}); request outputFormat=json-stat2.")
    ids = list(data["id"])
    codes = [_category_codes(data["dimension"][d], d) for d in ids]
    size = [int(s) for s in data.get("size", [len(c) for c in codes])]
    if [len(c) for c in codes] != size:
        raise DataError(f"json-stat2 size {size} does not match the category counts {[len(c) for c in codes]}.")
    total = math.prod(size)
    values = data.get("value")
    if isinstance(values, list) and len(values) != total:
        raise DataError(f"json-stat2 has {len(values)} values but size {size} needs {total}; truncated response?")
    frame = pd.DataFrame(list(itertools.product(*codes)), columns=ids, dtype=str) if total else pd.DataFrame(columns=ids)
    frame["value"] = pd.Series(_dense(values, total, None), dtype=object).to_numpy()
    frame["status"] = [s or "" for s in _dense(data.get("status"), total, "")]
    return frame


def _v1_json(data: dict) -> pd.DataFrame:
    cols = data["columns"]
    dims = [c["code"] for c in cols if c.get("type") in ("d", "t")]
    contents = [c["code"] for c in cols if c.get("type") == "c"]
    rows = []
    for row in data.get("data", []):
        for content, raw in zip(contents, row.get("values", [])):
            rows.append([*row["key"], content, raw])
    frame = pd.DataFrame(rows, columns=[*dims, "ContentsCode", "_raw"], dtype=object)
    status = frame["_raw"].astype(str).str.strip()
    frame["status"] = status.where(status.isin(list(SCB_STATUS)), "")
    frame["value"] = [None if s else parse_number(r) for r, s in zip(frame["_raw"], frame["status"])]
    return frame.drop(columns="_raw")


def _find_dim(columns: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def read_scb_json(payload: Any, *, unknown: Literal["raise", "drop"] = "raise") -> ImportResult:
    """Parse an SCB population response (json-stat2 or v1 ``json``) into tidy ``population`` rows.

    Rows of other contents codes (e.g. BE0101N2 Folkökning) are dropped with a reason; extra
    dimensions left in the response (age, sex, civil status) are summed over, with a note; riket
    ``00`` and län rows are dropped with their reasons.

    Returns
    -------
    ImportResult
        ``(frame, report)``: ``indicator="population"``, ``unit="count"``, ``source="scb"``.
    """
    data = _json(payload)
    where = describe_input(payload) if isinstance(payload, (bytes, Path)) else "scb"
    frame = _v1_json(data) if "columns" in data and "data" in data else decode_jsonstat2(data)
    region = _find_dim(list(frame.columns), ("region",))
    tid = _find_dim(list(frame.columns), ("tid", "år", "year"))
    content = _find_dim(list(frame.columns), ("contentscode",))
    if region is None or tid is None:
        raise DataError(f"{where}: SCB response needs Region and Tid dimensions (got {list(frame.columns)}).")
    rows_in, dropped, notes = len(frame), Counter[str](), []
    if content is not None:
        other = frame[content] != POPULATION_CONTENT
        if other.any():
            dropped[f"ContentsCode not {POPULATION_CONTENT} (Folkmängd)"] += int(other.sum())
            frame = frame[~other]
    extra = [c for c in frame.columns if c not in {region, tid, content, "value", "status"}]
    frame = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce").astype(float),
                         flag=frame["status"].map(lambda s: SCB_STATUS.get(str(s), "")))
    if extra and len(frame):
        before = len(frame)
        frame = frame.groupby([region, tid], as_index=False, sort=False).agg(
            value=("value", lambda s: s.sum(min_count=len(s))),
            flag=("flag", lambda s: ";".join(sorted({f for f in s if f}))),
        )
        dropped[f"summed over {', '.join(extra)} into kommun totals"] += before - len(frame)
        notes.append(f"response kept dimensions {extra}; summed to totals (select them out to let SCB eliminate them)")
    frame = frame.assign(flag=np.where(frame["value"].isna() & (frame["flag"] == ""), "missing", frame["flag"]))
    raw = pd.DataFrame({
        "kommun": frame[region].astype(str).str.split(" ", n=1).str[0].to_numpy(),
        "year": frame[tid].astype(str).str[:4].astype(int).to_numpy(), "indicator": "population",
        "value": frame["value"].to_numpy(), "unit": "count", "flag": frame["flag"].to_numpy(),
        "n": np.nan, "se": np.nan,
    })
    for label in ("updated", "source"):
        if data.get(label):
            notes.append(f"{label}: {data[label]}")
    return finish(raw, source="scb", where=where, rows_in=rows_in, dropped=dropped, notes=notes, unknown=unknown)


def population_query(years: list[int], kommuner: list[str] | None = None) -> dict:
    """The v2 POST body selecting BE0101N1 for kommuner and years (other variables eliminated)."""
    return {
        "selection": [
            {"variableCode": "Region", "codelist": "vs_RegionKommun07", "valueCodes": kommuner or ["*"]},
            {"variableCode": "ContentsCode", "valueCodes": [POPULATION_CONTENT]},
            {"variableCode": "Tid", "valueCodes": [str(y) for y in years]},
        ],
        "placement": {"heading": [], "stub": []},
    }


def _limits(client: Any, base_url: str) -> dict:
    from ..errors import FetchError
    from ._cache import request_with_retry

    try:
        conf = request_with_retry(client, "GET", f"{base_url}/config").json()
    except (FetchError, ValueError):
        return dict(DEFAULT_LIMITS)
    return {k: conf.get(k, v) for k, v in DEFAULT_LIMITS.items()}


def fetch_scb_population(
    years: Any,
    *,
    kommuner: list[object] | None = None,
    client: Any | None = None,
    dest_dir: str | Path | None = None,
    refresh: bool = False,
    base_url: str = BASE_URL,
) -> ImportResult:
    """Download folkmängd 31 December (TAB638, BE0101N1) per kommun and year from SCB API v2.

    The request is split by years so each call stays under ``maxDataCells`` from ``/config`` and
    calls are spaced to respect ``maxCallsPerTimeWindow``; responses are cached under
    ``data/raw/scb`` with provenance.

    Returns
    -------
    ImportResult
        As :func:`read_scb_json`, over all calls.
    """
    import httpx

    from .. import config
    from . import _cache

    years = sorted({int(y) for y in years})
    codes = None
    if kommuner is not None:
        from ..harmonise.kommuner import kommun_codes

        codes = list(kommun_codes(list(kommuner)))
    folder = Path(dest_dir) if dest_dir is not None else config.raw_dir() / "scb"
    own = client is None
    client = client or httpx.Client(timeout=60.0, headers={"User-Agent": _cache.USER_AGENT})
    try:
        limits = _limits(client, base_url)
        per_call = max(1, int(limits["maxDataCells"]) // max(1, len(codes or range(312))))
        pause = float(limits["timeWindow"]) / max(1, int(limits["maxCallsPerTimeWindow"]))
        url = f"{base_url}/tables/{TABLE}/data?lang=sv&outputFormat=json-stat2"
        frames, reports = [], []
        for i in range(0, len(years), per_call):
            if i:
                _cache._sleep(pause)
            path = _cache.cached_download(url, dest_dir=folder, body=population_query(years[i:i + per_call], codes),
                                          client=client, refresh=refresh, source_version=f"SCB PxWeb API v2 {TABLE}")
            res = read_scb_json(path)
            frames.append(res.frame)
            reports.append(res.report)
    finally:
        if own:
            client.close()
    if len(frames) == 1:
        return ImportResult(frames[0], reports[0])
    return _combine(frames, reports)


def _combine(frames: list[pd.DataFrame], reports: list[Any]) -> ImportResult:
    import dataclasses

    first = reports[0]
    dropped, flagged = Counter[str](), Counter[str]()
    for r in reports:
        dropped.update(r.rows_dropped)
        flagged.update(r.rows_flagged)
    report = dataclasses.replace(
        first, rows_in=sum(r.rows_in for r in reports), rows_out=sum(r.rows_out for r in reports),
        rows_dropped=dict(dropped), rows_flagged=dict(flagged),
        notes=tuple(dict.fromkeys(n for r in reports for n in r.notes)),
    )
    return ImportResult(pd.concat(frames, ignore_index=True), report)
