"""The one long → wide preparer of every design, with the one missing-data policy.

:func:`prepare_panel` (before/after, ITS, DiD, synthetic control, SDID and staggered DiD)

1. checks the arguments (``treated``, ``treatment_start``, ``pre_years``) and that the named
   columns exist and the outcome is numeric (``DataError`` naming what must hold and what came),
2. refuses duplicate ``(unit, time)`` rows (``DataError`` with the count and examples),
3. keeps the window (``pre_years`` shortens the pre-period) and pivots to ``time x unit``
   (times sorted, treated units first, then comparison units in sorted order), so the result
   never depends on the input's row order,
4. applies the **missing-data policy**: a unit-period is missing when its row is absent or its
   outcome (exposure, ``n``) is NaN.

   - A *treated* unit must be complete over the window: otherwise a ``DataError`` names the unit,
     the missing periods and how to fix it (fill upstream, shorten the window with
     ``pre_years=``, or move ``treatment_start``).
   - A *comparison* unit with a missing period is left out of the pool, and that is recorded:
     :attr:`Panel.left_out` maps each such unit to its missing periods and
     :attr:`Panel.caveats` holds one typed ``DroppedRowsWarning`` caveat with ``units`` and
     ``missing`` (a Python warning is emitted as well).  Nothing is dropped silently.

5. refuses degenerate outcomes: a treated outcome without any variation over the window (all
   zero, or constant) gives a ``DesignError`` — neither an effect nor its noise can be estimated,
   and an MDE of zero ("perfect power") would be a lie.

It never mutates the caller's frame.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._types import check_int
from ..errors import DataError, DesignError, DroppedRowsWarning, caveat

__all__ = ["Panel", "as_units", "check_columns", "one_pool", "prepare_panel"]


@dataclass(frozen=True)
class Panel:
    """A checked, balanced panel in wide form (rows = sorted times, columns = units).

    Attributes
    ----------
    y : pandas.DataFrame
        Outcome, ``time x unit``; treated units first, then comparison units (sorted).
    exposure, n : pandas.DataFrame or None
        Exposure (population) and respondents with the same shape, or None.
    treated : tuple
        Treated unit ids (sorted).
    controls : tuple
        Comparison unit ids kept (sorted): the pool.
    times : numpy.ndarray
        Sorted periods of the window.
    post : numpy.ndarray of bool
        ``times >= treatment_start`` (all False without a ``treatment_start``).
    treatment_start : object
        First treated period.
    left_out : dict
        Comparison units left out of the pool → their missing periods.
    caveats : tuple of str
        The typed caveat recording ``left_out`` (empty when none was left out).
    """

    y: pd.DataFrame
    exposure: pd.DataFrame | None
    n: pd.DataFrame | None
    treated: tuple[Hashable, ...]
    controls: tuple[Hashable, ...]
    times: np.ndarray
    post: np.ndarray
    treatment_start: object
    left_out: dict[Hashable, list] = field(default_factory=dict)
    caveats: tuple[str, ...] = ()

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
    """Raise ``DataError`` unless ``data`` is a frame and every named column exists.

    ``columns`` maps the role (``"outcome"``) to the column name; ``None`` names are skipped.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame in long form (got {type(data).__name__}).")
    for role, col in columns.items():
        if col is not None and not isinstance(col, str):
            raise DataError(f"{role}= must be a column name (a str) or None (got {col!r}).")
    missing = {role: col for role, col in columns.items() if col is not None and col not in data.columns}
    if missing:
        listed = ", ".join(f"{role}={col!r}" for role, col in missing.items())
        raise DataError(
            f"data must contain the columns named by {listed} (available: {list(data.columns)}). "
            "Pass the right names."
        )


def one_pool(pool: Iterable[Hashable] | None, **aliases: Iterable[Hashable] | None) -> Iterable[Hashable] | None:
    """The comparison pool from ``pool=`` or one of its older names (``controls=``, ``donors=``).

    Raises
    ------
    DataError
        When the pool is given under more than one name.
    """
    given = {name: value for name, value in {"pool": pool, **aliases}.items() if value is not None}
    if len(given) > 1:
        raise DataError(f"pass the comparison units once, as pool= ({'/'.join(f'{a}=' for a in aliases)} "
                        f"is its older name); got {', '.join(f'{n}=' for n in given)}.")
    return next(iter(given.values()), None)


