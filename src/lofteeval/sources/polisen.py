"""Police per-crime register extracts (one row per report) → kommun × year rates per brottskod.

Shape (``../shared/data/polisen_brottskoder/PROVENANCE.md``): UTF-8, comma, quoted; columns
``"" (row index), Id, Brottskod, Brottskod.klartext, Inskrivningsdatum, Brottsdatum, Kommun, Län,
DeSO.område, Antal``.

Rules:

- the year is the **registration** year (``Inskrivningsdatum``) by default, as Brå's official
  "anmälda brott" counts; ``by="offence"`` uses ``Brottsdatum``.  Dates are ``YYYY-MM-DD``,
  optionally with a time (``2022-03-01 13:45:00``, ``2022-03-01T13:45+01:00``: the date part
  counts); an empty date drops the record with a count, any other form (``2022-03``,
  ``01/03/2022``, ``2022-02-30``, Excel serial numbers) raises ``DataError`` naming file, column
  and rows;
- ``Antal`` must be a whole count >= 0 (a negative count would net against the others: refused,
  naming file, row and column); a record with an empty ``Brottskod`` is dropped with a count;
- the kommun is ``Kommun`` resolved to its code; when ``Kommun`` is empty the DeSO prefix
  (``DeSO.område[:4]``) is used; when both are empty the record is dropped with that reason;
  unknown names raise, or with ``unknown="drop"`` are dropped with a count;
- the DeSO prefix is cross-checked against the name: records where they disagree are counted,
  listed in the report and their cells flagged ``deso_mismatch`` (the name wins);
- ``Antal`` is summed per kommun × year × indicator.  Brottskoder map to indicator ids through
  ``IndicatorSpec.extra["brottskod"]`` in :mod:`lofteeval.indicators` (:data:`BROTTSKOD_INDICATORS`:
  1210 ``reported_arson_damage``, 1211 ``reported_car_fires``, 1311
  ``reported_sabotage_emergency``, 1615 ``reported_riot_offences``, 1701 + 1702 summed into
  ``reported_violence_against_police``).  Any other code is **kept** as indicator
  ``police_code_<code>`` (not an id of :mod:`lofteeval.indicators`, so such rows are validated
  with unknown ids allowed and the report names them; pass ``unmapped="drop"`` to drop them with
  a count instead);
- counts become rates per 100 000 with ``harmonise.rates.add_rates`` (``n`` = the count,
  population of the same year; ``population=`` or the shipped SCB figures);
- the last year is flagged ``partial_year`` when the latest date is before 1 December of it, and
  the first year when the earliest date is after 31 January of it; the leading and trailing years
  whose national count is below 25 % of the indicator's median year (a few late-registered
  reports from before the extract's real coverage, such as 2015-2018 in the shared extracts) are
  flagged ``sparse_year`` and listed in the report (kept, not dropped; a low year between dense
  years is real data and is not flagged);
- kommun × year cells without records are **absent** by default: the extract's completeness is
  not documented (see its PROVENANCE), so no zero is invented.  A caller who knows the extract
  holds every report of its codes nationally may pass ``complete_years=`` (e.g.
  ``range(2019, 2024)``): then every kommun without a record in such a year gets a count of 0
  (``n = 0``, rate 0) flagged ``zero_filled``, for each indicator in the extract.  Only years
  that lie wholly inside the extract's dates (first to last date, by the chosen date) are
  accepted; others raise ``DataError``.

Conservation: rows in (records) = records dropped (by reason) + records merged into counts +
rows out - zero-filled cells (zero-filled cells add rows out and are counted under
``rows_flagged["zero_filled"]``; they are subtracted as "added" in ``rows_in``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._types import check_literal
from ..errors import DataError
from ._checks import check_range, named
from ._finish import ImportResult, finish
from ._parse import check_whole_counts, describe_input, parse_numbers, read_table, table_note

__all__ = ["BROTTSKOD_INDICATORS", "read_police_extract"]

By = Literal["registration", "offence"]
Unmapped = Literal["keep", "drop"]
Unknown = Literal["raise", "drop"]
Source = str | Path | bytes
_REQUIRED = ("Brottskod", "Inskrivningsdatum", "Brottsdatum", "Kommun", "DeSO.område")


def _brottskod_map() -> dict[str, str]:
    from ..indicators import INDICATORS

    out: dict[str, str] = {}
    for spec in INDICATORS.values():
        for code in filter(None, spec.extra.get("brottskod", "").split(",")):
            out[code.strip()] = spec.id
    return out


BROTTSKOD_INDICATORS: dict[str, str] = _brottskod_map()
"""Brottskod → indicator id (from ``IndicatorSpec.extra["brottskod"]``; several codes may sum)."""


def _resolve_names(names: pd.Series, where: str, unknown: Unknown) -> pd.Series:
    """Kommun code per name (``""`` for empty names, ``None`` for unknown ones with ``unknown="drop"``)."""
    from ..harmonise.kommuner import kommun_code

    mapping: dict[str, str | None] = {}
    errors: list[str] = []
    for name in names.unique():
        if name == "":
            mapping[name] = ""
            continue
        try:
            mapping[name] = kommun_code(name)
        except DataError as exc:
            mapping[name] = None
            errors.append(str(exc))
    if errors and unknown == "raise":
        raise DataError(f"{where}: {len(errors)} Kommun value(s) unknown (column 'Kommun'):\n  - " + "\n  - ".join(errors[:10])
                        + "\nFix the names, or pass unknown='drop' (CLI: --unknown drop) to drop those "
                        "records with a count.")
    return names.map(mapping)


def _place(table: pd.DataFrame, keep: pd.Series, where: str, notes: list[str],
           unknown: Unknown) -> tuple[pd.Series, pd.Series]:
    """Kommun code per kept record (name, else DeSO prefix; ``None`` = unknown name, to drop) and
    the name/DeSO mismatch mask."""
    name = table.loc[keep, "Kommun"].str.strip()
    deso = table.loc[keep, "DeSO.område"].str.strip()
    from_name = _resolve_names(name, where, unknown)
    unknown_name = from_name.isna()
    from_name = from_name.fillna("")
    prefix = deso.str[:4]
    code = from_name.where(from_name != "", prefix).where(~unknown_name, None)
    bad_prefix = (from_name == "") & ~unknown_name & ~prefix.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    if bad_prefix.any():
        raise DataError(f"{where}: column 'DeSO.område': {int(bad_prefix.sum())} record(s) have an empty Kommun "
                        f"and a DeSO.område that does not start with a 4-digit kommun code (e.g. "
                        f"{deso[bad_prefix].iloc[0]!r}, row {bad_prefix.idxmax() + 1}); a DeSO code is "
                        "the kommun code and five characters, e.g. 1495C1010. Fix the cell or fill in Kommun.")
    mismatch = (from_name != "") & (prefix != "") & (from_name != prefix)
    empty = (from_name == "") & ~unknown_name
    if empty.any():
        notes.append(f"{int(empty.sum())} record(s) with empty Kommun placed by their DeSO prefix")
    if mismatch.any():
        pairs = (name[mismatch] + " vs DeSO " + deso[mismatch]).unique()
        notes.append(f"{int(mismatch.sum())} record(s) whose DeSO prefix disagrees with Kommun (name used): "
                     + ", ".join(pairs[:5]))
    return code, mismatch


def _indicators(codes: pd.Series, unmapped: Unmapped, dropped: Counter, notes: list[str]) -> pd.Series:
    """Indicator id per record; unmapped codes kept as police_code_<code> or marked for dropping."""
    ind = codes.map(BROTTSKOD_INDICATORS)
    other = ind.isna()
    if other.any():
        listed = ", ".join(f"{c} ({n} records)" for c, n in codes[other].value_counts().sort_index().items())
        if unmapped == "keep":
            ind = ind.where(~other, "police_code_" + codes)
            notes.append(f"brottskoder without an indicator id kept as police_code_<code> (not in "
                         f"lofteeval.indicators; evaluate them explicitly): {listed}")
        else:
            dropped["brottskod without an indicator id (unmapped='drop')"] += int(other.sum())
            notes.append(f"dropped brottskoder without an indicator id: {listed}")
    mapped = codes[~other].unique()
    if len(mapped):
        notes.append("brottskod -> indicator: " + ", ".join(
            f"{c} {BROTTSKOD_INDICATORS[c]}" for c in sorted(mapped)))
    return ind


def _zero_fill(cells: pd.DataFrame, years: list[int], first: pd.Timestamp, last: pd.Timestamp,
               where: str) -> pd.DataFrame:
    """Rows of count 0 flagged zero_filled for kommuner without records in ``years``."""
    from ..harmonise.kommuner import kommuner

    outside = [y for y in years if pd.Timestamp(y, 1, 31) < first or pd.Timestamp(y, 12, 1) > last]
    if outside:
        raise DataError(
            f"{where}: complete_years {outside} are not wholly covered by the extract (dates "
            f"{first.date()} to {last.date()}); zeros can only be filled for years the extract spans. "
            "Pass only years inside that range.")
    grid = pd.MultiIndex.from_product(
        [sorted(kommuner()["kommun"]), years, sorted(cells["indicator"].unique())],
        names=["kommun", "year", "indicator"])
    have = pd.MultiIndex.from_frame(cells[["kommun", "year", "indicator"]])
    fill = grid.difference(have).to_frame(index=False)
    return fill.assign(n=0.0, mm=False, zero=True)


_DATE = r"\d{4}-\d{2}-\d{2}([ T]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"


def _dates(raw: pd.Series, column: str, name: str) -> pd.Series:
    """Dates of ``column`` (``YYYY-MM-DD``, optionally with a time and zone); empty cells are NaT.

    Raises ``DataError`` listing the cells that are neither empty nor such a date (``2022-03``,
    ``01/03/2022``, ``2022-02-30``) with their rows: a whole extract never loses rows silently.
    """
    text = raw.str.strip()
    shaped = text.str.fullmatch(_DATE).fillna(False).astype(bool)
    dates = pd.to_datetime(text.str[:10].where(shaped), errors="coerce", format="%Y-%m-%d")
    bad = (text != "") & dates.isna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:5]
        shown = ", ".join(f"{text.iloc[i]!r} (row {i + 1})" for i in rows)
        raise DataError(
            f"{name}: column {column!r} must hold dates as YYYY-MM-DD (a time part such as "
            f"'2022-03-01 13:45:00' is allowed); {int(bad.sum())} cell(s) are not: {shown}"
            f"{' ...' if bad.sum() > 5 else ''}. Export the extract again with ISO dates, or fix the cells."
        )
    return dates


def _counts(table: pd.DataFrame, name: str) -> pd.Series:
    """``Antal`` as whole counts >= 0 (1 per record when the column is absent)."""
    if "Antal" not in table:
        return pd.Series(1.0, index=table.index)
    antal = check_whole_counts(parse_numbers(table["Antal"], column="Antal", where=name)[0], "Antal", name)
    check_range(antal, "Antal", name, what="a count of reports (whole number >= 0)",
                fix="a negative count would net against the others; fix or remove those records")
    return antal


def _read_all(source: Source | list[Source], encoding: str | None,
              date_col: str) -> tuple[pd.DataFrame, str, list[str]]:
    """One table from one extract or several (e.g. 1701 and 1702 files, summed per indicator).

    Each file's ``Antal`` and ``date_col`` are checked with that file's name and rows; the table
    gets the parsed ``_antal`` and ``_date`` columns.
    """
    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise DataError("read_police_extract needs at least one file.")
    tables, notes = [], []
    for one in sources:
        name = describe_input(one)
        table, info = read_table(one, encoding=encoding)
        missing = [c for c in _REQUIRED if c not in table.columns]
        if missing:
            raise DataError(f"{name}: a police extract needs columns {list(_REQUIRED)}; missing {missing} "
                            f"(found {list(table.columns)[:10]}).")
        table = table.assign(_antal=_counts(table, name), _date=_dates(table[date_col], date_col, name))
        tables.append(table)
        notes.append(f"{name}: {len(table)} records, {table_note(info)}")
    where = " + ".join(describe_input(one) for one in sources)
    both = pd.concat(tables, ignore_index=True)
    text = [c for c in both.columns if c not in ("_antal", "_date")]
    return both.assign(**{c: both[c].fillna("") for c in text}), where, notes


SPARSE_SHARE = 0.25


def _sparse_years(cells: pd.DataFrame, partial: list[int], notes: list[str]) -> np.ndarray:
    """Mask of cells in leading/trailing years whose national count is < 25 % of the median year.

    Extracts often hold a few late-registered reports from years before their real coverage
    (2015-2018 in the shared extracts); such years look like very low rates, so they are flagged
    ``sparse_year`` (kept, never dropped).  Partial years are judged by ``partial_year`` instead.
    """
    totals = cells[~cells["year"].isin(partial)].groupby(["indicator", "year"])["n"].sum()
    if totals.empty:
        return np.zeros(len(cells), dtype=bool)
    low_keys = []
    for ind, per_year in totals.groupby(level="indicator"):
        per_year = per_year.droplevel("indicator").sort_index()
        sparse = per_year < SPARSE_SHARE * per_year.median()
        for order in (sparse, sparse[::-1]):  # only leading and trailing runs: outside coverage
            for year, is_low in order.items():
                if not is_low:
                    break
                low_keys.append((ind, year))
    low = totals[totals.index.isin(sorted(set(low_keys)))]
    if len(low):
        notes.append("sparse_year (national count < 25 % of the median year, probably outside the "
                     "extract's real coverage): " + ", ".join(
                         f"{ind} {year} ({int(n)})" for (ind, year), n in low.items()))
    keys = pd.MultiIndex.from_frame(cells[["indicator", "year"]])
    return keys.isin(low.index)


def read_police_extract(
    source: Source | list[Source],
    *,
    by: By = "registration",
    unmapped: Unmapped = "keep",
    complete_years: Iterable[int] | None = None,
    population: pd.DataFrame | None = None,
    encoding: str | None = None,
    unknown: Unknown = "raise",
) -> ImportResult:
    """Aggregate a police register extract to kommun × year rates per indicator.

    Parameters
    ----------
    source
        Path or bytes of an extract (see the module docstring for the columns), or a list of
        them read as one (pass the 1701 and 1702 files together: they sum into one indicator).
        Records repeated with the same ``Id`` and ``Brottskod`` are dropped with a count.
    by
        ``"registration"`` (default; Inskrivningsdatum, as Brå counts) or ``"offence"``
        (Brottsdatum).
    unmapped
        Brottskoder without an indicator id: ``"keep"`` (default) as ``police_code_<code>``
        rows, or ``"drop"`` with a count in the report.
    complete_years
        Years in which the caller asserts the extract holds every report of its codes for all
        kommuner; kommuner without records then get 0 flagged ``zero_filled``.  Default
        ``None``: no zeros are filled (cells without records are absent).
    population
        Tidy population rows for the rates (default: the shipped SCB figures).
    encoding
        Force an encoding instead of detecting it.
    unknown
        ``Kommun`` names that resolve to no kommun: ``"raise"`` (default, one error listing them
        with their closest matches) or ``"drop"`` (records dropped with a count), as in the
        other readers.

    Returns
    -------
    ImportResult
        ``(frame, report)``: ``unit="per_100k"``, ``n`` = count of reports, ``source="polisen"``.

    Raises
    ------
    DataError
        Missing columns, non-numeric or non-whole ``Antal``, unknown kommun names, a DeSO code
        that does not start with a kommun code, or ``complete_years`` outside the extract's dates.
    """
    check_literal(by, By, "by")
    check_literal(unmapped, Unmapped, "unmapped")
    check_literal(unknown, Unknown, "unknown")
    date_col = "Inskrivningsdatum" if by == "registration" else "Brottsdatum"
    table, where, notes = _read_all(source, encoding, date_col)
    rows_in, dropped = len(table), Counter[str]()
    if "Id" in table:
        dup = table.duplicated(["Id", "Brottskod"])
        dropped["duplicate record (same Id and Brottskod)"] += int(dup.sum())
        table = table[~dup]
    antal, dates = table["_antal"], table["_date"]
    no_place = (table["Kommun"].str.strip() == "") & (table["DeSO.område"].str.strip() == "")
    no_date = dates.isna() & ~no_place
    dropped["no kommun (empty Kommun and DeSO.område)"] += int(no_place.sum())
    dropped[f"empty {date_col}"] += int(no_date.sum())
    dropped["Antal missing"] += int((~no_place & ~no_date & antal.isna()).sum())
    keep = ~no_place & ~no_date & antal.notna()
    no_code = keep & (table["Brottskod"].str.strip() == "")
    dropped["empty Brottskod (crime type unknown)"] += int(no_code.sum())
    keep &= ~no_code
    if len(table) and not keep.any():
        reasons = "; ".join(f"{k}: {v}" for k, v in dropped.items() if v)
        raise DataError(f"{where}: none of the {rows_in} records can be counted ({reasons}). Every record needs "
                        f"a Kommun or DeSO.område, a {date_col} and an Antal; check that this is the extract "
                        "itself and that the columns are filled.")
    code, mismatch = _place(table, keep, where, notes, unknown)
    dropped["unknown kommun name or code"] += int(code.isna().sum())
    indicator = _indicators(table.loc[keep, "Brottskod"].str.strip(), unmapped, dropped, notes)
    use = indicator.notna() & code.notna()
    recs = pd.DataFrame({"kommun": code[use], "year": dates[keep][use].dt.year.astype("int64"),
                         "indicator": indicator[use], "antal": antal[keep][use], "mismatch": mismatch[use]})
    cells = recs.groupby(["kommun", "year", "indicator"], as_index=False).agg(
        n=("antal", "sum"), mm=("mismatch", "any")).assign(zero=False)
    if len(recs) - len(cells):
        dropped["merged into kommun × year counts (one row per cell)"] += len(recs) - len(cells)
    first, last = dates[keep].min(), dates[keep].max()
    n_filled = 0
    if complete_years is not None and len(cells):
        fill = _zero_fill(cells, sorted({int(y) for y in complete_years}), first, last, where)
        n_filled = len(fill)
        cells = pd.concat([cells, fill], ignore_index=True)
        notes.append(f"rows in = {rows_in} records + {n_filled} zero-filled kommun x year cells "
                     f"(complete_years {sorted({int(y) for y in complete_years})}, asserted by the caller)")
    partial = sorted({last.year} if not pd.isna(last) and last.month < 12 else set())
    if not pd.isna(first) and first > pd.Timestamp(first.year, 1, 31):
        partial = sorted({*partial, first.year})
    flag = np.where(cells["mm"], "deso_mismatch", np.where(cells["zero"], "zero_filled", ""))
    is_partial = cells["year"].isin(partial).to_numpy()
    flag = np.where(is_partial, np.where(flag == "", "partial_year", flag + ";partial_year"), flag)
    sparse = _sparse_years(cells, partial, notes)
    flag = np.where(sparse, np.where(flag == "", "sparse_year", flag + ";sparse_year"), flag)
    notes.append(f"{int(recs['antal'].sum())} record(s) counted by {date_col} year; dates "
                 f"{first.date() if not pd.isna(first) else '-'} to {last.date() if not pd.isna(last) else '-'}"
                 + (f"; {', '.join(map(str, partial))} flagged partial_year (dates start after January or "
                    "end before December)" if partial else ""))
    if complete_years is None:
        notes.append("kommun x year cells without records are absent, not zero (extract completeness "
                     "unverified; pass complete_years= to fill zeros for years you know are complete)")
    raw = pd.DataFrame({
        "kommun": cells["kommun"], "year": cells["year"], "indicator": cells["indicator"],
        "value": cells["n"].astype(float), "unit": "count", "flag": flag, "n": cells["n"].astype(float),
        "se": np.nan,
    })
    with named(where):
        result = finish(raw, source="polisen", where=where, rows_in=rows_in + n_filled,
                        dropped=Counter({k: v for k, v in dropped.items() if v}), notes=notes, unknown=unknown,
                        allow_unknown_indicators=bool(raw["indicator"].str.startswith("police_code_").any()),
                        population=population)
    _refuse_absurd_rates(result.frame, where)
    return result


def _refuse_absurd_rates(frame: pd.DataFrame, where: str) -> None:
    """More reports of one crime type than inhabitants (a rate above 100 000) is an error in ``Antal``."""
    absurd = frame[(frame["unit"] == "per_100k") & (frame["value"] > 100_000)]
    if len(absurd):
        shown = ", ".join(f"{r.kommun} {r.year} {r.indicator}: {r.n:g} reports, {r.value:,.0f} per 100 000"
                          for r in absurd.head(3).itertuples())
        raise DataError(f"{where}: a rate per 100 000 must be at most 100 000 (no more reports than inhabitants); "
                        f"{len(absurd)} kommun-year(s) exceed it ({shown}). Check column 'Antal' of those records.")
