"""Brå anmälda brott per kommun: yearly kommun CSVs and statistical-database (SOL) exports.

Formats (``../shared/SOURCES.md`` §3):

- **Yearly kommun CSV** (2021, 2023-): ``Kommun;Antal;Per 100 000 inv.`` (prel. variant
  ``Antal (prel.)``; the 2021 file has no header and names like ``Ale kommun``, genitive
  ``Arjeplogs kommun``, en dash ``Malung–Sälen`` and stadsdel rows such as ``Spånga-Tensta``).
  Only totals: indicator ``reported_crimes_total``.
- **SOL export** (table "Årsvis - Kommun och storstädernas stadsområden 1996-"): crime category ×
  kommun × period with count and per 100 000; read either long (one row per cell, columns like
  ``År``/``Period``, ``Kommun``/``Region``, ``Brott``, ``Antal``, ``Per100000`` — the shape of the
  Luleå copy of SOL) or wide (``Brott``, ``Region`` and one column per period label such as
  ``2023`` or ``2024 prel.``).  Categories map to indicator ids via :data:`BRA_CATEGORY_MAP`.

``-`` in Brå tables is read as **zero** (Swedish official-statistics convention "inget finns att
redovisa"); pass ``dash="missing"`` to read it as missing instead.  ``..`` is NaN flagged
``suppressed``.  Periods labelled ``prel`` are flagged ``provisional``.

Kommun is the place of the offence (brottsplats); 2015 is a level break (see the indicator caveats).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._types import check_literal
from ..errors import DataError
from ._finish import ImportResult, finish
from ._parse import (BRA_CODES, DEFAULT_CODES, check_whole_counts, describe_input, parse_numbers, read_table,
                     table_note)

__all__ = ["BRA_CATEGORY_MAP", "BRA_CSV_URLS", "category_indicator", "fetch_bra_kommun_csv",
           "read_bra_kommun_csv", "read_bra_sol_export"]

Dash = Literal["zero", "missing"]
RATE_TOLERANCE = 0.01

# Last segment of a SOL/Brå category label (lower case, "därav " and "(t.o.m. YYYY)" removed)
# → indicator id.  Labels are from the Luleå copy of the SOL tree and Brå's tables (SOURCES.md
# §3.4; the ones marked INF there are matched loosely by the patterns).  Several categories on one
# indicator are summed (grov kvinnofridskränkning + grov fridskränkning).
BRA_CATEGORY_MAP: dict[str, str] = {
    r"totalt antal brott|samtliga brott|anmälda brott totalt": "reported_crimes_total",
    r"(brott mot )?narkotikastrafflagen(, totalt)?|brott mot narkotikastrafflagen": "reported_drug_offences",
    r"misshandel,? inkl\.? grov": "reported_assault",
    r"rån,? inkl\.? grovt": "reported_robbery",
    r"grov kvinnofridskränkning|grov fridskränkning": "reported_domestic_violence",
    r"olaga hot(, inkl\.? grovt)?": "reported_unlawful_threats",
    r"ofredande": "reported_molestation",
    r"(12 kap\. )?skadegörelsebrott(, totalt)?": "reported_criminal_damage",
    r"inbrottsstöld i bostad|bostadsinbrott": "reported_residential_burglary",
    r"(9 kap\. )?bedrägeri och annan oredlighet(, totalt)?|bedrägeribrott": "reported_fraud",
    r"(brott mot )?trafikbrottslagen": "reported_traffic_offences",
}
_SUMMED = {"reported_domestic_violence"}  # indicators whose categories add up (disjoint offences)
_COMPILED = [(re.compile(rf"^(?:{pat})$"), ind) for pat, ind in BRA_CATEGORY_MAP.items()]


def category_indicator(label: str) -> str | None:
    """The indicator id for a Brå category label (full SOL path or last segment), else ``None``.

    >>> category_indicator("Brott mot specialstraffrättsliga författningar, Brott mot narkotikastrafflagen")
    'reported_drug_offences'
    """
    last = re.split(r",\s(?=\d+(?:-\d+)? kap\.|därav |brott mot |[A-ZÅÄÖ])", str(label).strip())[-1]
    last = re.sub(r"^därav\s+", "", last.strip().lower())
    last = re.sub(r"\s*\(t\.o\.m\.[^)]*\)\s*$", "", last).strip()
    for pattern, ind in _COMPILED:
        if pattern.match(last):
            return ind
    return None


def _codes(dash: Dash) -> dict[str, str]:
    check_literal(dash, Dash, "dash")
    return BRA_CODES if dash == "zero" else DEFAULT_CODES


def _is_header(first: list[str]) -> bool:
    return first[0].strip().lower().startswith(("kommun", "region", "namn"))


def read_bra_kommun_csv(
    source: str | Path | bytes,
    *,
    year: int,
    population: Mapping[str, float] | pd.Series | None = None,
    dash: Dash = "zero",
    unknown: Literal["raise", "drop"] = "raise",
    encoding: str | None = None,
) -> ImportResult:
    """Read one of Brå's yearly "anmälda brott i kommunerna" CSV files.

    Parameters
    ----------
    source
        Path or bytes of the CSV (any of the documented variants, UTF-8 with BOM or cp1252).
    year
        The year the file covers (the file itself does not say).
    population
        Kommun code → population of ``year``; when given, the file's per 100 000 is checked
        against count / population and rows differing by more than 1 % are flagged
        ``rate_mismatch``.
    dash
        How ``-`` is read: ``"zero"`` (default, Brå convention) or ``"missing"``.
    unknown
        Unresolvable kommun names: ``"raise"`` (default) or ``"drop"`` (counted in the report).
    encoding
        Force an encoding instead of detecting it.

    Returns
    -------
    ImportResult
        ``(frame, report)``: tidy rows ``reported_crimes_total`` (``value`` per 100 000,
        ``n`` = count), ``source="bra"``.

    Raises
    ------
    DataError
        Unreadable or non-CSV input, a wrong column count, bad numbers, unknown kommun names.
    """
    where = describe_input(source)
    table, info = read_table(source, header=False, encoding=encoding)
    if table.shape[1] != 3:
        raise DataError(
            f"{where}: expected 3 columns (Kommun; Antal; Per 100 000 inv.), found {table.shape[1]} "
            f"with separator {info['sep']!r}."
        )
    first = table.iloc[0].tolist()
    header = _is_header(first)
    provisional = header and any("prel" in c.lower() for c in first)
    body = table.iloc[1:] if header else table
    codes = _codes(dash)
    counts, cflags = parse_numbers(body.iloc[:, 1], codes=codes, column="Antal", where=where)
    check_whole_counts(counts, "Antal", where, body.iloc[:, 1])
    rates, rflags = parse_numbers(body.iloc[:, 2], codes=codes, column="Per 100 000", where=where)
    flag = cflags.where(cflags != "", rflags)
    if provisional:
        flag = flag.map(lambda f: "provisional" if not f else f"provisional;{f}")
    raw = pd.DataFrame({
        "kommun": body.iloc[:, 0].str.strip().to_numpy(), "year": int(year),
        "indicator": "reported_crimes_total", "value": rates.to_numpy(), "unit": "per_100k",
        "flag": flag.to_numpy(), "n": counts.to_numpy(), "se": np.nan,
    })
    notes = [table_note(info) + ", "
             f"{'header' if header else 'no header (2021 layout)'}"]
    n_dash = int(body.iloc[:, 1:].isin(["-", "–", "—"]).to_numpy().sum())
    if n_dash:
        notes.append(f"{n_dash} '-' cell(s) read as {'0' if dash == 'zero' else 'missing'}")
    result = finish(raw, source="bra", where=where, rows_in=len(body), notes=notes, unknown=unknown)
    return _check_rates(result, population, year, where) if population is not None else result


def _check_rates(result: ImportResult, population: Mapping[str, float] | pd.Series, year: int,
                 where: str) -> ImportResult:
    """Flag rows whose per 100 000 differs > 1 % from count / population."""
    import dataclasses

    frame = result.frame.copy()
    pop = frame["kommun"].map(pd.Series(population, dtype=float)).astype(float)
    implied = frame["n"] / pop * 1e5
    off = ((frame["value"] - implied).abs() > RATE_TOLERANCE * implied) & implied.notna()
    if off.any():
        frame.loc[off, "flag"] = frame.loc[off, "flag"].map(lambda f: f"{f};rate_mismatch" if f else "rate_mismatch")
        worst = ((frame["value"] - implied).abs() / implied)[off].sort_values().index[-3:]
        shown = ", ".join(f"{frame.at[i, 'kommun']} file {frame.at[i, 'value']:.0f} vs {implied[i]:.0f}" for i in worst)
        note = f"{int(off.sum())} per-100 000 value(s) differ > 1 % from count/population {year} ({shown})"
    else:
        note = f"per 100 000 agrees with count/population within 1 % for {int(implied.notna().sum())} kommuner"
    report = result.report
    flagged = dict(getattr(report, "rows_flagged", {}))
    if off.any():
        flagged["rate_mismatch"] = int(off.sum())
    report = dataclasses.replace(report, rows_flagged=flagged, notes=(*report.notes, note))
    return ImportResult(frame, report)


_LONG_COLUMNS = {
    "period": ("periodetikett", "period", "år", "ar", "year", "tid"),
    "region": ("kommun", "region", "område", "omrade", "kommunkod"),
    "crime": ("brott", "brottstyp", "brottskategori", "kategori", "category"),
    "count": ("antal", "count", "antal brott"),
    "rate": ("per100000", "per 100 000", "per 100 000 inv.", "antal per 100 000 inv", "per_100k"),
}


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.strip().lower(): c for c in columns}
    return next((low[n] for n in names if n in low), None)


def _period_year(label: str) -> tuple[int, bool]:
    m = re.match(r"^\s*(\d{4})", str(label))
    if not m:
        raise DataError(f"period label {label!r} does not start with a year (expected e.g. '2023' or '2024 prel.').")
    return int(m.group(1)), "prel" in str(label).lower()


def read_bra_sol_export(
    source: str | Path | bytes,
    *,
    dash: Dash = "zero",
    unknown: Literal["raise", "drop"] = "raise",
    encoding: str | None = None,
    population: pd.DataFrame | None = None,
) -> ImportResult:
    """Read a Brå statistical-database (SOL) export: crime category × kommun × year.

    Long or wide layout (see the module docstring).  Categories not in :data:`BRA_CATEGORY_MAP`
    are dropped with the reason "category not mapped to an indicator" (the report lists them);
    several categories on one indicator are summed.  Rows with a per 100 000 column use it as
    ``value`` with ``n`` = count; without it (wide layout) the rate is computed from ``population``
    (tidy population rows; default the shipped SCB figures) by ``harmonise.rates.add_rates``.  Heby, listed twice (Västmanlands län to 2006,
    Uppsala län from 2007), is merged: the empty twin is dropped with its reason.

    Returns
    -------
    ImportResult
        ``(frame, report)`` with ``source="bra"``; ``prel`` periods flagged ``provisional``.
    """
    where = describe_input(source)
    table, info = read_table(source, encoding=encoding)
    cols = list(table.columns)
    crime, region = _find(cols, _LONG_COLUMNS["crime"]), _find(cols, _LONG_COLUMNS["region"])
    if crime is None or region is None:
        raise DataError(
            f"{where}: a SOL export needs a crime column ({'/'.join(_LONG_COLUMNS['crime'][:2])}) and "
            f"a kommun column ({'/'.join(_LONG_COLUMNS['region'][:2])}); found columns {cols}."
        )
    period, count = _find(cols, _LONG_COLUMNS["period"]), _find(cols, _LONG_COLUMNS["count"])
    rate = _find(cols, _LONG_COLUMNS["rate"])
    if period is None or count is None:  # wide: one column per period label
        period_cols = [c for c in cols if re.match(r"^\s*\d{4}", c)]
        if not period_cols:
            raise DataError(f"{where}: no period column (År/Period) and no year columns like '2023'; found {cols}.")
        table = table.melt(id_vars=[crime, region], value_vars=period_cols, var_name="_period", value_name="_count")
        period, count, rate = "_period", "_count", None
    rows_in = len(table)
    codes = _codes(dash)
    counts, cflags = parse_numbers(table[count], codes=codes, column=count, where=where)
    check_whole_counts(counts, count, where, table[count])
    rates, rflags = (parse_numbers(table[rate], codes=codes, column=rate, where=where) if rate
                     else (pd.Series(np.nan, index=table.index), pd.Series("", index=table.index)))
    years_prel = table[period].map(_period_year)
    indicator = table[crime].map(category_indicator)
    mapped = indicator.notna()
    flag = cflags.where(cflags != "", rflags)
    prel = years_prel.map(lambda t: t[1])
    flag = pd.Series(np.where(prel, np.where(flag == "", "provisional", "provisional;" + flag), flag),
                     index=table.index)
    raw = pd.DataFrame({
        "kommun": table[region].str.strip(), "year": years_prel.map(lambda t: t[0]).astype(int),
        "indicator": indicator, "value": rates if rate else counts, "unit": "per_100k" if rate else "count",
        "flag": flag, "n": counts,
        "se": np.nan, "_crime": table[crime],
    })[mapped]
    unmapped = sorted(table.loc[~mapped, crime].unique())
    dropped = Counter({"category not mapped to an indicator": int((~mapped).sum())} if unmapped else {})
    raw, summed = _sum_categories(raw)
    dropped.update(summed)
    notes = [table_note(info)]
    if unmapped:
        notes.append(f"{len(unmapped)} unmapped categor{'y' if len(unmapped) == 1 else 'ies'}: "
                     + "; ".join(unmapped[:8]) + (" ..." if len(unmapped) > 8 else ""))
    return finish(raw.drop(columns="_crime"), source="bra", where=where, rows_in=rows_in,
                  dropped=dropped, notes=notes, unknown=unknown, population=population)


def _sum_categories(raw: pd.DataFrame) -> tuple[pd.DataFrame, Counter]:
    """Sum rows of several categories mapped to one indicator (same kommun name, year)."""
    key = ["kommun", "year", "indicator"]
    multi = raw.groupby(key)["_crime"].transform("nunique") > 1
    if not multi.any():
        return raw, Counter()
    clash = raw[multi & ~raw["indicator"].isin(_SUMMED)]
    if len(clash):
        ind = clash["indicator"].iloc[0]
        labels = sorted(clash.loc[clash["indicator"] == ind, "_crime"].unique())
        raise DataError(
            f"several categories map to {ind!r} ({'; '.join(labels)}); one is probably a sub-category "
            "of the other. Keep one of them in the export (the chapter total is safer)."
        )
    parts = raw[multi]
    agg = parts.groupby(key, as_index=False).agg(
        value=("value", lambda s: s.sum(min_count=len(s))), n=("n", lambda s: s.sum(min_count=len(s))),
        flag=("flag", lambda s: ";".join(sorted({p for f in s for p in f.split(";") if p}))),
        unit=("unit", "first"), se=("se", "first"), _crime=("_crime", lambda s: " + ".join(sorted(set(s)))),
    )
    merged = pd.concat([raw[~multi], agg[raw.columns]], ignore_index=True)
    return merged, Counter({"category summed into another row (e.g. grov kvinnofrids- + fridskränkning)":
                            int(multi.sum()) - len(agg)})


# Download ids change every year and cannot be derived (SOURCES.md §3.3).  2015-2020 and 2022
# were not published as kommun CSVs.
BRA_CSV_URLS: dict[int, str] = {
    2021: "https://bra.se/download/18.2e6195c8190a64a78d4201c4/1723120294356/anmalda_brott_kommuner_2021.csv",
    2023: "https://bra.se/download/18.349839a519329944199b20/1731934941054/Anmalda%20brott%20i%20kommunerna%202023.csv",
    2024: "https://bra.se/download/18.41109aad195b25241f818dbf/1742982579590/Anm%C3%A4lda%20brott%20kommunerna%202024.csv",
    2025: "https://bra.se/download/18.3b6b697b19d24d83762a45f/1774625599791/Anm%C3%A4lda%20brott%20kommunerna%202025.csv",
}


def fetch_bra_kommun_csv(
    year: int, *, client: object | None = None, dest_dir: str | Path | None = None, refresh: bool = False,
    **read_kwargs: object,
) -> ImportResult:
    """Download Brå's yearly kommun CSV for ``year`` (cached under ``data/raw/bra``) and read it.

    Raises
    ------
    DataError
        No known file for ``year`` (the list is :data:`BRA_CSV_URLS`).
    FetchError
        Network/HTTP failure or a changed cache file.
    """
    from .. import config
    from ._cache import cached_download

    if int(year) not in BRA_CSV_URLS:
        raise DataError(f"no Brå kommun CSV is known for {year}; known years {sorted(BRA_CSV_URLS)} "
                        "(2015-2020 and 2022 were not published). Use a SOL export or Kolada instead.")
    folder = Path(dest_dir) if dest_dir is not None else config.raw_dir() / "bra"
    path = cached_download(BRA_CSV_URLS[int(year)], dest_dir=folder, client=client, refresh=refresh,
                           source_version=f"Brå anmälda brott i kommunerna {year}", suffix=".csv")
    return read_bra_kommun_csv(path, year=int(year), **read_kwargs)  # type: ignore[arg-type]
