"""Survey results per kommun (NTU kortanalyser, Polisens trygghetsmätning) from a user-kept CSV.

No publisher offers these as files (``../shared/SOURCES.md`` §4), so users keep one CSV with
columns (any order, ``;`` or ``,``, Swedish numbers accepted)::

    kommun, year | wave, item, value, unit, n, ci_low, ci_high, se, survey

- ``kommun``: code or name in any form; ``unit``: ``percent`` or ``index`` (Polisens problem index
  0-6); ``n``, ``ci_low``/``ci_high`` and ``se`` are optional; ``survey``: ``ntu``, ``polisen``
  or ``scb`` (optional).
- ``item`` is an indicator id (``unsafe_outdoors_night``, ``worry_crime``, ``problem_drugs``,
  ``problem_youth_disorder``, ``problem_traffic``) or a Swedish alias in :data:`SURVEY_ITEMS`.
  Items without an indicator id (e.g. ``totalindex``, ``utsatt_brott_mot_person``) are dropped
  with the reason "item not mapped" and listed in the report.
- **Year rule.**  ``year`` is the year measured.  When only ``wave`` (the year the survey was
  fielded) is given: perceived-safety, worry and problem items measure the wave year itself;
  victimisation items (names starting ``utsatt``/``victim``) measure the previous year (NTU asks in
  Jan-Apr about the previous calendar year: "jan-april 2017 (avser 2016)").
- ``se``: taken as given; else from a 95 % interval as ``(ci_high - ci_low) / (2 * 1.96)`` (noted).
- ``XX`` and ``..`` are NaN flagged ``suppressed``; ``-`` and empty are ``missing``.
- Percent must lie in 0-100 and the problem index in 0-6, ``n`` be a whole number >= 0, ``se``
  >= 0 and ``ci_low <= value <= ci_high``; ``year``/``wave`` must be whole four-digit years
  (``2020.7`` or ``2021-05`` raise, never truncated); else one ``DataError`` naming file, column
  and rows.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..indicators import INDICATORS
from ._checks import check_range, check_years, named
from ._finish import ImportResult, finish
from ._parse import DEFAULT_CODES, describe_input, parse_numbers, read_table, table_note

__all__ = ["SURVEY_ITEMS", "read_survey_csv", "measured_year"]

Z95 = 1.959963984540054
SURVEY_ITEMS: dict[str, str] = {
    "unsafe_outdoors_night": "unsafe_outdoors_night", "otrygg_sen_kvall": "unsafe_outdoors_night",
    "otrygghet sen kväll": "unsafe_outdoors_night", "otrygg ute sen kväll": "unsafe_outdoors_night",
    "worry_crime": "worry_crime", "oro_brottslighet": "worry_crime", "oro över brottsligheten": "worry_crime",
    "problem_drugs": "problem_drugs", "narkotikapåverkade": "problem_drugs",
    "berusade/narkotikapåverkade": "problem_drugs",
    "problem_youth_disorder": "problem_youth_disorder", "stökiga ungdomar": "problem_youth_disorder",
    "problem_traffic": "problem_traffic", "mopeder": "problem_traffic",
    "trafik, mopeder och buskörning": "problem_traffic", "mopeder på gång-/cykelväg": "problem_traffic",
}
_RANGES = {"percent": (0.0, 100.0), "index": (0.0, 6.0)}


def measured_year(item: str, wave: int) -> int:
    """The year an item measures when the survey was fielded in ``wave`` (see the module rule)."""
    return wave - 1 if re.match(r"^(utsatt|victim)", item.strip().lower()) else wave


def _col(table: pd.DataFrame, name: str) -> pd.Series | None:
    low = {c.strip().lower(): c for c in table.columns}
    return table[low[name]] if name in low else None


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    """A column the caller has checked is there."""
    col = _col(table, name)
    assert col is not None, name
    return col


def _numbers(table: pd.DataFrame, name: str, where: str) -> tuple[pd.Series, pd.Series]:
    col = _col(table, name)
    if col is None:
        return pd.Series(np.nan, index=table.index), pd.Series("", index=table.index)
    return parse_numbers(col, codes=DEFAULT_CODES, column=name, where=where)


def read_survey_csv(
    source: str | Path | bytes, *, unknown: Literal["raise", "drop"] = "raise", encoding: str | None = None,
) -> ImportResult:
    """Read a user-maintained survey results file into tidy survey rows.

    Returns
    -------
    ImportResult
        ``(frame, report)`` with ``source="survey"``, ``unit`` ``percent``/``index``, ``n``
        respondents and ``se``.

    Raises
    ------
    DataError
        Missing columns, bad numbers, a unit that does not match the item's indicator, values out
        of range, unknown kommun names.
    """
    where = describe_input(source)
    table, info = read_table(source, encoding=encoding)
    need = [c for c in ("kommun", "item", "value", "unit") if _col(table, c) is None]
    year_col, wave_col = _col(table, "year"), _col(table, "wave")
    if need or (year_col is None and wave_col is None):
        raise DataError(f"{where}: survey files need columns kommun, year (or wave), item, value, unit "
                        f"[n, ci_low, ci_high, se, survey]; missing {need or ['year']} (found {list(table.columns)}).")
    items = _column(table, "item").str.strip()
    value, flag = _numbers(table, "value", where)
    n, _ = _numbers(table, "n", where)
    se, _ = _numbers(table, "se", where)
    lo, _ = _numbers(table, "ci_low", where)
    hi, _ = _numbers(table, "ci_high", where)
    _check_sampling(n, se, lo, hi, value, where)
    notes = [table_note(info)]
    from_ci = se.isna() & lo.notna() & hi.notna()
    if from_ci.any():
        se = se.where(~from_ci, (hi - lo) / (2 * Z95))
        notes.append(f"{int(from_ci.sum())} se computed from the 95 % interval as (high - low) / (2 x 1.96)")
    if year_col is not None:
        year = check_years(year_col, "year", where)
    else:
        waves = check_years(wave_col, "wave", where)
        year = pd.Series([measured_year(i, int(w)) for i, w in zip(items, waves)], index=table.index)
        notes.append("year = wave for safety/worry/problem items, wave - 1 for victimisation items")
    indicator = items.str.lower().map(lambda s: SURVEY_ITEMS.get(s))
    unit = _column(table, "unit").str.strip().str.lower()
    _check_units(indicator, unit, value, where)
    mapped = indicator.notna()
    dropped: Counter[str] = Counter()
    if (~mapped).any():
        dropped["item not mapped to an indicator"] = int((~mapped).sum())
        notes.append("unmapped items: " + ", ".join(sorted(items[~mapped].unique())[:10]))
    raw = pd.DataFrame({
        "kommun": _column(table, "kommun").str.strip(), "year": year.astype(int), "indicator": indicator,
        "value": value, "unit": unit, "flag": flag, "n": n, "se": se,
    })[mapped]
    with named(where):
        return finish(raw, source="survey", where=where, rows_in=len(table), dropped=dropped, notes=notes,
                      unknown=unknown)


def _check_sampling(n: pd.Series, se: pd.Series, lo: pd.Series, hi: pd.Series, value: pd.Series,
                    where: str) -> None:
    """``n`` whole and >= 0, ``se`` >= 0, ``ci_low <= value <= ci_high`` where given; else one DataError."""
    check_range(n, "n", where, what="a number of respondents", fix="n is the number of answers")
    frac = n.notna() & (n != n.round())
    if frac.any():
        raise DataError(f"{where}: column 'n' must hold whole numbers of respondents; row {frac.idxmax() + 1} "
                        f"has {n[frac].iloc[0]:g}. Fix the cell (a weighted n belongs in a note, not here).")
    check_range(se, "se", where, what="a standard error", fix="a standard error is never negative")
    rows = [f"row {i + 1}: {a:g} <= {v:g} <= {b:g} fails" for i, (a, v, b) in enumerate(zip(lo, value, hi))
            if not (np.isnan(a) or np.isnan(b)) and (a > b or (not np.isnan(v) and not a <= v <= b))]
    if rows:
        raise DataError(f"{where}: columns 'ci_low', 'value', 'ci_high' must satisfy ci_low <= value <= ci_high; "
                        f"{len(rows)} row(s) do not ({'; '.join(rows[:5])}). Swapped columns? Fix the cells.")


def _check_units(indicator: pd.Series, unit: pd.Series, value: pd.Series, where: str) -> None:
    problems = []
    for ind, u, v, row in zip(indicator, unit, value, range(1, len(unit) + 1)):
        if ind is None or pd.isna(ind):
            if u not in _RANGES:
                problems.append(f"row {row}: column 'unit' {u!r} must be 'percent' or 'index'")
            continue
        want = INDICATORS[ind].unit
        if u != want:
            problems.append(f"row {row}: {ind} is measured in {want!r}, the file says {u!r} (column 'unit')")
        elif not np.isnan(v) and not (_RANGES[u][0] <= v <= _RANGES[u][1]):
            problems.append(f"row {row}: {ind} column 'value' {v:g} outside {_RANGES[u][0]:g}-{_RANGES[u][1]:g} ({u})")
    if problems:
        raise DataError(f"{where}: {len(problems)} survey value(s) inconsistent: " + "; ".join(problems[:5])
                        + ("; ..." if len(problems) > 5 else "") + ". Fix the file (index = Polisens 0-6 scale).")
