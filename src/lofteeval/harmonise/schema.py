"""The tidy long schema and its lazy validation (``../shared/STYLE.md`` §2).

A tidy frame has one row per (``kommun``, ``year``, ``indicator``, ``source``):

========== ======= ===========================================================================
column     dtype   meaning
========== ======= ===========================================================================
kommun     str     4-digit code of one of the 290 current kommuner (``"0114"``, never 114)
year       int     the year the value refers to (survey waves: the year measured)
indicator  str     an id from :mod:`lofteeval.indicators`
value      float   NaN means missing (and then ``flag`` says why), never 0
unit       str     one of :data:`lofteeval._types.Unit`: count, per_100k, percent, index
source     str     module name in ``lofteeval.sources`` (or ``demo``)
flag       str     optional; ``""`` = none, else e.g. ``suppressed``, ``interpolated``
n          float   optional; crime: count of offences; survey: respondents
se         float   optional; standard error of a survey estimate
========== ======= ===========================================================================

:func:`validate_tidy` checks everything, collects every failure and raises one
:class:`~lofteeval.errors.DataError` with counts and examples (pandera's lazy validation).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import get_args

import numpy as np
import pandas as pd

from .._types import Unit
from ..errors import DataError, DroppedRowsWarning

__all__ = ["TIDY_COLUMNS", "OPTIONAL_COLUMNS", "IDENTITY", "validate_tidy", "empty_tidy", "is_synthetic"]

TIDY_COLUMNS: tuple[str, ...] = ("kommun", "year", "indicator", "value", "unit", "source")
"""Required columns, in order."""
OPTIONAL_COLUMNS: tuple[str, ...] = ("flag", "n", "se")
"""Optional columns; :func:`validate_tidy` always returns them (``""`` / NaN when absent)."""
IDENTITY: tuple[str, ...] = ("kommun", "year", "indicator", "source")
"""The columns that identify a row."""

_MAX_EXAMPLES = 5


class _Failures:
    """Collects failures as (what must hold, count, examples)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, int, list[str]]] = []

    def add(self, what: str, bad: pd.Series | np.ndarray, shown: pd.Series | None = None) -> None:
        mask = np.asarray(bad, dtype=bool)
        count = int(mask.sum())
        if count:
            values = shown[mask] if shown is not None else pd.Series([], dtype=object)
            examples = [repr(v) for v in pd.unique(values.astype(object))[:_MAX_EXAMPLES]]
            self.items.append((what, count, examples))

    def raise_if_any(self, n_rows: int) -> None:
        if not self.items:
            return
        lines = []
        for what, count, examples in self.items:
            eg = f"; e.g. {', '.join(examples)}" if examples else ""
            lines.append(f"  - {what}: {count} row{'s' if count != 1 else ''}{eg}")
        raise DataError(
            f"tidy data failed {len(self.items)} check{'s' if len(self.items) != 1 else ''} "
            f"({n_rows} rows checked). Fix these in the source or reader, then validate again:\n"
            + "\n".join(lines)
        )


def empty_tidy() -> pd.DataFrame:
    """An empty frame with the tidy columns and dtypes."""
    return pd.DataFrame({
        "kommun": pd.Series([], dtype="str"), "year": pd.Series([], dtype="int64"),
        "indicator": pd.Series([], dtype="str"), "value": pd.Series([], dtype="float64"),
        "unit": pd.Series([], dtype="str"), "source": pd.Series([], dtype="str"),
        "flag": pd.Series([], dtype="str"), "n": pd.Series([], dtype="float64"),
        "se": pd.Series([], dtype="float64"),
    })


