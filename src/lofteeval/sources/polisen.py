"""Police per-crime register extracts (one row per report) → kommun × year counts.

Shape (``../shared/data/polisen_brottskoder/PROVENANCE.md``): UTF-8, comma, quoted; columns
``"" (row index), Id, Brottskod, Brottskod.klartext, Inskrivningsdatum, Brottsdatum, Kommun, Län,
DeSO.område, Antal``.

Rules:

- the year is the **registration** year (``Inskrivningsdatum``) by default, as Brå's official
  "anmälda brott" counts; ``by="offence"`` uses ``Brottsdatum``;
- the kommun is ``Kommun`` resolved to its code; when ``Kommun`` is empty the DeSO prefix
  (``DeSO.område[:4]``) is used; when both are empty the record is dropped with that reason;
- the DeSO prefix is cross-checked against the name: records where they disagree are counted,
  listed in the report and their cells flagged ``deso_mismatch`` (the name wins);
- counts are ``Antal`` summed per kommun × year × Brottskod.  The indicator id is
  ``police_code_<Brottskod>`` (``unit="count"``, ``value`` = ``n`` = the count): these narrow
  brottskoder (e.g. 1211 bilbrand) are not indicators in :mod:`lofteeval.indicators`, so rows are
  validated with unknown indicator ids allowed; divide by population with
  ``harmonise.rates.add_rates`` for rates;
- the last year is flagged ``partial_year`` when the latest date is before 1 December of it;
- kommun × year cells without records are **absent**, not zero (the extract's completeness is
  not verified, see its PROVENANCE).

Conservation: rows in (records) = records dropped (by reason) + records merged into counts +
rows out; the report notes the number of records counted (``n`` sums to it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._types import check_literal
from ..errors import DataError
from ._finish import ImportResult, finish
from ._parse import describe_input, parse_numbers, read_table

__all__ = ["read_police_extract"]

By = Literal["registration", "offence"]
_REQUIRED = ("Brottskod", "Inskrivningsdatum", "Brottsdatum", "Kommun", "DeSO.område")


def _resolve_names(names: pd.Series, where: str) -> pd.Series:
    from ..harmonise.kommuner import kommun_code

    mapping, errors = {}, []
    for name in names.unique():
        if name == "":
            mapping[name] = ""
            continue
        try:
            mapping[name] = kommun_code(name)
        except DataError as exc:
            errors.append(str(exc))
    if errors:
        raise DataError(f"{where}: {len(errors)} Kommun value(s) unknown:\n  - " + "\n  - ".join(errors[:10]))
    return names.map(mapping)


def read_police_extract(
    source: str | Path | bytes, *, by: By = "registration", encoding: str | None = None,
) -> ImportResult:
    """Aggregate a police register extract to kommun × year counts per brottskod.

    Parameters
    ----------
    source
        Path or bytes of the extract (see the module docstring for the columns).
    by
        ``"registration"`` (default; Inskrivningsdatum, as Brå counts) or ``"offence"``
        (Brottsdatum).
    encoding
        Force an encoding instead of detecting it.

    Returns
    -------
    ImportResult
        ``(frame, report)``: ``indicator="police_code_<code>"``, ``unit="count"``,
        ``source="polisen"``; ``value`` and ``n`` are the count.
    """
    check_literal(by, By, "by")
    where = describe_input(source)
    table, info = read_table(source, encoding=encoding)
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise DataError(f"{where}: a police extract needs columns {list(_REQUIRED)}; missing {missing} "
                        f"(found {list(table.columns)[:10]}).")
    rows_in, dropped, notes = len(table), Counter(), [f"encoding {info['encoding']}, separator {info['sep']!r}"]
    antal = (parse_numbers(table["Antal"], column="Antal", where=where)[0] if "Antal" in table
             else pd.Series(1.0, index=table.index))
    date_col = "Inskrivningsdatum" if by == "registration" else "Brottsdatum"
    dates = pd.to_datetime(table[date_col].str.strip(), errors="coerce", format="%Y-%m-%d")
    name = table["Kommun"].str.strip()
    deso = table["DeSO.område"].str.strip()
    no_place = (name == "") & (deso == "")
    no_date = dates.isna() & ~no_place
    dropped["no kommun (empty Kommun and DeSO.område)"] += int(no_place.sum())
    dropped[f"no valid {date_col}"] += int(no_date.sum())
    keep = ~no_place & ~no_date & antal.notna()
    dropped["Antal missing"] += int((~no_place & ~no_date & antal.isna()).sum())
    from_name = _resolve_names(name[keep], where)
    prefix = deso[keep].str[:4]
    code = from_name.where(from_name != "", prefix)
    mismatch = (from_name != "") & (prefix != "") & (from_name != prefix)
    by_deso = int((from_name == "").sum())
    if by_deso:
        notes.append(f"{by_deso} record(s) with empty Kommun placed by their DeSO prefix")
    if mismatch.any():
        pairs = (table.loc[mismatch[mismatch].index, "Kommun"] + " vs DeSO " + deso[mismatch[mismatch].index]).unique()
        notes.append(f"{int(mismatch.sum())} record(s) whose DeSO prefix disagrees with Kommun (name used): "
                     + ", ".join(pairs[:5]))
    recs = pd.DataFrame({
        "kommun": code, "year": dates[keep].dt.year.astype(int), "code": table.loc[keep, "Brottskod"].str.strip(),
        "antal": antal[keep], "mismatch": mismatch,
    })
    cells = recs.groupby(["kommun", "year", "code"], as_index=False).agg(n=("antal", "sum"), mm=("mismatch", "any"))
    merged = len(recs) - len(cells)
    if merged:
        dropped["merged into kommun × year counts (one row per cell)"] += merged
    last = dates[keep].max()
    partial = last.year if last is not None and not pd.isna(last) and last.month < 12 else None
    flag = np.where(cells["mm"], "deso_mismatch", "")
    if partial is not None:
        flag = np.where(cells["year"] == partial, np.where(flag == "", "partial_year", flag + ";partial_year"), flag)
    first = dates[keep].min()
    notes.append(f"{int(recs['antal'].sum())} record(s) counted by {date_col} year; dates "
                 f"{first.date() if not pd.isna(first) else '-'} to {last.date() if not pd.isna(last) else '-'}"
                 + (f"; {partial} flagged partial_year" if partial is not None else ""))
    notes.append("kommun x year cells without records are absent, not zero")
    raw = pd.DataFrame({
        "kommun": cells["kommun"], "year": cells["year"], "indicator": "police_code_" + cells["code"],
        "value": cells["n"].astype(float), "unit": "count", "flag": flag, "n": cells["n"].astype(float),
        "se": np.nan,
    })
    return finish(raw, source="polisen", where=where, rows_in=rows_in,
                  dropped=Counter({k: v for k, v in dropped.items() if v}), notes=notes,
                  allow_unknown_indicators=True)
