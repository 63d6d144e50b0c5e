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
from ._checks import check_range, check_years, named
from ._finish import ImportResult, finish
from ._parse import describe_input, parse_number, read_text
from ._scb_dims import eliminate as _eliminate, labels as _labels
from ._sniff import refuse_non_json

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
        refuse_non_json(payload, _where(payload))
        text, _ = read_text(payload)
    else:
        text = str(payload).lstrip("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{_where(payload)}: SCB response is not valid JSON ({exc.msg} at line {exc.lineno}); "
                        "a truncated download or an HTML error page?") from None
    except RecursionError:
        raise DataError(f"{_where(payload)}: JSON nested too deeply to be an SCB response; download it again.") from None
    if not isinstance(data, dict):
        raise DataError(f"{_where(payload)}: SCB response must be a JSON object (json-stat2 dataset or v1 'json'); got a "
                        f"JSON {type(data).__name__}. Request outputFormat=json-stat2.")
    return data


def _where(payload: Any) -> str:
    if isinstance(payload, (bytes, bytearray, Path)):
        return describe_input(payload)
    if isinstance(payload, str) and not payload.lstrip("\ufeff ").startswith("{"):
        return describe_input(payload)
    return "scb"


def _category_codes(dim: Any, name: str) -> list[str]:
    category = dim.get("category") if isinstance(dim, dict) else None
    if not isinstance(category, dict):
        raise DataError(f"json-stat2 dimension {name!r} must be an object with a 'category'; got {str(dim)[:60]!r}.")
    index = category.get("index")
    if index is None:
        labels = category.get("label") or {}
        if isinstance(labels, dict) and len(labels) == 1:
            return list(labels)
        raise DataError(f"json-stat2 dimension {name!r} has no category.index.")
    if isinstance(index, list):
        return [str(c) for c in index]
    if not isinstance(index, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in index.values()):
        raise DataError(f"json-stat2 dimension {name!r}: category.index must be a list of codes or an "
                        f"object code -> position; got {str(index)[:60]!r}.")
    if sorted(index.values()) != list(range(len(index))):
        raise DataError(f"json-stat2 dimension {name!r}: category.index positions must be 0..{len(index) - 1}, "
                        f"each once; got {sorted(index.values())[:10]}.")
    return [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]


def _dense(obj: Any, n: int, fill: Any, what: str) -> list:
    """A dense list of ``n`` from a json-stat2 ``value``/``status`` list, sparse object or single status."""
    if obj is None:
        return [fill] * n
    if isinstance(obj, str) and what == "status":  # json-stat2 allows one status for every cell
        return [obj] * n
    if isinstance(obj, list):
        if len(obj) != n:
            raise DataError(f"json-stat2 has {len(obj)} {what} entries but size needs {n}; truncated response?")
        return obj
    if not isinstance(obj, dict):
        raise DataError(f"json-stat2 '{what}' must be a list or an object index -> {what}; got {type(obj).__name__}.")
    out = [fill] * n
    for k, v in obj.items():
        try:
            i = int(k)
        except ValueError:
            i = -1
        if not 0 <= i < n or str(k).strip() != str(i):
            raise DataError(f"json-stat2 sparse '{what}' has the index {str(k)[:20]!r}, but indexes must be whole "
                            f"numbers 0-{n - 1} (size gives {n} cells); a damaged or edited response. Download it again.")
        out[i] = v
    return out


def decode_jsonstat2(payload: Any) -> pd.DataFrame:
    """Decode a json-stat2 dataset into a long frame: one column per dimension, ``value``, ``status``.

    Raises
    ------
    DataError
        Not a json-stat2 dataset, or ``len(value) != prod(size)``.
    """
    data = _json(payload)
    with named(_where(payload)):
        return _decode(data)


def _decode(data: dict) -> pd.DataFrame:
    if "dimension" not in data or "id" not in data:
        raise DataError(f"not a json-stat2 dataset (keys {sorted(data)[:6]}); request outputFormat=json-stat2.")
    ids, dims = data["id"], data["dimension"]
    if not isinstance(ids, list) or not all(isinstance(d, str) for d in ids) or not isinstance(dims, dict):
        raise DataError("json-stat2 'id' must be a list of dimension names and 'dimension' an object.")
    missing = [d for d in ids if d not in dims]
    if missing:
        raise DataError(f"json-stat2 'id' names dimensions {missing} that 'dimension' does not describe.")
    codes = [_category_codes(dims[d], d) for d in ids]
    size = data.get("size", [len(c) for c in codes])
    if not isinstance(size, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in size):
        raise DataError(f"json-stat2 'size' must be a list of whole numbers; got {str(size)[:60]!r}.")
    if [len(c) for c in codes] != size:
        raise DataError(f"json-stat2 size {size} does not match the category counts {[len(c) for c in codes]}.")
    total = math.prod(size)
    values = data.get("value")
    if isinstance(values, list) and len(values) != total:
        raise DataError(f"json-stat2 has {len(values)} values but size {size} needs {total}; truncated response?")
    frame = pd.DataFrame(list(itertools.product(*codes)), columns=ids, dtype=str) if total else pd.DataFrame(columns=ids)
    frame["value"] = pd.Series(_dense(values, total, None, "value"), dtype=object).to_numpy()
    frame["status"] = [s if isinstance(s, str) else "" if s is None else str(s)[:20]
                       for s in _dense(data.get("status"), total, "", "status")]
    return frame


