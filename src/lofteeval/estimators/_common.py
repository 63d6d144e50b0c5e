"""Shared input checks for the estimators: long frame in, checked wide matrices out.

Every estimator starts with :func:`prepare_panel`, which

1. checks that the named columns exist (``DataError`` naming the missing ones),
2. refuses duplicate ``(unit, time)`` rows (``DataError`` with the count),
3. drops rows whose outcome (or exposure / ``n``) is missing, with a ``DroppedRowsWarning``
   giving the count,
4. checks that every treated unit is present and has pre- and post-period observations
   (``DesignError``),
5. balances the panel: a *treated* unit with a missing period is an error; a *comparison* unit with
   a missing period is dropped with a ``DroppedRowsWarning`` naming it (``balance="drop"``),
6. pivots to wide ``time x unit`` matrices (times sorted, treated units first, then comparison
   units in sorted order), so the result never depends on the input's row order.

It never mutates the caller's frame.  :func:`standard_caveats` adds the caveats every design
shares (short pre-period, COVID years, zero or tiny counts) with the thresholds below.

Thresholds (documented here so reports can quote them):

- ``MIN_PRE_YEARS`` (before/after and DiD: 3; ITS: 6): fewer pre-period years raise
  ``ShortPrePeriodWarning``.
- ``COVID_YEARS = (2020, 2021)``: any of them inside the analysed window raises ``CovidYearsWarning``
  (only when ``time`` looks like calendar years).
- ``SMALL_COUNT = 10``: a treated unit with a zero count in a year, or fewer than 10 counts a year on
  average, raises ``ZeroCountsWarning``.
- ``LOW_POWER_MDE = 0.25``: an MDE above 25 % (relative scale) or above 25 % of the treated unit's
  pre-period mean (absolute scale) raises ``LowPowerWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import (
    CovidYearsWarning,
    DataError,
    DesignError,
    DroppedRowsWarning,
    LowPowerWarning,
    ShortPrePeriodWarning,
    ZeroCountsWarning,
    caveat,
)

__all__ = [
    "Panel",
    "as_units",
    "check_columns",
    "prepare_panel",
    "standard_caveats",
    "low_power_caveat",
    "period_diagnostics",
    "check_uncertainty",
    "COVID_YEARS",
    "SMALL_COUNT",
    "LOW_POWER_MDE",
]

COVID_YEARS = (2020, 2021)
SMALL_COUNT = 10.0
LOW_POWER_MDE = 0.25


@dataclass(frozen=True)
class Panel:
    """A checked, balanced panel in wide form (rows = sorted times, columns = units).

    Attributes
    ----------
    y : pandas.DataFrame
        Outcome, ``time x unit``; treated units first, then comparison units (sorted).
    exposure : pandas.DataFrame or None
        Exposure (population) with the same shape, or None.
    n : pandas.DataFrame or None
        Respondents / denominators with the same shape, or None.
    treated : tuple
        Treated unit ids (as given, in sorted order).
    controls : tuple
        Comparison unit ids kept after balancing (sorted).
    times : numpy.ndarray
        Sorted periods.
    post : numpy.ndarray of bool
        ``times >= treatment_start``.
    treatment_start : object
        First treated period.
    """

    y: pd.DataFrame
    exposure: pd.DataFrame | None
    n: pd.DataFrame | None
    treated: tuple[Hashable, ...]
    controls: tuple[Hashable, ...]
    times: np.ndarray
    post: np.ndarray
    treatment_start: object

    @property
    def n_pre(self) -> int:
        """Number of pre-period times."""
        return int((~self.post).sum())

    @property
    def n_post(self) -> int:
        """Number of post-period times."""
        return int(self.post.sum())


def as_units(value: Hashable | Iterable[Hashable] | None) -> tuple[Hashable, ...]:
    """Normalise one unit id or a list of ids to a tuple (strings are one id, not characters)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


