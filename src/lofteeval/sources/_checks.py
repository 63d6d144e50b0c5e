"""Value checks shared by the readers; every error names the input, the column and the rows.

- :func:`check_range`: values within bounds (counts >= 0, percents 0-100, rates <= 100 000);
- :func:`check_years`: whole four-digit years (no fractions, months or quarters);
- :class:`named`: put the input's name in front of a :class:`DataError` raised inside
  (around ``_finish.finish``, whose schema checks do not know the file).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["check_range", "check_years", "named"]


def _rows_listed(mask: pd.Series, shown: pd.Series) -> str:
    rows = np.flatnonzero(mask.to_numpy())[:5]
    cells = [shown.iloc[i] for i in rows]
    return ", ".join(f"{v:g} (row {i + 1})" if isinstance(v, (float, int, np.number)) else f"{v!r} (row {i + 1})"
                     for i, v in zip(rows, cells))


def check_range(values: pd.Series, column: str, where: str, *, low: float = 0.0, high: float = math.inf,
                what: str = "", fix: str = "fix the cells or check the column") -> None:
    """Raise one ``DataError`` when a value of ``column`` lies outside ``low``-``high`` or is infinite (NaN passes).

    Rows are numbered from 1 after the header (or per item for JSON), as in :func:`parse_numbers`.
    """
    bad = values.notna() & (np.isinf(values) | (values < low) | (values > high))
    if bad.any():
        raise DataError(
            f"{where + ': ' if where else ''}column {column!r} must be {what or 'a value'} within "
            f"{low:g}-{high:g}; {int(bad.sum())} value(s) are not: {_rows_listed(bad, values)}"
            f"{' ...' if bad.sum() > 5 else ''}. {fix[0].upper() + fix[1:]}."
        )


def check_years(raw: pd.Series, column: str, where: str) -> pd.Series:
    """Whole four-digit years from the cells of ``column`` (``"2023"``, ``2023``, ``"2023.0"`` → 2023).

    Raises
    ------
    DataError
        Listing the cells that are not a year: fractions (``2020.7``), months or quarters
        (``2021-05``, ``2021M05``, ``2021K2``), ranges (``2019-2021``) or text.  The readers expect
        yearly data; aggregate monthly data to calendar years first.
    """
    text = raw.astype(str).str.strip()
    whole = text.str.fullmatch(r"(19|20)\d\d(\.0+)?").fillna(False).astype(bool)
    if not whole.all():
        bad = ~whole
        sub = text.str.fullmatch(r"(19|20)\d\d\s*[-/MKQmkq]\s*\d{1,2}").fillna(False).astype(bool) & bad
        hint = (" Monthly or quarterly periods are not yearly data: aggregate them to calendar years."
                if sub.any() else "")
        raise DataError(
            f"{where + ': ' if where else ''}column {column!r} must hold whole four-digit years such as "
            f"2023; {int(bad.sum())} value(s) are not: {_rows_listed(bad, text)}"
            f"{' ...' if bad.sum() > 5 else ''}.{hint} Fix the cells (a fraction such as 2020.7 is "
            "never rounded)."
        )
    return text.str[:4].astype("int64")


class named:
    """Context manager: a :class:`DataError` raised inside gets ``where: `` in front unless it names it.

    Used around :func:`._finish.finish`, whose schema checks do not know the file name.
    """

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> named:
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, DataError) and self.where and not str(exc).startswith(self.where):
            raise DataError(f"{self.where}: {exc}") from exc