def _v1_json(data: dict, where: str) -> pd.DataFrame:
    cols = data["columns"]
    if not isinstance(cols, list) or not all(isinstance(c, dict) and "code" in c for c in cols):
        raise DataError(f"{where}: v1 'columns' must be a list of {{code, type}} objects.")
    dims = [c["code"] for c in cols if c.get("type") in ("d", "t")]
    contents = [c["code"] for c in cols if c.get("type") == "c"]
    rows: list[list[Any]] = []
    for i, row in enumerate(data.get("data") or [], 1):
        key = row.get("key") if isinstance(row, dict) else None
        vals = row.get("values") if isinstance(row, dict) else None
        if not isinstance(key, list) or len(key) != len(dims) or not isinstance(vals, list) or len(vals) != len(contents):
            raise DataError(f"{where}: v1 data row {i} must have a 'key' of {len(dims)} codes {dims} and "
                            f"'values' of {len(contents)}; got {str(row)[:80]!r}. A damaged response?")
        rows.extend([*map(str, key), content, raw] for content, raw in zip(contents, vals))
    frame = pd.DataFrame(rows, columns=[*dims, "ContentsCode", "value"], dtype=object)
    frame["status"] = ""
    return frame


def _values(frame: pd.DataFrame, where: str) -> tuple[np.ndarray, list[str]]:
    """Population numbers and flags: JSON numbers or number strings; status codes flag NaN.

    Booleans, lists, text and non-finite numbers raise; so do negative, fractional or absurd
    (above 12 million: more than Sweden) populations.
    """
    out, flags, bad = np.full(len(frame), np.nan), [], []
    for i, (raw, status) in enumerate(zip(frame["value"].tolist(), frame["status"].tolist())):
        code = raw.strip() if isinstance(raw, str) else None
        flag = SCB_STATUS.get(str(status).strip(), "") or SCB_STATUS.get(code or "\0", "")
        if raw is None or code in SCB_STATUS:
            flags.append(flag or "missing")
            continue
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise ValueError
            out[i] = parse_number(raw)
        except ValueError:
            bad.append(f"cell {i + 1} {'a boolean' if isinstance(raw, bool) else repr(raw)[:30]}")
        flags.append(flag)
    if bad:
        raise DataError(f"{where}: SCB values must be numbers or null (status codes {list(SCB_STATUS)} as strings); "
                        f"{len(bad)} are not: {', '.join(bad[:5])}. A damaged or edited response; download it again.")
    values = pd.Series(out)
    check_range(values, "value", where, high=12_000_000.0, what="a population (0 to 12 million, more than Sweden)",
                fix="is this table population (BE0101N1)?")
    frac = values.notna() & (values != values.round())
    if frac.any():
        raise DataError(f"{where}: a population must be a whole number of people; {int(frac.sum())} value(s) "
                        f"are not (e.g. {values[frac].iloc[0]:g}, cell {frac.idxmax() + 1}). Is this table population "
                        "(BE0101N1), or a mean/rate?")
    return out, flags


def _find_dim(columns: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def read_scb_json(payload: Any, *, unknown: Literal["raise", "drop"] = "raise") -> ImportResult:
    """Parse an SCB population response (json-stat2 or v1 ``json``) into tidy ``population`` rows.

    Rows of other contents codes (e.g. BE0101N2 Folkökning) are dropped with a reason.  Extra
    dimensions left in the response (age, sex, civil status) give totals only safely: a total
    category is selected (its parts dropped with a count, never added to it), a complete partition
    is summed with a count, anything else raises (:mod:`._scb_dims`).  Riket ``00`` and län rows
    are dropped with their reasons.  Values must be JSON numbers or null (status codes as
    strings), whole, 0 to 12 million; ``Tid`` must be a year; sparse indexes must lie in range.

    Returns
    -------
    ImportResult
        ``(frame, report)``: ``indicator="population"``, ``unit="count"``, ``source="scb"``.
    """
    data = _json(payload)
    where = _where(payload)
    with named(where):
        frame = _v1_json(data, where) if "columns" in data and "data" in data else decode_jsonstat2(data)
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
    value, flag = _values(frame, where)
    odd = Counter(str(st).strip() for st in frame["status"] if str(st).strip() and str(st).strip() not in SCB_STATUS)
    if odd:
        notes.append("status codes lofteeval does not know, values kept unflagged: "
                     + ", ".join(f"{k!r} ({n} cells)" for k, n in sorted(odd.items())[:5]))
    frame = frame.assign(value=value, flag=flag)
    extra = [c for c in frame.columns if c not in {region, tid, content, "value", "status", "flag"}]
    frame = _eliminate(frame, extra, [region, tid], _labels(data), where, dropped, notes)
    frame = frame.assign(flag=np.where(frame["value"].isna() & (frame["flag"] == ""), "missing", frame["flag"]))
    raw = pd.DataFrame({
        "kommun": frame[region].astype(str).str.split(" ", n=1).str[0].to_numpy(),
        "year": check_years(frame[tid].reset_index(drop=True), tid, where).to_numpy(), "indicator": "population",
        "value": frame["value"].to_numpy(), "unit": "count", "flag": frame["flag"].to_numpy(),
        "n": np.nan, "se": np.nan,
    })
    for label in ("updated", "source"):
        if data.get(label):
            notes.append(f"{label}: {str(data[label])[:80]}")
    with named(where):
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
