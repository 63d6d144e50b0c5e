"""One tidy panel pivoted once and shared by every design built on it.

Building a design reads one indicator of the panel as a kommun × year table, and the estimator
frame reads that indicator's rows (and the population rows) again.  Over a whole löfte — or the
whole country — the same panel is pivoted hundreds of times.  :class:`PanelPivots` does it once
per indicator and hands the result to every design: :func:`lofteeval.evaluation.evaluate_areas`
builds one for its löfte (or takes the national run's, built once per worker) and passes it to
:func:`~lofteeval.design.make_design` and :func:`~lofteeval.evaluation.estimator_frame`.

Safety: a ``PanelPivots`` belongs to the one frame it was built from (``pivots.panel``), and
:meth:`PanelPivots.of` refuses it for any other frame — so a pivot of one panel can never be
returned for another, even one with the same shape.  The frame must not be modified while its
pivots are in use (the evaluation loop never does).  Everything it hands out is shared: callers
read it and never modify it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import DataError, DesignError

__all__ = ["PanelPivots", "TIDY_NEEDED", "object_text"]

TIDY_NEEDED = ("kommun", "year", "indicator", "value")
"""Columns a tidy panel must have for a design."""

T = TypeVar("T")


class PanelPivots:
    """Per indicator: the tidy rows (``kommun`` as str, ``year`` as int) and the kommun × year table.

    Parameters
    ----------
    panel : pandas.DataFrame
        Tidy panel (``docs/architecture.md``).  Nothing is computed until asked for, and each
        piece once.

    Examples
    --------
    >>> from lofteeval.datasets import demo_panel
    >>> panel = demo_panel()
    >>> pv = PanelPivots(panel)
    >>> pv.wide("reported_assault").shape
    (290, 15)
    >>> PanelPivots.of(panel, pv) is pv
    True
    """

    def __init__(self, panel: pd.DataFrame) -> None:
        self.panel = panel
        self._pieces: dict[str, pd.DataFrame] | None = None
        self._rows: dict[str, pd.DataFrame] = {}
        self._wide: dict[str, pd.DataFrame] = {}
        self._memo: dict[Hashable, Any] = {}

    @classmethod
    def of(cls, panel: pd.DataFrame, pivots: PanelPivots | None = None) -> PanelPivots:
        """``pivots`` when it was built from this very ``panel``, a new one when ``pivots`` is None.

        Raises
        ------
        DataError
            ``pivots`` was built from another frame (a stale pivot would give wrong numbers).
        """
        if pivots is None:
            return cls(panel)
        if not isinstance(pivots, PanelPivots) or pivots.panel is not panel:
            raise DataError("pivots= must be the PanelPivots built from this very panel "
                            f"(got {type(pivots).__name__} of another frame); build it with "
                            "PanelPivots(panel) or leave pivots= out.")
        return pivots

    # --------------------------------------------------------------------------------------------
    def _split(self) -> dict[str, pd.DataFrame]:
        if self._pieces is None:
            missing = set(TIDY_NEEDED) - set(self.panel.columns)
            if missing:
                raise DesignError(f"panel must have the tidy columns kommun, year, indicator, value (missing "
                                  f"{sorted(missing)}); build it with build_panel() or datasets.demo_panel().")
            self._pieces = {str(k): g for k, g in self.panel.groupby("indicator", sort=False, observed=True)}
        return self._pieces

    @property
    def indicators(self) -> frozenset[str]:
        """The indicator ids present in the panel."""
        return frozenset(self._split())

    def rows(self, indicator: str) -> pd.DataFrame:
        """The indicator's tidy rows in panel order (``kommun`` str, ``year`` int); empty if absent."""
        if indicator not in self._rows:
            piece = self._split().get(indicator, self.panel.iloc[:0])
            self._rows[indicator] = piece.assign(kommun=piece["kommun"].astype(str),
                                                 year=piece["year"].astype(int))
        return self._rows[indicator]

    def wide(self, indicator: str) -> pd.DataFrame:
        """Kommun × year table of the indicator's values (the mean of duplicate rows, as ``pivot_table``).

        Raises
        ------
        DesignError
            The panel lacks the tidy columns or the indicator.
        """
        if indicator not in self._wide:
            rows = self.rows(indicator)
            if rows.empty:
                have = sorted(self.panel["indicator"].dropna().unique())
                raise DesignError(f"indicator {indicator!r} is not in the panel (it has {have}); add its "
                                  "source or pick another indicator.")
            self._wide[indicator] = rows.pivot_table(index="kommun", columns="year", values="value",
                                                     aggfunc="mean")
        return self._wide[indicator]

    def select(self, indicator: str, kommuner: Iterable[str], years: Iterable[int]) -> pd.DataFrame:
        """The indicator's rows (:meth:`rows`) of these kommuner and years, in panel order."""
        rows = self.rows(indicator)
        codes, where = self.memo(("codes", indicator), lambda: _codes(rows["kommun"]))
        wanted = [where[k] for k in kommuner if k in where]
        keep = np.isin(codes, wanted) & np.isin(rows["year"].to_numpy(), list(years))
        return rows[keep]

    def duplicated(self, indicator: str) -> bool:
        """True when some ``(kommun, year)`` of the indicator has more than one row."""
        return self.memo(("duplicated", indicator),
                         lambda: bool(self.rows(indicator).duplicated(["kommun", "year"]).any()))

    def lookup(self, indicator: str, kommun: pd.Series, year: pd.Series) -> np.ndarray | None:
        """The indicator's value at each ``(kommun, year)`` pair (NaN where it has no row).

        ``None`` when the indicator has duplicate ``(kommun, year)`` rows: a lookup would have to
        choose one, so the caller takes its checked path (a merge that refuses them).
        """
        if self.duplicated(indicator):
            return None
        wide = self.memo(("unique_wide", indicator),
                         lambda: self.rows(indicator).pivot(index="kommun", columns="year", values="value"))
        ri, ci = wide.index.get_indexer(kommun), wide.columns.get_indexer(year)
        values = wide.to_numpy(dtype=float)[ri, ci]
        values[(ri < 0) | (ci < 0)] = np.nan
        return np.asarray(values)

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` computed once per ``key`` for this panel (e.g. the population reference per pre period)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]  # type: ignore[no-any-return]

    @property
    def synthetic(self) -> bool:
        """:func:`lofteeval.harmonise.schema.is_synthetic` of the panel, computed once."""
        from ..harmonise.schema import is_synthetic

        return self.memo("synthetic", lambda: is_synthetic(self.panel))


def _codes(kommun: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes of a kommun column and ``{kommun: code}`` (fast membership tests)."""
    codes, uniques = pd.factorize(kommun)
    return np.asarray(codes), {str(k): i for i, k in enumerate(uniques)}



def object_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with the text index and columns as Python objects instead of Arrow strings.

    For a shared lookup table read many times by label (the pool steps' ``.loc`` and
    ``.to_dict()``): the same values, hashed lookups several times faster.
    """
    out = frame.copy()
    if pd.api.types.is_string_dtype(out.index.dtype):
        out.index = pd.Index(out.index.to_numpy(dtype=object), name=out.index.name)
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].astype(object)
    return out