def _check_numeric(data: pd.DataFrame, cols: dict[str, str]) -> None:
    for role, col in cols.items():
        if not pd.api.types.is_numeric_dtype(data[col]) or pd.api.types.is_bool_dtype(data[col]):
            raise DataError(f"{role} column {col!r} must be numeric (got dtype {data[col].dtype}). "
                            "Convert it with pd.to_numeric first.")


def _check_start(start: object, times: np.ndarray) -> None:
    numeric = np.issubdtype(times.dtype, np.number)
    ok = not isinstance(start, (bool, np.bool_)) and (
        isinstance(start, (int, float, np.number)) and bool(np.isfinite(start)) if numeric else start is not None)
    if not ok:
        raise DataError(f"treatment_start must be a period like those of the time column, e.g. "
                        f"{times[-1]!r} (got {start!r} of type {type(start).__name__}).")


def _select_times(times: np.ndarray, start: object, pre_years: int | Sequence | None) -> np.ndarray:
    if pre_years is None or start is None:
        return times
    pre = times[times < start]
    if isinstance(pre_years, (str, bytes)) or not isinstance(pre_years, (int, np.integer, Sequence, np.ndarray)):
        raise DataError(f"pre_years must be a number of years (int >= 1) or a list of pre-period years "
                        f"(got {pre_years!r} of type {type(pre_years).__name__}).")
    if isinstance(pre_years, (int, np.integer, bool, np.bool_)):
        keep_pre = pre[-check_int(pre_years, "pre_years"):]  # type: ignore[operator]
    else:
        wanted = list(pre_years)
        outside = [p for p in wanted if p not in set(pre.tolist())]
        if outside:
            raise DataError(f"pre_years lists {outside}, which are not pre-period years of the data "
                            f"(pre-period: {pre.tolist()}).")
        keep_pre = pre[np.isin(pre, np.asarray(wanted))]
    return times[(times >= start) | np.isin(times, keep_pre)]


def _pool(present: set, treated_ids: tuple, controls: Iterable[Hashable] | None, pooled: bool) -> list:
    if not pooled:
        return []
    if controls is None:
        return sorted((u for u in present if u not in treated_ids), key=str)
    control_ids = sorted(dict.fromkeys(as_units(controls)), key=str)
    overlap = [u for u in control_ids if u in treated_ids]
    if overlap:
        raise DesignError(f"a unit cannot be both treated and in the comparison pool; controls/donors "
                          f"must not include treated units (got {overlap}). Remove them from the pool.")
    absent = [u for u in control_ids if u not in present]
    if absent:
        raise DataError(f"comparison unit(s) {absent[:10]} named in the pool have no rows in data; "
                        "check the ids (and their type) or drop them from the pool.")
    return control_ids


def _missing(wide: dict[str, np.ndarray], times: np.ndarray, units: list) -> dict[Hashable, list]:
    holes = np.zeros((len(times), len(units)), dtype=bool)
    for arr in wide.values():
        holes |= np.isnan(arr)
    return {u: [_plain(t) for t in times[holes[:, j]]]
            for j, u in enumerate(units) if holes[:, j].any()}


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _policy(missing: dict, treated_ids: tuple, control_ids: list, times: np.ndarray,
            outcome: str, collected: list[str]) -> list:
    """Apply the missing-data policy; return the comparison units kept."""
    bad = {u: missing[u] for u in treated_ids if u in missing}
    if bad:
        listed = "; ".join(f"{u!r} lacks {years}" for u, years in list(bad.items())[:10])
        raise DataError(
            f"every treated unit must have {outcome!r} in every period of the window "
            f"{_plain(times[0])}-{_plain(times[-1])}; {listed}. Fill those years upstream, shorten the window "
            "with pre_years= (or a later first year), or move treatment_start."
        )
    left = {u: missing[u] for u in control_ids if u in missing}
    if left:
        shown = ", ".join(f"{u} ({', '.join(map(str, years))})" for u, years in list(left.items())[:10])
        caveat(collected, DroppedRowsWarning,  # type: ignore[arg-type]
               f"left out {len(left)} comparison unit(s) lacking some of the {len(times)} periods of "
               f"the window: {shown}{' ...' if len(left) > 10 else ''}.",
               units=list(left), missing=left)
    return [u for u in control_ids if u not in left]


