"""Conformal (test-inversion) inference for synthetic control (Chernozhukov, Wüthrich & Zhu 2021).

Chernozhukov, V., Wüthrich, K. & Zhu, Y. (2021), "An exact and robust conformal inference method
for counterfactual and synthetic controls", *JASA* 116(536), 1849-1864.

Under a sharp null "the effect in post-period ``t`` is ``theta_t``" the treated unit's outcome
without the löfte is known in every period (``y_t - theta_t`` after the start, ``y_t`` before).
The procedure, for one treated series:

1. impose the null: subtract ``theta`` from the treated post-period outcomes;
2. fit the counterfactual *proxy* on **all** periods under that null (for synthetic control: the
   simplex weights that minimise the squared gap over every period; no intercept, no ``V``), so
   the fit treats every period alike and the residuals are exchangeable over time under the null;
3. residuals ``u_t`` = imposed outcome minus proxy; statistic
   ``S_q(u) = ((1 / sqrt(T*)) sum_{t post} |u_t|^q)^(1/q)`` (``q = 1`` by default);
4. p-value ``(1 / |P|) #{pi in P : S(u_pi) >= S(u)}`` over a set ``P`` of permutations of the
   periods that contains the identity (so ``p >= 1 / |P|``): the ``T`` cyclic shifts
   (*moving block*, valid under stationary weakly dependent errors, the paper's default) or
   random permutations (*iid*, valid under exchangeable errors, finer p-values).

The interval is the set of *constant* post-period effects that the test does not reject at
``1 - level`` (the convention of every other lofteeval interval), found on a grid and refined by
bisection at its ends; the p-value is the test of ``theta = 0``, and 0 lies in the interval
exactly when ``p >= 1 - level``.

The moving-block set has only ``T`` elements, so with ``T`` periods no null can be rejected at
``1 - level`` unless ``1 / T < 1 - level``: a kommun series 2010-2024 (``T = 15``) gives
``p >= 0.067`` and, at 95 %, an unbounded interval.  That is a property of the method, stated in
the result (``values["p_value_min"]``) rather than hidden.

The numbers agree with diff-diff 3.13's ``SyntheticControlResults.conformal_test`` (same proxy,
statistic and permutation sets, see ``tests/inference/test_conformal.py`` and
``docs/sensitivity.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import Interval
from .._types import alpha_of
from ..errors import DesignWarning, caveat
from .power import mde_from_se

__all__ = ["Proxy", "Scheme", "ConformalResult", "N_IID", "SCHEMES", "permutations", "statistic",
           "conformal_p_value", "conformal_interval", "conformal_mde", "conformal_caveats"]

Proxy = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``proxy(target (T,), donors (J, T)) -> fitted counterfactual (T,)``, fitted on every period."""

Scheme = Literal["moving_block", "iid"]

SCHEMES: dict[str, Scheme] = {"conformal": "moving_block", "conformal_iid": "iid"}
"""The permutation scheme of each conformal inference id (:mod:`lofteeval.inference.methods`)."""

N_IID = 10_000
"""Permutations of the ``"iid"`` scheme (the identity and ``N_IID - 1`` random draws), as diff-diff."""

_GRID = 101          # points of the first grid
_EXPANSIONS = 8      # times the grid's half-width may double before a side is declared unbounded
_BISECTIONS = 40     # halvings of each end (relative precision about 1e-12 of the grid step)


@dataclass(frozen=True)
class ConformalResult:
    """A conformal interval with its p-value and what a reader needs to judge it.

    Attributes
    ----------
    interval : Interval
        ``low, high`` (infinite on a side where no effect could be rejected), ``p_value`` of
        ``theta = 0``, ``method`` in plain English.
    values : dict
        ``n`` (permutations), ``scheme``, ``q``, ``p_value_min`` (``1 / n``), ``contiguous``
        (False when a rejected effect lies between the ends), ``interpolates`` (True when the
        proxy fits the treated series exactly under ``theta = 0``: residuals of zero carry no
        information and the test cannot reject).
    """

    interval: Interval
    values: dict[str, Any] = field(default_factory=dict)


def permutations(m: int, scheme: Scheme = "moving_block", *, n_iid: int = N_IID,
                 seed: int | None = 0) -> np.ndarray:
    """Index arrays of the permutation set, one row per permutation, the identity first.

    ``"moving_block"``: the ``m`` cyclic shifts ``pi_j(i) = (i + j) mod m``.  ``"iid"``: every
    permutation when ``m! <= n_iid`` (and ``m <= 12``), else the identity and ``n_iid - 1``
    draws of ``numpy.random.default_rng(seed).permutation(m)`` (the construction of diff-diff
    3.13, so the same seed gives the same set).
    """
    if scheme == "moving_block":
        base = np.arange(m)
        return (base[None, :] + base[:, None]) % m
    if scheme != "iid":
        raise ValueError(f"scheme must be 'moving_block' or 'iid' (got {scheme!r})")
    if m <= 12 and np.prod(np.arange(1, m + 1, dtype=float)) <= n_iid:
        from itertools import permutations as all_orders

        return np.array(list(all_orders(range(m))), dtype=int)
    rng = np.random.default_rng(seed)
    draws = [rng.permutation(m) for _ in range(n_iid - 1)]
    return np.vstack([np.arange(m)[None, :], *[d[None, :] for d in draws]]).astype(int)


