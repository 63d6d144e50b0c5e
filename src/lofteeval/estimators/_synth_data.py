"""Balanced wide arrays and shared caveats for synthetic control and synthetic DiD (internal).

:func:`_prepare` runs the one preparer (:func:`._panel.prepare_panel`: its argument checks and
missing-data policy) and returns a :class:`_Panel` of the treated series and the donors.  With
``exposure=`` the outcome is a count: the design works on the rate per 100 000 and keeps the
treated counts for the shared warnings (:mod:`._warnings`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    CovidYearsWarning,
    DataError,
    FewDonorsWarning,
    ShortPrePeriodWarning,
    caveat,
)
from ..inference import Interval
from ..inference.methods import MIN_RANK_POOL
from ..results import EffectResult
from ._assemble import Fit, Uncertainty, assemble
from ._panel import check_columns, prepare_panel
from ._warnings import refuse_small_counts  # the one small-count rule

MIN_PRE_PERIODS = 5
MIN_DONORS = MIN_RANK_POOL


@dataclass
class _Panel:
    """Balanced wide arrays for one design (internal)."""

    treated: tuple[Hashable, ...]
    donors: list[Hashable]
    times: np.ndarray
    y1: np.ndarray  # (T,) treated series (mean over treated units)
    y0: np.ndarray  # (J, T) donors
    pre: np.ndarray  # (T,) bool
    treatment_start: Any = None
    warnings: list[str] = field(default_factory=list)
    counts: np.ndarray | None = None  # (T,) treated counts summed over treated units (exposure= given)

    @property
    def n_pre(self) -> int:
        return int(self.pre.sum())

    def period_diagnostics(self) -> dict[str, Any]:
        """``treatment_start``, ``pre_periods`` and ``post_periods`` (lists of plain values)."""
        def plain(v: Any) -> Any:
            return v.item() if isinstance(v, np.generic) else v
        times = [plain(t) for t in self.times]
        return {"treatment_start": plain(self.treatment_start),
                "pre_periods": [t for t, p in zip(times, self.pre) if p],
                "post_periods": [t for t, p in zip(times, self.pre) if not p]}


RATE_COLUMN = "_rate_per_100k"


def rates_from_counts(data: pd.DataFrame, outcome: str, exposure: str) -> pd.DataFrame:
    """A copy with ``outcome / exposure * 100 000`` in :data:`RATE_COLUMN` (counts -> rates).

    A missing count or exposure gives a missing rate (the preparer's missing-data policy then
    applies); an exposure <= 0 is refused.
    """
    check_columns(data, {"outcome": outcome, "exposure": exposure})
    expo = pd.to_numeric(data[exposure], errors="coerce")
    bad = expo <= 0
    if bad.any():
        raise DataError(f"exposure column {exposure!r} must be positive wherever counts are given "
                        f"(got {int(bad.sum())} rows that are not, e.g. {expo[bad].head(3).tolist()}). "
                        "Fill the population or drop those units.")
    return data.assign(**{RATE_COLUMN: pd.to_numeric(data[outcome], errors="coerce") / expo * 1e5})


def _treated_counts(data: pd.DataFrame, unit: str, time: str, counts: str, treated: tuple, times: np.ndarray
                    ) -> np.ndarray:
    """The treated units' counts summed per period of ``times`` (complete: the preparer checked)."""
    rows = data.loc[data[unit].isin(list(treated)) & data[time].isin(list(times))]
    return pd.to_numeric(rows[counts]).groupby(rows[time]).sum().reindex(times).to_numpy(dtype=float)


def _prepare(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: Any,
             treatment_start: Any, donors: Any, exposure: str | None = None,
             pre_years: Any = None, design: str = "synthetic control") -> _Panel:
    """The one preparer's :class:`~._panel.Panel` as treated series and donor arrays (synthetic
    control and SDID).  With ``exposure`` the outcome is a count and the design works on the rate
    per 100 000; counts below ``SMALL_COUNT`` (10) a pre-period year are refused
    (:func:`._warnings.refuse_small_counts` on :func:`_pre_counts`, ``design`` names the design in the message).
    """
    count_col = None
    if exposure is not None:
        data, outcome, count_col = rates_from_counts(data, outcome, exposure), RATE_COLUMN, outcome
    wide = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=treated,
                         treatment_start=treatment_start, controls=donors, pre_years=pre_years)
    values = wide.y.to_numpy().T
    n1 = len(wide.treated)
    counts = None if count_col is None else _treated_counts(data, unit, time, count_col, wide.treated, wide.times)
    panel = _Panel(wide.treated, list(wide.controls), wide.times, values[:n1].mean(axis=0), values[n1:],
                   ~wide.post, treatment_start, warnings=list(wide.caveats), counts=counts)
    if (per_year := _pre_counts(panel)) is not None:
        refuse_small_counts(per_year, design)
    _common_caveats(panel)
    return panel


def _pre_counts(panel: _Panel) -> float | None:
    """The treated counts' mean per pre-period year, when counts are known (``exposure=`` given)."""
    if panel.counts is None or panel.n_pre == 0:
        return None
    return float(panel.counts[panel.pre].mean())


def _common_caveats(panel: _Panel) -> None:
    if panel.n_pre < MIN_PRE_PERIODS:
        caveat(panel.warnings, ShortPrePeriodWarning,
               f"{panel.n_pre} pre-period(s); a synthetic comparison needs >= {MIN_PRE_PERIODS} to be convincing.",
               n_pre=panel.n_pre, need=MIN_PRE_PERIODS)
    j = len(panel.donors)
    if j < MIN_DONORS:
        caveat(panel.warnings, FewDonorsWarning,
               f"{j} donors: the placebo p-value cannot go below 1/(J+1) = {1 / (j + 1):.3f}.",
               donors=j, min_p=1 / (j + 1))
    times = panel.times
    if np.issubdtype(times.dtype, np.integer) and times.min() >= 1900 and times.max() <= 2100:
        covid = [int(t) for t in times if t in (2020, 2021)]
        if covid:
            caveat(panel.warnings, CovidYearsWarning,
                   f"the window contains {covid}, when crime patterns shifted everywhere.", years=covid)


def positive_scales(scales: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``scales`` with zero or non-finite entries replaced by the smallest positive one, or
    ``fallback`` when none is positive (a noise-free panel): every unit keeps a usable scale."""
    ok = np.isfinite(scales) & (scales > 0)
    if not ok.any():
        return fallback
    return np.where(ok, scales, scales[ok].min())


def weighted_result(method: str, panel: _Panel, *, estimate: float, interval: Interval, level: float,
                    inference_id: str, path: np.ndarray, mde: float | None, diagnostics: dict[str, Any],
                    weights: np.ndarray, unit: str, placebo: pd.DataFrame) -> EffectResult:
    """The :class:`~._assemble.Fit` of a donor-weighted design (synthetic control, SDID), assembled.

    ``path`` is the per-period gap (observed minus counterfactual) of the treated series.
    """
    fit = Fit(estimate=float(estimate),
              effects=pd.DataFrame({"time": panel.times, "observed": panel.y1,
                                    "counterfactual": panel.y1 - path, "effect": path}),
              diagnostics=diagnostics, placebo=placebo, counts=panel.counts,
              weights=pd.Series(weights, index=pd.Index(panel.donors, name=unit), name="weight"))
    unc = Uncertainty(low=float(interval.low), high=float(interval.high), p_value=float(interval.p_value),
                      mde=mde, inference_id=inference_id, label=interval.method, values={"n": len(placebo)})
    return assemble(method, fit, unc, level=level, caveats=panel.warnings)