def _refuse_constant(y: np.ndarray, outcome: str, treated: tuple, *, counts: bool) -> None:
    """A rate or share without variation, or counts that are all zero (a constant count still has
    its Poisson noise), cannot be analysed."""
    if y.size and np.ptp(y) == 0 and (not counts or float(y.flat[0]) == 0):
        what = ("zero in every period (all-zero counts)" if float(y.flat[0]) == 0
                else f"constant ({float(y.flat[0]):g}) in every period")
        raise DesignError(
            f"the treated unit(s) {list(treated)} have {outcome!r} {what} of the window: neither an "
            "effect nor its noise can be estimated, and a minimum detectable effect of zero would "
            "claim perfect power. Check the indicator (a suppressed or not-reported series?) or use "
            "a longer window."
        )


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
    pooled: bool = True,
    min_pool: int = 1,
    staggered: bool = False,
) -> Panel:
    """Check a long frame and pivot it to a balanced wide :class:`Panel` (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``.
    unit, time, outcome : str
        Column names.
    treated : id or list of ids
        Treated unit(s).
    treatment_start : scalar or None
        First treated period; ``time < treatment_start`` is the pre-period.  Ignored (None) for
        ``staggered`` designs, whose cohorts start at different times: every period is kept.
    exposure, n : str, optional
        Exposure (population) and respondents columns, pivoted alongside the outcome.
    controls : list of ids, optional
        The comparison pool; None means every non-treated unit (when ``pooled``).
    pre_years : int or list, optional
        Keep only the last ``pre_years`` pre-periods (int) or the listed ones.
    pooled : bool
        Whether the design has a comparison pool (False: before/after, ITS).
    min_pool : int
        Fewest comparison units the design needs after the policy (``DesignError`` otherwise).
    staggered : bool
        A staggered design (no single ``treatment_start``).

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        Bad arguments, missing or non-numeric columns, duplicate ``(unit, time)`` rows, a treated
        unit absent or incomplete over the window, exposure or ``n`` <= 0, negative counts.
    DesignError
        No pre- or post-period, too few comparison units, a constant treated outcome.
    """
    check_columns(data, {"unit": unit, "time": time, "outcome": outcome, "exposure": exposure, "n": n})
    value_cols = [c for c in dict.fromkeys([outcome, exposure, n]) if c is not None]
    _check_numeric(data, {"outcome": outcome, **{r: c for r, c in (("exposure", exposure), ("n", n)) if c}})
    treated_ids = as_units(treated)
    if not treated_ids:
        raise DataError("treated must name at least one unit (got an empty list).")
    df = data.loc[:, list(dict.fromkeys([unit, time, *value_cols]))]
    _refuse_duplicates(df, unit, time)
    present = set(df[unit].unique())
    absent = [u for u in treated_ids if u not in present]
    if absent:
        raise DataError(f"treated unit(s) {absent} must appear in column {unit!r}; check the id and its "
                        f"type (units look like {sorted(present, key=str)[:3]}, e.g. '0180' as a string).")
    control_ids = _pool(present, treated_ids, controls, pooled)
    all_times = np.sort(df[time].unique())  # the periods of the data: a treated unit lacking one has a hole
    df = df.loc[df[unit].isin([*treated_ids, *control_ids])]
    if staggered:
        treatment_start = None
    else:
        _check_start(treatment_start, all_times)
    times = _select_times(all_times, treatment_start, pre_years)
    df = df.loc[df[time].isin(times)]
    if treatment_start is not None:
        _check_periods(times, treatment_start)
    col_ids = [*treated_ids, *control_ids]
    wide = _pivot(df, unit=unit, time=time, columns=value_cols, times=times, units=col_ids)
    collected: list[str] = []
    missing = _missing(wide, times, col_ids)
    control_ids = _policy(missing, treated_ids, control_ids, times, outcome, collected)
    if pooled and len(control_ids) < min_pool:
        raise DesignError(f"the design needs at least {'one' if min_pool == 1 else min_pool} donor or "
                          f"comparison unit(s) with every period of the window (got {len(control_ids)}). "
                          "Widen the pool or shorten the window.")
    order = [*sorted(treated_ids, key=str), *control_ids]
    pos = _positions(col_ids, order)
    index, columns = pd.Index(times, name=time), pd.Index(order, name=unit)
    mats = {c: pd.DataFrame(wide[c][:, pos], index=index, columns=columns) for c in value_cols}
    _check_values(mats, outcome=outcome, exposure=exposure, n=n)
    _refuse_constant(mats[outcome].to_numpy()[:, : len(treated_ids)], outcome, treated_ids,
                     counts=exposure is not None)
    return Panel(
        y=mats[outcome],
        exposure=mats[exposure] if exposure is not None else None,
        n=mats[n] if n is not None else None,
        treated=tuple(sorted(treated_ids, key=str)),
        controls=tuple(control_ids),
        times=np.asarray(times),
        post=np.asarray(times >= treatment_start) if treatment_start is not None else np.zeros(len(times), bool),
        treatment_start=treatment_start,
        left_out={u: v for u, v in missing.items() if u not in treated_ids},
        caveats=tuple(collected),
    )


