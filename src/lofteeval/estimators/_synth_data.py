"""Balanced wide arrays and shared caveats for synthetic control and synthetic DiD (internal).

:func:`_prepare` validates a long frame (columns, units, duplicates, holes: nothing is dropped
silently) and returns a :class:`_Panel` of the treated series and the donors.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import (
    CovidYearsWarning,
    DataError,
    DesignError,
    FewDonorsWarning,
    PoorPreFitWarning,
    ShortPrePeriodWarning,
    caveat,
)
from ..inference import Interval
from ..inference.methods import MIN_RANK_POOL
from ..results import EffectResult

MIN_PRE_PERIODS = 5
MIN_DONORS = MIN_RANK_POOL
POOR_FIT_SD_FRACTION = 0.25  # pre-period RMSPE above this share of the outcome's sd = poor fit


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

    @property
    def n_pre(self) -> int:
        return int(self.pre.sum())

    def check_pre_fit(self, pre_rmspe: float, *, what: str) -> None:
        """Record a ``PoorPreFitWarning`` when ``pre_rmspe`` exceeds ``POOR_FIT_SD_FRACTION`` of the
        outcome's pre-period sd (treated and donors pooled); ``what`` ends the message."""
        if self.pre.sum() < 2:
            return
        pre_sd = float(np.std(np.vstack([self.y1, self.y0])[:, self.pre], ddof=1))
        if pre_sd > 0 and pre_rmspe > POOR_FIT_SD_FRACTION * pre_sd:
            caveat(self.warnings, PoorPreFitWarning,
                   f"pre-period RMSPE {pre_rmspe:.4g} is {pre_rmspe / pre_sd:.2f} x the outcome's sd "
                   f"({pre_sd:.4g}); {what}", rmspe=pre_rmspe, ratio=pre_rmspe / pre_sd, sd=pre_sd)

    def period_diagnostics(self) -> dict[str, Any]:
        """``treatment_start``, ``pre_periods`` and ``post_periods`` (lists of plain values)."""
        def plain(v: Any) -> Any:
            return v.item() if isinstance(v, np.generic) else v
        times = [plain(t) for t in self.times]
        return {"treatment_start": plain(self.treatment_start),
                "pre_periods": [t for t, p in zip(times, self.pre) if p],
                "post_periods": [t for t, p in zip(times, self.pre) if not p]}


def _as_list(x: Any) -> list[Hashable]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence | np.ndarray | pd.Index | pd.Series):
        return [x]
    return list(x)