def statistic(u: np.ndarray, post: np.ndarray, q: float = 1) -> np.ndarray:
    """``S_q`` of residual rows ``u`` (``(..., T)``) over the post-period columns ``post``.

    ``q = inf`` gives ``max |u_t|``; otherwise ``((1 / sqrt(T*)) sum |u_t|^q)^(1/q)``.
    """
    a = np.abs(np.asarray(u, dtype=float)[..., np.asarray(post, dtype=bool)])
    if np.isinf(q):
        return np.asarray(a.max(axis=-1))
    return np.asarray((np.sum(a ** q, axis=-1) / np.sqrt(a.shape[-1])) ** (1.0 / q))


def _residuals(y1: np.ndarray, y0: np.ndarray, post: np.ndarray, effect: np.ndarray | float,
               proxy: Proxy) -> np.ndarray:
    imposed = np.asarray(y1, dtype=float).copy()
    imposed[post] = imposed[post] - effect
    return imposed - proxy(imposed, y0)


def _p_of_residuals(u: np.ndarray, post: np.ndarray, perms: np.ndarray, q: float) -> float:
    s_obs = float(statistic(u, post, q))
    s_perm = statistic(u[perms], post, q)
    tol = 1e-12 * max(abs(s_obs), 1.0)  # ties within rounding count against the actual
    return float(np.count_nonzero(s_perm >= s_obs - tol) / perms.shape[0])


def conformal_p_value(y1: np.ndarray, y0: np.ndarray, post: np.ndarray, effect: np.ndarray | float,
                      proxy: Proxy, perms: np.ndarray, *, q: float = 1) -> float:
    """Permutation p-value of the sharp null "the post-period effect path is ``effect``".

    Parameters
    ----------
    y1 : numpy.ndarray
        ``(T,)`` treated series in calendar order.
    y0 : numpy.ndarray
        ``(J, T)`` donor series.
    post : numpy.ndarray
        ``(T,)`` boolean mask of the post-period.
    effect : float or numpy.ndarray
        Constant effect, or one per post-period.
    proxy : callable
        See :data:`Proxy`; it must treat every period alike (a fit on all periods).
    perms : numpy.ndarray
        Rows of :func:`permutations` (identity included).
    q : float
        Order of the statistic (1, 2 or ``inf``).
    """
    post = np.asarray(post, dtype=bool)
    return _p_of_residuals(_residuals(y1, y0, post, effect, proxy), post, perms, q)


def conformal_interval(y1: np.ndarray, y0: np.ndarray, post: np.ndarray, proxy: Proxy, *,
                       center: float, spread: float, level: float = 0.95,
                       scheme: Scheme = "moving_block", n_iid: int = N_IID, seed: int | None = 0,
                       q: float = 1) -> ConformalResult:
    """Interval of constant post-period effects not rejected by the conformal test.

    Parameters
    ----------
    y1, y0, post, proxy, q
        As :func:`conformal_p_value`.
    center : float
        Where the search starts (the design's point estimate).
    spread : float
        Scale of the first grid (e.g. the pre-period residual sd); the grid is
        ``center ± max(8 * spread, |center| / 2)`` and doubles while an end is not rejected.
    level : float
        Confidence level; an effect is rejected when its p-value is ``< 1 - level``.
    scheme, n_iid, seed
        The permutation set (:func:`permutations`).

    Returns
    -------
    ConformalResult
        The interval is the hull of the accepted effects, trimmed to the side of 0 that holds
        ``center`` when ``theta = 0`` is rejected inside it (so 0 lies in the interval exactly
        when ``p >= 1 - level``); a side on which no effect up to ``2**8`` times the first
        half-width is rejected is infinite.  When ``1 / |P| >= 1 - level`` nothing can be
        rejected and the interval is ``(-inf, inf)``.
    """
    post = np.asarray(post, dtype=bool)
    perms = permutations(post.size, scheme, n_iid=n_iid, seed=seed)
    alpha = alpha_of(level)
    n = int(perms.shape[0])
    u0 = _residuals(y1, y0, post, 0.0, proxy)
    p0 = _p_of_residuals(u0, post, perms, q)
    exact = bool(np.max(np.abs(u0)) <= 1e-9 * max(1.0, float(np.max(np.abs(y1)))))
    values: dict[str, Any] = {"n": n, "scheme": scheme, "q": q, "p_value_min": 1.0 / n,
                              "contiguous": True, "level": level, "interpolates": exact}
    method = _method(scheme, n)
    if 1.0 / n >= alpha:
        return ConformalResult(Interval(-np.inf, np.inf, p0, method), values)

    def accepted(theta: float) -> bool:
        return conformal_p_value(y1, y0, post, theta, proxy, perms, q=q) >= alpha

    low, high, contiguous = _accepted_hull(accepted, float(center), float(spread))
    values["contiguous"] = contiguous
    if p0 < alpha and low <= 0.0 <= high:  # 0 rejected inside the hull: keep the estimate's side
        values["contiguous"] = False
        low, high = (np.nextafter(0.0, 1.0), high) if center > 0 else (low, -np.nextafter(0.0, 1.0))
    return ConformalResult(Interval(low, high, p0, method), values)


