"""Turn a reader's raw rows into a validated tidy frame plus an :class:`ImportReport`.

Every reader builds a *raw* frame with the tidy columns, except that ``kommun`` holds what the
file said (a name in any form, or a code).  :func:`finish` then

1. drops rows that are not kommuner, each with a reason (riket, län, regions, Stockholm /
   Göteborg / Malmö stadsdelar),
2. resolves names and codes with ``harmonise.kommuner.kommun_codes`` (old codes map to current
   ones); names that resolve to nothing raise one ``DataError`` listing each with its closest
   matches (or are dropped with ``unknown="drop"``),
3. removes duplicates: identical rows and "listed twice" rows whose twin is empty (Heby in Brå
   SOL before/after its 2007 län change) are dropped with a reason; conflicting values raise,
4. validates with ``harmonise.schema.validate_tidy`` and
5. returns ``ImportResult(frame, report)``, warning ``DroppedRowsWarning`` /
   ``FlaggedRowsWarning`` with the counts.

Conservation: ``report.rows_in == report.rows_out + sum(report.rows_dropped.values())``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from .._types import check_literal
from ..errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from ..harmonise.panel import ImportReport

__all__ = ["ImportResult", "finish", "non_kommun_reason", "TIDY_ORDER"]

TIDY_ORDER = ["kommun", "year", "indicator", "value", "unit", "source", "flag", "n", "se"]
Unknown = Literal["raise", "drop"]


class ImportResult(NamedTuple):
    """What every reader returns: the validated tidy ``frame`` and the ``report`` of what happened.

    Unpack it (``frame, report = read_...(path)``) or use the attributes.
    """

    frame: pd.DataFrame
    report: ImportReport


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFC", str(name)).strip().lower()
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)
    return re.sub(r"\s+", " ", s)


_NATIONAL = {"hela landet", "riket", "sverige", "totalt", "total", "samtliga kommuner", "hela riket"}
# Stadsdelsområden / stadsdelsnämnder that Brå lists next to kommuner (Stockholm 2020-, older
# Stockholm names, Göteborg 2011-2020, Malmö 2013-); they are parts of 0180, 1480 and 1280.
_STADSDELAR = {
    _norm(s) for s in (
        "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen",
        "Norrmalm", "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta",
        "Hägersten-Älvsjö", "Hägersten-Liljeholmen", "Älvsjö", "Skärholmen", "Liljeholmen",
        "Angered", "Östra Göteborg", "Örgryte-Härlanda", "Centrum", "Majorna-Linné",
        "Askim-Frölunda-Högsbo", "Västra Hisingen", "Lundby", "Norra Hisingen", "Västra Göteborg",
        "Innerstaden", "Södra innerstaden", "Västra innerstaden", "Fosie", "Hyllie", "Kirseberg",
        "Husie", "Oxie", "Rosengård", "Limhamn-Bunkeflo", "Norr", "Söder", "Väster", "Öster",
    )
}


def non_kommun_reason(raw: object) -> str | None:
    """The drop reason when ``raw`` names something that is not a kommun, else ``None``."""
    s = _norm(str(raw))
    if s in _NATIONAL:
        return "national total (riket), not a kommun"
    if re.fullmatch(r"0{2}(00)?", s):
        return "national total (riket), not a kommun"
    if re.fullmatch(r"00\d\d", s):
        return "region (Kolada 00LL code), not a kommun"
    if s.endswith(" län") or s.startswith("region ") and "gotland" not in s or re.fullmatch(r"\d\d", s):
        return "län or region total, not a kommun"
    if s in _STADSDELAR or re.match(r"^(stockholm|göteborg|malmö)s?( stad)?\s*[:,/-]\s*\S", s):
        return "stadsdel (part of Stockholm/Göteborg/Malmö), not a kommun"
    return None


def _resolve(raw: pd.Series, years: pd.Series, unknown: Unknown, where: str) -> tuple[pd.Series, pd.Series]:
    """Codes for ``raw`` values (in their row's year) and drop reasons (``""`` = keep)."""
    from ..harmonise.kommuner import kommun_code

    codes: dict[tuple[str, int], str] = {}
    reasons: dict[tuple[str, int], str] = {}
    errors: dict[str, str] = {}
    pairs = list(zip(raw.astype(str).str.strip(), years.astype(int)))
    for value, year in dict.fromkeys(pairs):
        if value == "" or value.lower() in ("nan", "<na>"):
            if unknown == "drop":
                reasons[value, year] = "empty kommun cell"
            else:
                n_empty = sum(1 for p in pairs if p[0] == value)
                errors.setdefault(value, f"{n_empty} row(s) with an empty kommun cell")
            continue
        why = non_kommun_reason(value)
        if why:
            reasons[value, year] = why
            continue
        try:
            codes[value, year] = kommun_code(value, year=year)
        except DataError as exc:
            if unknown == "drop":
                reasons[value, year] = "unknown kommun name or code"
            else:
                errors.setdefault(value, str(exc))
    if errors:
        shown = list(errors.values())
        raise DataError(
            f"{where}: {len(shown)} kommun name(s) or code(s) could not be resolved:\n  - "
            + "\n  - ".join(shown[:10]) + ("\n  ..." if len(shown) > 10 else "")
            + "\nFix the names in the file, or pass unknown='drop' (CLI: --unknown drop) to drop those rows with a count."
        )
    code = pd.Series([codes.get(p, "") for p in pairs], index=raw.index, dtype=str)
    reason = pd.Series([reasons.get(p, "") for p in pairs], index=raw.index, dtype=str)
    return code, reason


def _dedupe(df: pd.DataFrame, where: str) -> tuple[pd.DataFrame, Counter]:
    key = ["kommun", "year", "indicator"]
    dropped: Counter = Counter()
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return df, dropped
    keep = pd.Series(True, index=df.index)
    conflicts: list[str] = []
    for (k, y, ind), grp in df[dup].groupby(key, sort=False):
        valued = grp[grp["value"].notna()]
        distinct = valued["value"].round(9).unique()
        if len(distinct) > 1:
            conflicts.append(f"{k} {y} {ind}: {sorted(distinct.tolist())}")
            continue
        first = valued.index[0] if len(valued) else grp.index[0]
        for idx in grp.index.drop(first):
            keep[idx] = False
            reason = "duplicate row (same kommun, year, indicator and value)"
            if len(valued) and pd.isna(df.at[idx, "value"]):
                reason = "kommun listed twice, empty twin dropped (e.g. Heby before/after 2007)"
            dropped[reason] += 1
    if conflicts:
        raise DataError(
            f"{where}: {len(conflicts)} kommun-year(s) appear twice with different values: "
            + "; ".join(conflicts[:5]) + ("; ..." if len(conflicts) > 5 else "")
            + ". Check for two names resolving to one kommun (old and new code, stadsdel vs kommun)."
        )
    return df[keep], dropped


def _report(**kwargs: Any) -> ImportReport:
    from ..harmonise.panel import ImportReport

    return ImportReport(**kwargs)


def finish(
    raw: pd.DataFrame,
    *,
    source: str,
    where: str,
    rows_in: int | None = None,
    dropped: Counter | None = None,
    notes: list[str] | None = None,
    unknown: Unknown = "raise",
    allow_unknown_indicators: bool = False,
    population: pd.DataFrame | None = None,
) -> ImportResult:
    """Resolve kommuner, drop non-kommun and duplicate rows with reasons, validate, report.

    ``raw`` has the tidy columns with ``kommun`` as written in the file; ``dropped`` carries drops
    the reader already made (reason → count) and ``rows_in`` the rows it started from (default:
    ``len(raw) + sum(dropped)``).  Count rows of crime indicators (``unit="count"``) are turned
    into per 100 000 with ``harmonise.rates.add_rates`` (``population`` or the shipped SCB figures;
    NaN flagged ``no_population`` where missing).
    """
    check_literal(unknown, Unknown, "unknown")
    dropped = Counter(dropped or {})
    notes = list(notes or [])
    rows_in = len(raw) + sum(dropped.values()) if rows_in is None else rows_in
    df = raw.copy()
    for col, default in (("flag", ""), ("n", np.nan), ("se", np.nan)):
        if col not in df:
            df[col] = default
    df["source"] = source
    codes, reasons = _resolve(df["kommun"], df["year"], unknown, where)
    for reason, count in reasons[reasons != ""].value_counts().items():
        dropped[str(reason)] += int(count)
    df = df[reasons == ""].assign(kommun=codes[reasons == ""])
    df, dup_dropped = _dedupe(df, where)
    dropped.update(dup_dropped)
    df = df[TIDY_ORDER].reset_index(drop=True)
    if ((df["unit"] == "count") & (df["indicator"] != "population")).any():
        from ..harmonise.rates import add_rates

        df = add_rates(df, population)
        notes.append("counts turned into per 100 000 with population of the same year (harmonise.rates.add_rates)")
    from ..harmonise.schema import validate_tidy

    df = validate_tidy(df, allow_unknown_indicators=allow_unknown_indicators)
    flagged: Counter[str] = Counter()
    for flag in df["flag"].astype(str):
        for part in filter(None, flag.split(";")):
            flagged[part] += 1
    report = _report(
        source=source, rows_in=int(rows_in), rows_out=len(df), rows_flagged=dict(flagged),
        rows_dropped=dict(dropped), notes=tuple(notes),
    )
    report.check()
    report.warn()
    return ImportResult(df, report)