def check_columns(data: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Raise ``DataError`` unless every named column exists.

    ``columns`` maps the role (``"outcome"``) to the column name; ``None`` names are skipped.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame in long form (got {type(data).__name__}).")
    missing = {role: col for role, col in columns.items() if col is not None and col not in data.columns}
    if missing:
        listed = ", ".join(f"{role}={col!r}" for role, col in missing.items())
        raise DataError(
            f"data must contain the named columns; missing {listed}. "
            f"Available columns: {list(data.columns)}. Pass the right names."
        )


def _drop_missing(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    bad = df[cols].isna().any(axis=1)
    if bad.any():
        warnings.warn(
            f"dropped {int(bad.sum())} row(s) with a missing value in {cols}.",
            DroppedRowsWarning,
            stacklevel=4,
        )
        df = df.loc[~bad]
    return df


def _select_times(times: np.ndarray, start: object, pre_years: int | Sequence | None) -> np.ndarray:
    if pre_years is None:
        return times
    pre = times[times < start]
    if isinstance(pre_years, (int, np.integer)):
        if pre_years < 1:
            raise DesignError(f"pre_years must be >= 1 (got {pre_years}).")
        keep_pre = pre[-int(pre_years):]
    else:
        keep_pre = pre[np.isin(pre, np.asarray(list(pre_years)))]
    return times[(times >= start) | np.isin(times, keep_pre)]


def prepare_panel(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Hashable | Iterable[Hashable],
    treatment_start: object,
    exposure: str | None = None,
    n: str | None = None,
    controls: Iterable[Hashable] | None = None,
    pre_years: int | Sequence | None = None,
    require_controls: bool = True,
    balance: Literal["drop", "raise"] = "drop",
) -> Panel:
    """Check a long frame and pivot it to a balanced wide :class:`Panel`.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``.
    unit, time, outcome : str
        Column names.
    treated : id or list of ids
        Treated unit(s).
    treatment_start : scalar
        First treated period; ``time < treatment_start`` is the pre-period.
    exposure, n : str, optional
        Exposure (population) and respondents columns, pivoted alongside the outcome.
    controls : list of ids, optional
        Comparison units; None means every non-treated unit.  Ignored when
        ``require_controls=False`` and None.
    pre_years : int or list, optional
        Keep only the last ``pre_years`` pre-periods (int) or the listed ones.
    require_controls : bool
        Raise ``DesignError`` when no comparison unit remains.
    balance : {"drop", "raise"}
        What to do with a comparison unit that lacks a period.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        Missing columns, duplicate ``(unit, time)`` rows, negative counts or exposure.
    DesignError
        Treated units absent, no pre- or post-period, unbalanced treated unit, no controls.
    """
    check_columns(data, {"unit": unit, "time": time, "outcome": outcome, "exposure": exposure, "n": n})
    treated_ids = as_units(treated)
    if not treated_ids:
        raise DesignError("treated must name at least one unit (got an empty list).")
    value_cols = [c for c in dict.fromkeys([outcome, exposure, n]) if c is not None]
    df = data.loc[:, list(dict.fromkeys([unit, time, *value_cols]))]
    dup = df.duplicated([unit, time])
    if dup.any():
        raise DataError(
            f"each ({unit}, {time}) must appear once; found {int(dup.sum())} duplicate row(s). "
            "Filter the frame to one indicator and source first."
        )
    df = _drop_missing(df, value_cols)
    present = set(df[unit].unique())
    absent = [u for u in treated_ids if u not in present]
    if absent:
        raise DesignError(
            f"treated unit(s) {absent} have no rows with a non-missing {outcome!r}. "
            f"Check the ids (units look like {sorted(present, key=str)[:3]})."
        )
    if controls is None:
        control_ids = sorted((u for u in present if u not in treated_ids), key=str) if require_controls else []
    else:
        control_ids = sorted(dict.fromkeys(as_units(controls)), key=str)
        overlap = [u for u in control_ids if u in treated_ids]
        missing = [u for u in control_ids if u not in present]
        if overlap:
            raise DesignError(f"controls must not include treated units (got {overlap}).")
        if missing:
            raise DesignError(f"control unit(s) {missing} have no rows in data; drop them from controls.")
    df = df.loc[df[unit].isin([*treated_ids, *control_ids])]
    times = _select_times(np.sort(df[time].unique()), treatment_start, pre_years)
    df = df.loc[df[time].isin(times)]
    _check_periods(times, treatment_start)
    col_ids = [*treated_ids, *control_ids]
    wide = _pivot(df, unit=unit, time=time, columns=value_cols, times=times, units=col_ids)
    holes = dict(zip(col_ids, np.isnan(wide[outcome]).any(axis=0)))
    bad_treated = [u for u in treated_ids if holes[u]]
    if bad_treated:
        raise DesignError(
            f"treated unit(s) {bad_treated} lack some of the periods {list(times)}; "
            "the design needs every period. Pass pre_years= to shorten the window or impute upstream."
        )
    dropped = [u for u in control_ids if holes[u]]
    if dropped:
        if balance == "raise":
            raise DesignError(f"comparison unit(s) {dropped} lack some periods; balance the panel first.")
        warnings.warn(
            f"dropped {len(dropped)} comparison unit(s) lacking some of the {len(times)} periods: "
            f"{dropped[:10]}{' ...' if len(dropped) > 10 else ''}.",
            DroppedRowsWarning,
            stacklevel=3,
        )
        control_ids = [u for u in control_ids if u not in dropped]
    if require_controls and not control_ids:
        raise DesignError("the design needs at least one comparison unit with every period (got none).")
    order = [*sorted(treated_ids, key=str), *control_ids]
    where = {u: i for i, u in enumerate(col_ids)}
    pos = [where[u] for u in order]
    index = pd.Index(times, name=time)
    columns = pd.Index(order, name=unit)
    mats = {c: pd.DataFrame(wide[c][:, pos], index=index, columns=columns) for c in value_cols}
    for role, col in (("exposure", exposure), ("n", n)):
        if col is not None and (mats[col].to_numpy() <= 0).any():
            raise DataError(f"{role} column {col!r} must be > 0 everywhere (got a value <= 0).")
    if exposure is not None and (mats[outcome].to_numpy() < 0).any():
        raise DataError(f"counts in {outcome!r} must be >= 0 when exposure is given (got a negative value).")
    return Panel(
        y=mats[outcome],
        exposure=mats[exposure] if exposure is not None else None,
        n=mats[n] if n is not None else None,
        treated=tuple(sorted(treated_ids, key=str)),
        controls=tuple(control_ids),
        times=np.asarray(times),
        post=np.asarray(times >= treatment_start),
        treatment_start=treatment_start,
    )


def _pivot(df: pd.DataFrame, *, unit: str, time: str, columns: list[str], times: np.ndarray,
           units: list[Hashable]) -> dict[str, np.ndarray]:
    """Scatter long rows into ``(len(times), len(units))`` float arrays (NaN where absent)."""
    lookup = {u: i for i, u in enumerate(units)}
    u_idx = np.fromiter((lookup[u] for u in df[unit].tolist()), dtype=int, count=len(df))
    t_idx = np.searchsorted(times, df[time].to_numpy())
    out = {}
    for c in columns:
        arr = np.full((len(times), len(units)), np.nan)
        arr[t_idx, u_idx] = df[c].to_numpy(dtype=float)
        out[c] = arr
    return out


def _check_periods(times: np.ndarray, start: object) -> None:
    n_pre = int((times < start).sum())
    n_post = int((times >= start).sum())
    if n_pre == 0 or n_post == 0:
        raise DesignError(
            f"the design needs pre-period (< {start}) and post-period (>= {start}) times; "
            f"got {n_pre} pre and {n_post} post among {list(times)}. Check treatment_start."
        )


def standard_caveats(
    collected: list[str], panel: Panel, *, min_pre: int = 3, counts: bool = False
) -> None:
    """Append the shared caveats (short pre-period, COVID years, zero/small counts) to ``collected``."""
    if panel.n_pre < min_pre:
        caveat(
            collected,
            ShortPrePeriodWarning,
            f"only {panel.n_pre} pre-period year(s); this design needs >= {min_pre} to be convincing.",
            n_pre=panel.n_pre, need=min_pre,
        )
    times = panel.times
    if np.issubdtype(times.dtype, np.number) and np.all((times > 1900) & (times < 2200)):
        covid = [int(t) for t in times if int(t) in COVID_YEARS]
        if covid:
            caveat(
                collected,
                CovidYearsWarning,
                f"the window contains {covid}, when crime and reporting patterns shifted everywhere.",
                years=covid,
            )
    if counts:
        treated_counts = panel.y.loc[:, list(panel.treated)].to_numpy()
        if (treated_counts == 0).any() or treated_counts.sum(axis=1).mean() < SMALL_COUNT:
            caveat(
                collected,
                ZeroCountsWarning,
                f"the treated unit(s) have zero counts in some year or fewer than {SMALL_COUNT:g} a year "
                f"(mean {treated_counts.sum(axis=1).mean():.1f}); rates and ratios are unstable.",
                threshold=SMALL_COUNT, mean=float(treated_counts.sum(axis=1).mean()),
            )


def _plain(value: object) -> object:
    """numpy scalars -> Python scalars, so diagnostics print and serialise cleanly."""
    return value.item() if isinstance(value, np.generic) else value


def period_diagnostics(panel: Panel) -> dict:
    """``treatment_start``, ``pre_periods`` and ``post_periods`` (lists) for a result's diagnostics."""
    times = [_plain(t) for t in panel.times]
    return {
        "treatment_start": _plain(panel.treatment_start),
        "pre_periods": [t for t, p in zip(times, panel.post) if not p],
        "post_periods": [t for t, p in zip(times, panel.post) if p],
    }


def check_uncertainty(se: float, *, design: str, what: str) -> None:
    """Raise ``DesignError`` unless the standard error ``se`` is finite and > 0.

    ``what`` names the variation that was missing (e.g. "year-to-year variation in the pre-period").
    """
    if not (np.isfinite(se) and se > 0):
        raise DesignError(
            f"{design} needs {what} to estimate its uncertainty (got a standard error of {se!r}). "
            "A constant or perfectly fitted series carries no information about noise; use counts with "
            "exposure=, a longer window, or a design with comparison units (did)."
        )


def low_power_caveat(collected: list[str], mde: float | None, *, relative: bool, baseline: float = 1.0) -> None:
    """Warn ``LowPowerWarning`` when the MDE exceeds ``LOW_POWER_MDE`` (of ``baseline`` if absolute)."""
    if mde is None or not np.isfinite(mde):
        return
    share = mde if relative else mde / abs(baseline) if baseline else np.inf
    if share > LOW_POWER_MDE:
        what = f"{100 * mde:.0f} %" if relative else f"{mde:.3g} ({100 * share:.0f} % of the pre-period mean)"
        caveat(
            collected,
            LowPowerWarning,
            f"the minimum detectable effect at 80 % power is {what}; smaller true effects would "
            "usually go unnoticed, so a null result says little.",
            mde=float(mde), relative=relative, share=float(share),
        )