def _method(scheme: str, n: int) -> str:
    what = "moving-block (cyclic) shifts" if scheme == "moving_block" else "random permutations"
    return (f"conformal test inversion (Chernozhukov, Wuthrich & Zhu 2021), {n} {what} of the "
            "residuals over time")


def _accepted_hull(accepted: Callable[[float], bool], center: float,
                   spread: float) -> tuple[float, float, bool]:
    """``(low, high, contiguous)`` of the accepted set, by a grid and bisection at both ends."""
    half = max(8.0 * spread, 0.5 * abs(center), 1e-8 * max(1.0, abs(center)))
    for attempt in range(_EXPANSIONS + 1):
        grid = np.linspace(center - half, center + half, _GRID)
        ok = np.array([accepted(float(t)) for t in grid])
        if not ok.any():  # every grid point rejected: the set is narrower than one step, or empty
            if attempt == _EXPANSIONS:
                return center, center, False
            half /= 8.0
            continue
        if (ok[0] or ok[-1]) and attempt < _EXPANSIONS:
            half *= 2.0
            continue
        break
    idx = np.flatnonzero(ok)
    first, last = int(idx[0]), int(idx[-1])
    contiguous = bool(ok[first:last + 1].all())
    low = -np.inf if ok[0] else _edge(accepted, float(grid[first - 1]), float(grid[first]))
    high = np.inf if ok[-1] else _edge(accepted, float(grid[last + 1]), float(grid[last]))
    return low, high, contiguous


def _edge(accepted: Callable[[float], bool], rejected_at: float, accepted_at: float) -> float:
    """The boundary between a rejected and an accepted effect, by bisection (accepted side)."""
    a, b = rejected_at, accepted_at
    for _ in range(_BISECTIONS):
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if accepted(mid):
            b = mid
        else:
            a = mid
    return b


def conformal_mde(result: ConformalResult, *, level: float, power: float = 0.8) -> float:
    """MDE of the conformal test, read off its interval.

    The interval's half-width ``h`` is the effect the test just rejects at ``1 - level``; treating
    it as ``z_{1-alpha/2}`` standard errors gives ``MDE = (z_{1-alpha/2} + z_power) * h / z_{1-alpha/2}``
    (:func:`lofteeval.inference.power.mde_from_se`).  An approximation (the permutation
    distribution is not normal); infinite when the interval is.
    """
    iv = result.interval
    half = 0.5 * (iv.high - iv.low)
    if not np.isfinite(half):
        return float("inf")
    from scipy import stats

    z = float(stats.norm.ppf(1 - alpha_of(level) / 2))
    return mde_from_se(half / z, level=level, power=power)


def conformal_caveats(result: ConformalResult, collected: list[str], *, n_periods: int) -> None:
    """Record why a conformal interval is uninformative, when it is (``DesignWarning`` caveats)."""
    v = result.values
    alpha = alpha_of(float(v["level"]))
    if v["p_value_min"] >= alpha:
        caveat(collected, DesignWarning,
               f"conformal inference with {v['n']} permutations cannot give p < {alpha:g} "
               f"(smallest p = 1/{v['n']} = {v['p_value_min']:.3f} with {n_periods} periods); the "
               "interval is unbounded. Use inference='conformal_iid' (exchangeable errors), more "
               "years, or a lower level.", topic="conformal_granularity", n=v["n"],
               p_min=v["p_value_min"])
    elif v["interpolates"]:
        caveat(collected, DesignWarning,
               "the conformal proxy fits the treated series exactly in every year (more donors "
               "than years), so its residuals carry no information and the test cannot reject; "
               "use a smaller, size-matched pool.", topic="conformal_interpolates")
