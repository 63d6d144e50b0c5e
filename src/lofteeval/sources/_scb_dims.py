"""Extra dimensions in an SCB population response: select a total, sum a true partition, or refuse.

A response that keeps ``Kon``, ``Alder`` or ``Civilstand`` (not eliminated in the query) can only
give kommun totals in two safe ways:

- the dimension has **one total category** (code ``tot``/``totalt``/``1+2``, or a label such as
  "totalt", "samtliga", "båda könen"): that category is selected and the other categories (its
  parts) are dropped with a count, never added to it;
- the categories are a **complete partition**: ``Kon`` = {1, 2}, ``Civilstand`` = {OG, G, SK,
  ÄNKL}, ``Alder`` = disjoint age groups covering 0 to an open-ended last group ("100+"): they
  are summed, with a count.

Anything else (two totals, only women, ages 0-64, overlapping age groups, a dimension lofteeval
does not know) raises one :class:`DataError`: summing it would not give the population.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

import pandas as pd

from ..errors import DataError

__all__ = ["eliminate", "labels"]

_TOTAL_CODES = {"tot", "totalt", "total", "1+2", "samtliga", "alla", "t"}
_TOTAL_LABEL = re.compile(r"^\s*(tot(al|alt)?|samtliga|båda könen|alla( åldrar)?|totalt\b.*)\s*$", re.I)
_PARTITIONS = {"kon": {"1", "2"}, "civilstand": {"OG", "G", "SK", "ÄNKL"}}


def labels(data: dict) -> dict[str, dict[str, str]]:
    """Dimension → code → label from a json-stat2 dataset (``{}`` for v1 JSON)."""
    out: dict[str, dict[str, str]] = {}
    dims = data.get("dimension")
    if isinstance(dims, dict):
        for name, dim in dims.items():
            lab = dim.get("category", {}).get("label") if isinstance(dim, dict) else None
            if isinstance(lab, dict):
                out[name] = {str(k): str(v) for k, v in lab.items()}
    return out


def _plain(name: str) -> str:
    s = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def _is_total(code: str, label: str) -> bool:
    return code.strip().lower() in _TOTAL_CODES or bool(label and _TOTAL_LABEL.match(label))


def _age_group(code: str) -> tuple[float, float] | None:
    c = code.strip().replace("\u2013", "-").replace(" år", "")
    if m := re.fullmatch(r"(\d+)\+", c):
        return float(m.group(1)), math.inf
    if m := re.fullmatch(r"(\d*)-(\d+)", c):
        return float(m.group(1) or 0), float(m.group(2))
    if c.isdigit():
        return float(c), float(c)
    return None


def _age_problem(cats: list[str]) -> str | None:
    groups = [_age_group(c) for c in cats]
    if None in groups:
        return f"age codes {[c for c, g in zip(cats, groups) if g is None][:5]} are not ages or age groups"
    spans = sorted((g, c) for g, c in zip(groups, cats) if g is not None)
    if spans[0][0][0] != 0:
        return f"the ages start at {spans[0][1]!r}, not 0"
    for ((lo0, hi0), c0), ((lo1, _), c1) in zip(spans, spans[1:]):
        if lo1 <= hi0:
            return f"the age groups {c0!r} and {c1!r} overlap (people would be counted twice)"
        if lo1 > hi0 + 1:
            return f"ages between {c0!r} and {c1!r} are missing"
    if spans[-1][0][1] != math.inf:
        return f"the last age group {spans[-1][1]!r} is not open-ended (such as '100+')"
    return None


def _sum_problem(dim: str, cats: list[str]) -> str | None:
    """Why summing ``cats`` of ``dim`` would not give the total (``None`` when it would)."""
    name = _plain(dim)
    if name in _PARTITIONS:
        want = _PARTITIONS[name]
        if set(cats) == want:
            return None
        return (f"its categories {sorted(cats)} are not the complete set {sorted(want)} "
                "(a part of the population, or unknown codes)")
    if name == "alder":
        return _age_problem(cats)
    return "lofteeval does not know whether its categories add up to the population"


def _refuse(where: str, dim: str, cats: list[str], problem: str) -> DataError:
    shown = cats[:8] + (["..."] if len(cats) > 8 else [])
    return DataError(
        f"{where}: the response keeps the dimension {dim!r} with categories {shown}: {problem}. "
        f"Neither selecting a total nor summing gives the kommun's population. Leave {dim} out of the "
        "query's selection (SCB then eliminates it to its total), or select only its total category."
    )


def eliminate(frame: pd.DataFrame, extra: list[str], keys: list[str], labels: dict[str, dict[str, str]],
              where: str, dropped: Counter, notes: list[str]) -> pd.DataFrame:
    """Reduce ``frame`` over the ``extra`` dimensions to one row per ``keys`` (see the module rules).

    ``frame`` has ``value`` (float) and ``flag`` columns; ``dropped`` and ``notes`` are updated.
    """
    to_sum = []
    for dim in extra:
        cats = list(dict.fromkeys(frame[dim].astype(str)))
        lab = labels.get(dim, {})
        totals = [c for c in cats if _is_total(c, lab.get(c, ""))]
        if len(totals) > 1:
            raise _refuse(where, dim, cats, f"it has {len(totals)} total categories {totals}")
        if totals:
            keep = frame[dim].astype(str) == totals[0]
            if (~keep).any():
                dropped[f"{dim} parts of the total category {totals[0]!r} (selected, not summed)"] += int((~keep).sum())
            notes.append(f"{dim}: the total category {totals[0]!r}"
                         f"{' (' + lab[totals[0]] + ')' if totals[0] in lab else ''} selected; its parts were not added")
            frame = frame[keep]
            continue
        problem = _sum_problem(dim, cats)
        if problem:
            raise _refuse(where, dim, cats, problem)
        to_sum.append(dim)
    if to_sum and len(frame):
        before = len(frame)
        frame = frame.groupby(keys, as_index=False, sort=False).agg(
            value=("value", lambda s: s.sum(min_count=len(s))),
            flag=("flag", lambda s: ";".join(sorted({f for f in s if f}))),
        )
        dropped[f"summed over {', '.join(to_sum)} into kommun totals"] += before - len(frame)
        notes.append(f"response kept dimensions {to_sum}, a complete partition; summed to totals "
                     "(leave them out of the query to let SCB eliminate them)")
    return frame.drop(columns=[c for c in extra if c in frame.columns])