def _positions(col_ids: list, order: list) -> list[int]:
    where = {u: i for i, u in enumerate(col_ids)}
    return [where[u] for u in order]


def _refuse_duplicates(df: pd.DataFrame, unit: str, time: str) -> None:
    dup = df.duplicated([unit, time])
    if dup.any():
        ex = df.loc[dup, [unit, time]].head(3).to_records(index=False).tolist()
        raise DataError(
            f"each ({unit}, {time}) pair must occur once; found {int(dup.sum())} duplicate row(s), "
            f"e.g. {ex}. Filter the frame to one indicator and source, or aggregate first."
        )


def _check_values(mats: dict[str, pd.DataFrame], *, outcome: str, exposure: str | None, n: str | None) -> None:
    for role, col in (("exposure", exposure), ("n", n)):
        if col is not None and (mats[col].to_numpy() <= 0).any():
            raise DataError(f"{role} column {col!r} must be > 0 everywhere (got a value <= 0). "
                            "Fill the population or drop those units.")
    if exposure is not None and (mats[outcome].to_numpy() < 0).any():
        raise DataError(f"counts in {outcome!r} must be >= 0 when exposure is given (got a negative value).")


def _pivot(df: pd.DataFrame, *, unit: str, time: str, columns: list[str], times: np.ndarray,
           units: list[Hashable]) -> dict[str, np.ndarray]:
    """Scatter long rows into ``(len(times), len(units))`` float arrays (NaN where absent)."""
    lookup = {u: i for i, u in enumerate(units)}
    u_idx = np.fromiter((lookup[u] for u in df[unit].tolist()), dtype=int, count=len(df))
    t_idx = np.searchsorted(times, df[time].to_numpy())
    out = {}
    for c in columns:
        arr = np.full((len(times), len(units)), np.nan)
        arr[t_idx, u_idx] = df[c].to_numpy(dtype=float, na_value=np.nan)
        out[c] = arr
    return out


def _check_periods(times: np.ndarray, start: object) -> None:
    n_pre = int((times < start).sum())
    n_post = int((times >= start).sum())
    if n_pre == 0 or n_post == 0:
        shown = [_plain(t) for t in times]
        raise DesignError(
            f"the design needs pre-period (< {start}) and post-period (>= {start}) times: "
            f"treatment_start={start!r} must leave at least one period before and one from it on "
            f"(got {n_pre} pre and {n_post} post among {shown}). Check treatment_start."
        )
