"""Permutation (randomisation) inference for one or a few treated units.

The idea (Fisher; Conley & Taber 2011; Abadie et al. 2010 placebo-in-space): under the sharp null
"the effect is ``delta``", removing ``delta`` from the treated unit(s) gives untreated outcomes for
every unit, so re-assigning the treatment to other units gives the null distribution of the
statistic.  The p-value is the rank of the actual assignment's statistic among all assignments::

    p(delta) = #{assignments a : |T_a(delta)| >= |T_actual(delta)|} / #assignments

The confidence set is ``{delta : p(delta) >= 1 - level}`` (test inversion), so the reported p-value
``p(0)`` is below ``1 - level`` exactly when the interval excludes 0.  Its endpoints are found by
expanding outward from the estimate and bisecting on the step function ``p(delta)``.

With ``m`` assignments the smallest attainable p-value is ``1/m``: one treated kommun among 19
comparison units can never reach ``p < 0.05``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable

import numpy as np

from . import Interval
from .._types import alpha_of

__all__ = ["assignments", "rank_pvalue", "invert_test", "min_pvalue"]


def assignments(n_units: int, n_treated: int, *, n_perm: int = 5000, seed: int = 0) -> np.ndarray:
    """Treatment assignments as an ``(m, n_treated)`` index array; row 0 is the actual one.

    The actual treated units are ``0 .. n_treated - 1``.  Every combination is enumerated when
    there are at most ``n_perm`` of them, otherwise ``n_perm - 1`` distinct random combinations are
    drawn (seeded) after the actual one.  The array is read-only and shared between calls with
    the same arguments (a report draws the same assignments for every indicator of a löfte).
    """
    if not 1 <= n_treated < n_units:
        raise ValueError(f"need 1 <= n_treated < n_units (got {n_treated}, {n_units}).")
    return _assignments(int(n_units), int(n_treated), int(n_perm), int(seed))


@functools.lru_cache(maxsize=64)
def _assignments(n_units: int, n_treated: int, n_perm: int, seed: int) -> np.ndarray:
    total = math.comb(n_units, n_treated)
    actual = tuple(range(n_treated))
    if total <= n_perm:
        combos = [c for c in itertools.combinations(range(n_units), n_treated) if c != actual]
        out = np.array([actual, *combos], dtype=int)
    else:
        rng = np.random.default_rng(seed)
        seen = {actual}
        drawn = [actual]
        while len(drawn) < n_perm:
            c = tuple(sorted(rng.choice(n_units, size=n_treated, replace=False).tolist()))
            if c not in seen:
                seen.add(c)
                drawn.append(c)
        out = np.array(drawn, dtype=int)
    out.setflags(write=False)
    return out


def rank_pvalue(stats: np.ndarray, *, rtol: float = 1e-10) -> float:
    """Two-sided rank p-value of ``stats[0]`` (the actual assignment) among all ``stats``.

    :func:`lofteeval.inference.placebo.rank_p_value` on absolute values, near-ties (``rtol``)
    counting against the actual; a non-finite placebo statistic counts as more extreme.
    """
    from .placebo import rank_p_value

    s = np.abs(np.asarray(stats, dtype=float))
    if not np.isfinite(s[0]):
        return float("nan")
    s = np.where(np.isfinite(s), s, np.inf)
    return rank_p_value(float(s[0]), s[1:], tol=rtol * max(1.0, float(s[0])))


def min_pvalue(n_assignments: int) -> float:
    """Smallest attainable rank p-value with ``n_assignments`` assignments."""
    return 1.0 / n_assignments


def _boundary(pfun: Callable[[float], float], inside: float, outside: float, alpha: float,
              tol: float) -> float:
    """Bisect between an accepted point and a rejected one; return the last accepted point."""
    for _ in range(200):
        if abs(outside - inside) <= tol:
            break
        mid = 0.5 * (inside + outside)
        if pfun(mid) >= alpha:
            inside = mid
        else:
            outside = mid
    return inside


def _search_side(pfun: Callable[[float], float], anchor: float, direction: float, alpha: float,
                 step: float, tol: float, limit: float) -> float:
    """Walk from an accepted ``anchor`` in ``direction`` until rejection, then bisect."""
    inside = anchor
    width = step
    while True:
        candidate = anchor + direction * width
        if abs(candidate) > limit:
            if pfun(direction * limit) >= alpha:
                return direction * math.inf
            return _boundary(pfun, inside, direction * limit, alpha, tol)
        if pfun(candidate) < alpha:
            return _boundary(pfun, inside, candidate, alpha, tol)
        inside = candidate
        width *= 2.0


def invert_test(pfun: Callable[[float], float], *, estimate: float, level: float = 0.95,
                step: float, null: float = 0.0, limit: float = 1e6, method: str = "permutation",
                tol: float | None = None) -> Interval:
    """Confidence interval ``{delta : pfun(delta) >= 1 - level}`` and the p-value ``pfun(null)``.

    Parameters
    ----------
    pfun : callable
        ``delta -> p-value`` of the sharp null "effect = delta".
    estimate : float
        Point estimate; the interval is searched outward from it (or from ``null`` on the side
        where ``null`` is accepted), so ``p(null) < 1 - level`` exactly when the interval excludes
        ``null``.
    step : float
        Initial search step (e.g. the placebo standard deviation); doubled until rejection.
    limit : float
        Beyond ``|delta| > limit`` an accepted side is reported as infinite.
    tol : float, optional
        Bisection tolerance; default ``1e-6 * step``.

    Returns
    -------
    Interval
    """
    alpha = alpha_of(level)
    tol = 1e-6 * step if tol is None else tol
    step = step if step > 0 and np.isfinite(step) else 1.0
    p_null = float(pfun(null))
    bounds = []
    for direction in (-1.0, 1.0):
        null_on_side = (null - estimate) * direction > 0
        if null_on_side and p_null >= alpha:
            anchor = null
        else:
            anchor = estimate
        if null_on_side and p_null < alpha:
            bounds.append(_boundary(pfun, estimate, null, alpha, tol))
        else:
            bounds.append(_search_side(pfun, anchor, direction, alpha, step, tol, limit))
    low, high = min(bounds[0], estimate), max(bounds[1], estimate)
    return Interval(low=float(low), high=float(high), p_value=p_null, method=method)