def _check_columns(data: pd.DataFrame, cols: dict[str, str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a long pandas DataFrame (got {type(data).__name__}).")
    missing = [f"{role}={name!r}" for role, name in cols.items() if name not in data.columns]
    if missing:
        raise DataError(
            f"data must contain the columns named by {', '.join(missing)} "
            f"(got columns {list(data.columns)}). Pass the right column names."
        )
    if not pd.api.types.is_numeric_dtype(data[cols["outcome"]]):
        raise DataError(
            f"outcome column {cols['outcome']!r} must be numeric (got dtype {data[cols['outcome']].dtype}). "
            "Convert it with pd.to_numeric first."
        )


def _select_units(data: pd.DataFrame, unit: str, treated: Any,
                  donors: Any) -> tuple[list[Hashable], list[Hashable]]:
    present = pd.unique(data[unit])
    present_set = set(present.tolist())
    tr = _as_list(treated)
    bad = [t for t in tr if t not in present_set]
    if not tr or bad:
        raise DataError(f"treated unit(s) {bad or tr} must appear in column {unit!r}; "
                        f"check the id and its type (e.g. '0180' as a string, not 180).")
    if donors is None:
        trs = set(tr)
        dn = [u for u in present.tolist() if u not in trs]
    else:
        dn = list(dict.fromkeys(_as_list(donors)))
        bad = [d for d in dn if d not in present_set]
        if bad:
            raise DataError(f"donors must appear in column {unit!r} (not found: {bad[:10]}).")
        both = sorted(set(dn) & set(tr), key=str)
        if both:
            raise DesignError(f"a unit cannot be both treated and a donor (got {both}). Remove it from donors=.")
    if not dn:
        raise DesignError("a synthetic comparison needs at least one donor unit (got none). Pass donors= or check the data.")
    return tr, dn


def _wide(data: pd.DataFrame, unit: str, time: str, outcome: str,
          units: list[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """Balanced ``(units, periods)`` array and the sorted periods; raise on duplicates or holes."""
    u_code = pd.Index(units).get_indexer(data[unit])
    keep = u_code >= 0
    u_code = u_code[keep]
    t_raw = data[time].to_numpy()[keep]
    times, t_code = np.unique(t_raw, return_inverse=True)
    cell = u_code * times.size + t_code
    counts = np.bincount(cell, minlength=len(units) * times.size)
    if counts.max(initial=0) > 1:
        dup = np.flatnonzero(counts > 1)
        ex = [(units[c // times.size], times[c % times.size].item()) for c in dup[:3]]
        raise DataError(
            f"each ({unit}, {time}) pair must occur once (got {int((counts[dup] - 1).sum())} duplicate "
            f"rows, e.g. {ex}). Filter to one indicator/source or aggregate first."
        )
    values: np.ndarray = np.full(len(units) * times.size, np.nan)
    values[cell] = data[outcome].to_numpy(dtype=float, na_value=np.nan)[keep]
    values = values.reshape(len(units), times.size)
    holes = np.isnan(values)
    if holes.any():
        uu, tt = np.nonzero(holes)
        cells = [f"{units[a]}@{times[b].item()}" for a, b in zip(uu[:5], tt[:5])]
        raise DataError(
            f"the panel must be balanced with no missing {outcome!r} for the treated unit(s) and "
            f"donors (got {int(holes.sum())} missing unit-periods in {int(holes.any(axis=1).sum())} "
            f"units, e.g. {cells}). Nothing is dropped silently: fill or interpolate them, restrict "
            "the years, or exclude those units with donors=."
        )
    return values, times


RATE_COLUMN = "_rate_per_100k"


def _rates_from_counts(data: pd.DataFrame, outcome: str, exposure: str) -> pd.DataFrame:
    """A copy with ``outcome / exposure * 100 000`` in :data:`RATE_COLUMN` (counts -> rates)."""
    _check_columns(data, {"outcome": outcome, "exposure": exposure})
    expo = pd.to_numeric(data[exposure], errors="coerce")
    bad = ~(expo > 0)
    if bad.any():
        raise DataError(f"exposure column {exposure!r} must be positive wherever counts are given "
                        f"(got {int(bad.sum())} rows that are not, e.g. {expo[bad].head(3).tolist()}). "
                        "Fill the population or drop those units.")
    return data.assign(**{RATE_COLUMN: data[outcome].astype(float) / expo * 1e5})


def _prepare(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: Any,
             treatment_start: Any, donors: Any, exposure: str | None = None) -> _Panel:
    """Validate a long frame and return balanced wide arrays (shared with synthetic DiD).

    With ``exposure`` the outcome is a count and the design works on the rate per 100 000.
    """
    if exposure is not None:
        data, outcome = _rates_from_counts(data, outcome, exposure), RATE_COLUMN
    _check_columns(data, {"unit": unit, "time": time, "outcome": outcome})
    tr, dn = _select_units(data, unit, treated, donors)
    values, times = _wide(data, unit, time, outcome, tr + dn)
    pre = np.asarray(times < treatment_start, dtype=bool)
    n_pre, n_post = int(pre.sum()), int((~pre).sum())
    if n_pre < 1 or n_post < 1:
        raise DesignError(
            f"treatment_start={treatment_start!r} must leave at least one period before and one from "
            f"it on (got {n_pre} pre and {n_post} post periods in {times.min()}-{times.max()})."
        )
    panel = _Panel(tuple(tr), dn, times, values[: len(tr)].mean(axis=0), values[len(tr):], pre,
                   treatment_start)
    _common_caveats(panel)
    return panel


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


def weighted_result(method: str, panel: _Panel, *, estimate: float, interval: Interval, level: float,
                    inference_id: str, path: np.ndarray, mde: float | None, diagnostics: dict[str, Any],
                    weights: np.ndarray, unit: str, placebo: pd.DataFrame) -> EffectResult:
    """The one place a donor-weighted design (synthetic control, SDID) becomes an :class:`EffectResult`.

    ``path`` is the per-period gap (observed minus counterfactual) of the treated series.
    """
    return EffectResult(
        method=method, estimate=float(estimate), ci_low=float(interval.low), ci_high=float(interval.high),
        p_value=float(interval.p_value), level=level, inference=interval.method,
        inference_id=inference_id, inference_values={"n": len(placebo)}, scale="absolute",
        effects=pd.DataFrame({"time": panel.times, "observed": panel.y1,
                              "counterfactual": panel.y1 - path, "effect": path}),
        mde=mde, diagnostics=diagnostics, warnings=tuple(panel.warnings),
        weights=pd.Series(weights, index=pd.Index(panel.donors, name=unit), name="weight"),
        placebo=placebo,
    )