def _conv_str(v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return pd.NA
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _map_uniques(col: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value (fast on long tidy columns)."""
    obj = col.astype(object)
    table = {u: func(u) for u in pd.unique(obj.dropna())}
    return obj.map(table, na_action="ignore")


def _as_str(col: pd.Series) -> pd.Series:
    """Strings with missing values as NA; integers/floats that are whole become digit strings."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.str.strip().astype("str")
    return _map_uniques(col, _conv_str).astype("str")


def _numeric(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Float values and a mask of cells that were present but not numbers."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        out = col.astype("float64")
        return out, pd.Series(False, index=col.index)
    out = pd.to_numeric(col.astype(object).where(col.notna(), np.nan), errors="coerce").astype("float64")
    blank = _map_uniques(col, lambda v: isinstance(v, str) and not v.strip()).fillna(False).astype(bool)
    not_number = out.isna() & col.notna() & ~blank
    return out, not_number


def _check_kommun(out: pd.DataFrame, fails: _Failures) -> None:
    from .kommuner import kommuner

    raw = out["kommun"]
    code = _as_str(raw)
    digits = code.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    # integers that lost their leading zero (114 -> "0114") are restored; anything else must be 4 digits
    from_int = _map_uniques(raw, lambda v: isinstance(v, (int, np.integer, float, np.floating)))
    code = code.where(~(digits & from_int.fillna(False).astype(bool)), code.str.zfill(4))
    four = code.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
    fails.add("kommun must be a 4-digit code string such as '0114'", ~four, raw)
    known = code.isin(set(kommuner()["kommun"]))
    fails.add("kommun must be one of the 290 current codes (map names and old codes with "
              "lofteeval.harmonise.kommun_codes)", four & ~known, code)
    out["kommun"] = code


def _check_year(out: pd.DataFrame, fails: _Failures, year_range: tuple[int, int]) -> None:
    raw = out["year"]
    year, not_number = _numeric(raw)
    whole = year.notna() & (year == np.floor(year))
    fails.add("year must be an integer", ~whole, raw)
    lo, hi = year_range
    fails.add(f"year must be within {lo}-{hi} (pass year_range= to widen)",
              whole & ((year < lo) | (year > hi)), year.where(whole).astype("Int64"))
    out["year"] = year.fillna(-1).astype("int64")


def _check_labels(out: pd.DataFrame, fails: _Failures, allow_unknown: bool) -> None:
    from ..indicators import INDICATORS

    units = set(get_args(Unit))
    for col in ("indicator", "unit", "source"):
        out[col] = _as_str(out[col])
        fails.add(f"{col} must not be empty", out[col].isna() | (out[col].fillna("") == ""), out[col])
    fails.add(f"unit must be one of {sorted(units)}",
              out["unit"].notna() & ~out["unit"].isin(units), out["unit"])
    if not allow_unknown:
        fails.add("indicator must be an id from lofteeval.indicators (or pass "
                  "allow_unknown_indicators=True)",
                  out["indicator"].notna() & (out["indicator"] != "") & ~out["indicator"].isin(INDICATORS),
                  out["indicator"])


def _check_values(out: pd.DataFrame, fails: _Failures) -> None:
    raw = out["value"]
    value, not_number = _numeric(raw)
    fails.add("value must be numeric (NaN for missing, with a flag)", not_number, raw)
    out["value"] = value
    out["flag"] = _as_str(out["flag"]).fillna("") if "flag" in out else ""
    fails.add("value is NaN but flag is empty: say why it is missing (e.g. 'suppressed')",
              value.isna() & ~not_number & (out["flag"] == ""), out["kommun"] + "/" + out["year"].astype(str))
    unit = out["unit"]
    fails.add("count and per_100k values must be >= 0",
              unit.isin({"count", "per_100k"}) & (value < 0), value)
    fails.add("percent values must be within 0-100", (unit == "percent") & ((value < 0) | (value > 100)), value)
    fails.add("value must be finite", np.isinf(value.to_numpy()), value)
    for col in ("n", "se"):
        if col in out:
            num, bad = _numeric(out[col])
            fails.add(f"{col} must be numeric", bad, out[col])
            fails.add(f"{col} must be >= 0", num < 0, num)
            fails.add(f"{col} must be finite", np.isinf(num.to_numpy()), num)
            out[col] = num
        else:
            out[col] = np.nan


def _check_duplicates(out: pd.DataFrame, fails: _Failures) -> tuple[pd.DataFrame, int]:
    """Drop exact duplicates (returning their count); record conflicting ones as a failure."""
    key = list(IDENTITY)
    dup = out.duplicated(key, keep=False)
    if not dup.any():
        return out, 0
    compare = [c for c in out.columns if c not in key]
    identical = out.duplicated(key + compare, keep="first")
    # rows whose identity repeats with a different payload conflict
    payload = out[dup].drop_duplicates(key + compare)
    conflict_keys = payload[payload.duplicated(key, keep=False)][key].drop_duplicates()
    if len(conflict_keys):
        shown = conflict_keys.astype(str).agg("/".join, axis=1)
        n_rows = int(out.merge(conflict_keys, on=key, how="inner").shape[0])
        fails.items.append((
            "each (kommun, year, indicator, source) must appear once; these repeat with different "
            "values (drop or reconcile one in the reader)",
            n_rows, [repr(s) for s in shown.head(_MAX_EXAMPLES)],
        ))
    return out[~identical.to_numpy()], int(identical.sum())


def validate_tidy(
    df: pd.DataFrame,
    *,
    year_range: tuple[int, int] = (1990, 2030),
    allow_unknown_indicators: bool = False,
) -> pd.DataFrame:
    """Check a tidy frame and return a normalised copy; raise one error listing every failure.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame with :data:`TIDY_COLUMNS` and optionally :data:`OPTIONAL_COLUMNS`; other
        columns are kept as they are.  Never modified.
    year_range : tuple of int
        Inclusive range of allowed years.
    allow_unknown_indicators : bool
        Accept indicator ids that are not in :mod:`lofteeval.indicators` (raw source tables).

    Returns
    -------
    pandas.DataFrame
        A copy with ``kommun``/``indicator``/``unit``/``source``/``flag`` as str (``flag`` ``""``
        when none), ``year`` int64, ``value``/``n``/``se`` float64 (added as NaN when absent),
        exact duplicate rows removed (with a :class:`~lofteeval.errors.DroppedRowsWarning`),
        sorted by (kommun, year, indicator, source).  ``df.attrs`` are kept.  Validating the
        result again returns an equal frame.

    Raises
    ------
    DataError
        Once, listing each failed check with its row count and up to 5 examples: missing
        columns, kommun not 4 digits or unknown, non-integer or out-of-range years, unknown units
        or indicators, non-numeric values, NaN values without a flag, negative counts/rates/n/se,
        percents outside 0-100, and conflicting duplicates.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"validate_tidy needs a pandas DataFrame (got {type(df).__name__}).")
    missing = [c for c in TIDY_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(
            f"tidy data must have columns {list(TIDY_COLUMNS)} (optional {list(OPTIONAL_COLUMNS)}); "
            f"missing {missing} (got {list(df.columns)}). Rename or add them in the reader."
        )
    out = df.copy().reset_index(drop=True)
    fails = _Failures()
    steps: list[Callable[[], None]] = [
        lambda: _check_kommun(out, fails),
        lambda: _check_year(out, fails, year_range),
        lambda: _check_labels(out, fails, allow_unknown_indicators),
        lambda: _check_values(out, fails),
    ]
    for step in steps:
        step()
    extra = [c for c in out.columns if c not in TIDY_COLUMNS + OPTIONAL_COLUMNS]
    out = out[[*TIDY_COLUMNS, *OPTIONAL_COLUMNS, *extra]]
    out, n_identical = _check_duplicates(out, fails)
    fails.raise_if_any(len(df))
    if n_identical:
        warnings.warn(f"validate_tidy dropped {n_identical} exact duplicate row(s) "
                      "(same identity and identical values).", DroppedRowsWarning, stacklevel=2)
    out = out.sort_values(list(IDENTITY), kind="stable").reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def is_synthetic(panel: pd.DataFrame) -> bool:
    """True when ``panel`` (or any row of it) is synthetic.

    The one test used everywhere: ``attrs["synthetic"]``, a ``source == "demo"`` row or a
    ``flag == "synthetic"`` row; one synthetic row taints the frame.
    """
    if bool(panel.attrs.get("synthetic", False)):
        return True
    if "source" in panel.columns and (panel["source"] == "demo").any():
        return True
    return bool("flag" in panel.columns and (panel["flag"] == "synthetic").any())

