"""Callaway & Sant'Anna (2021) group-time effects and their influence functions (no covariates).

Internal to :mod:`lofteeval.estimators.staggered`.  Everything works on a balanced wide panel:
``y`` is ``(n_units, n_periods)``, ``cohort`` is ``(n_units,)`` with ``0`` for never treated.

The conventions follow R ``did`` (``att_gt`` + ``aggte``) so that numbers agree with it:

- ATT(g,t) is the 2x2 DiD of the cohort ``g`` against the comparison units between period ``t``
  and a base period: ``g - 1 - anticipation`` for post-treatment cells, ``t - 1`` for
  pre-treatment cells (R's default ``base_period="varying"``);
- the influence function of a cell is ``n * [D (dY - mu1) / n1 - C (dY - mu0) / n0]``, zero for
  units in neither group (R ``did``'s ``(n / n1) * att.inf.func`` of ``DRDID`` without covariates);
- aggregations weight cells by cohort shares ``P(G = g)`` and add the influence function of
  those estimated weights (R ``did:::wif``);
- the analytic standard error of any parameter with influence function ``psi`` is
  ``sqrt(sum(psi**2)) / n``; the multiplier bootstrap uses Mammen's two-point weights;
- optional unit weights ``u`` (R ``did``'s ``weightsname``, time-invariant, normalised to mean 1):
  each cell is the difference of ``u``-weighted means, its influence function
  ``n * [u D (dY - mu1) / sum(u D) - u C (dY - mu0) / sum(u C)]``, and the cohort shares are
  ``mean(u * 1{G = g})``.  ``weights=None`` is the unweighted estimator, computed as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ..inference.honest import EventStudy

__all__ = ["AttGt", "Aggregate", "att_gt", "aggregate", "event_study", "cohort_shares", "unit_weights", "pretrend_wald", "se_from_if",
           "multiplier_bootstrap"]


@dataclass(frozen=True)
class AttGt:
    """Group-time effects with their influence functions (columns of ``inf``)."""

    group: np.ndarray        # (K,) first treated period of the cohort
    time: np.ndarray         # (K,) calendar period
    base: np.ndarray         # (K,) base period of the 2x2 comparison
    att: np.ndarray          # (K,)
    inf: np.ndarray          # (n, K)
    n_treated: np.ndarray    # (K,)
    n_control: np.ndarray    # (K,)

    @property
    def post(self) -> np.ndarray:
        return np.asarray(self.group <= self.time)


@dataclass(frozen=True)
class Aggregate:
    """One aggregation: per-element effects and the overall effect, with influence functions."""

    index: np.ndarray        # (E,) event time, cohort or calendar period
    effect: np.ndarray       # (E,)
    inf: np.ndarray          # (n, E)
    overall: float
    overall_inf: np.ndarray  # (n,)


def se_from_if(inf: np.ndarray) -> np.ndarray:
    """Analytic standard error(s) ``sqrt(sum psi^2) / n`` column by column."""
    n = inf.shape[0]
    return np.asarray(np.sqrt(np.sum(inf**2, axis=0)) / n)


def _controls(cohort: np.ndarray, g: float, later_than: float, never_only: bool) -> np.ndarray:
    never = np.asarray(cohort == 0)
    if never_only:
        return never
    return np.asarray(never | ((cohort > later_than) & (cohort != g)))


def unit_weights(weights: np.ndarray | None) -> np.ndarray | None:
    """Weights normalised to mean 1 (R ``did``), ``None`` unchanged."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    return np.asarray(w / w.mean())


def _mean_and_if(dy: np.ndarray, mask: np.ndarray, u: np.ndarray | None, n: int) -> tuple[float, np.ndarray]:
    """(Weighted) mean of ``dy`` over ``mask`` and its influence-function part on those units."""
    if u is None:
        mu = dy[mask].mean()
        return mu, n * (dy[mask] - mu) / int(mask.sum())
    um = u[mask]
    mu = float(np.sum(um * dy[mask]) / um.sum())
    return mu, n * um * (dy[mask] - mu) / um.sum()


def att_gt(y: np.ndarray, cohort: np.ndarray, times: np.ndarray, *, never_only: bool,
           anticipation: int, universal: bool = False, weights: np.ndarray | None = None) -> AttGt:
    """All ATT(g,t) with a varying base period (R ``did`` default), or with ``universal=True``
    every cell against ``g - 1 - anticipation`` (R ``base_period="universal"``; that reference
    cell itself is left out); ``weights``: unit weights."""
    u = unit_weights(weights)
    n, n_t = y.shape
    groups = np.unique(cohort[cohort > 0])
    rows: list[tuple[float, float, float, float, int, int]] = []
    infs: list[np.ndarray] = []
    for g in groups:
        treat = cohort == g
        n1 = int(treat.sum())
        pre_idx = np.flatnonzero(times + anticipation < g)
        post_base = int(pre_idx[-1])  # callers drop cohorts without a pre-period
        for j in range(0 if universal else 1, n_t):
            if universal and j == post_base:
                continue
            b = post_base if universal or g <= times[j] else j - 1
            ctrl = _controls(cohort, g, max(times[j], times[b]) + anticipation, never_only)
            n0 = int(ctrl.sum())
            dy = y[:, j] - y[:, b]
            inf = np.zeros(n)
            mu1, inf[treat] = _mean_and_if(dy, treat, u, n)
            mu0 = np.nan
            if n0:
                mu0, part = _mean_and_if(dy, ctrl, u, n)
                inf[ctrl] = -part
            rows.append((g, times[j], times[b], mu1 - mu0, n1, n0))
            infs.append(inf)
    arr = np.array(rows, dtype=float).reshape(-1, 6)
    return AttGt(group=arr[:, 0], time=arr[:, 1], base=arr[:, 2], att=arr[:, 3],
                 inf=np.column_stack(infs) if infs else np.zeros((n, 0)),
                 n_treated=arr[:, 4].astype(int), n_control=arr[:, 5].astype(int))


def cohort_shares(cohort: np.ndarray, groups: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``P(G = g)`` for each of ``groups``: ``mean(u * 1{G = g})`` (``u`` = 1 without weights)."""
    u = unit_weights(weights)
    if u is None:
        return np.array([np.mean(cohort == g) for g in groups])
    return np.array([np.mean(u * (cohort == g)) for g in groups])


def _wif(keep: np.ndarray, pg: np.ndarray, unit_group: np.ndarray,
         group: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
    """Influence function of the estimated weights ``pg[keep] / sum(pg[keep])`` (R ``wif``)."""
    pk = pg[keep]
    denom = pk.sum()
    member = (unit_group[:, None] == group[keep][None, :]).astype(float)
    centred = (member if u is None else u[:, None] * member) - pk[None, :]
    scale = centred.sum(axis=1, keepdims=True) * (pk / denom**2)[None, :]
    return np.asarray(centred / denom - scale)


def _weighted(res: AttGt, keep: np.ndarray, pg_cell: np.ndarray,
              unit_group: np.ndarray, u: np.ndarray | None) -> tuple[float, np.ndarray]:
    """Cohort-share weighted mean of cells ``keep`` and its influence function (with wif)."""
    w = pg_cell[keep] / pg_cell[keep].sum()
    est = float(np.sum(w * res.att[keep]))
    inf = res.inf[:, keep] @ w + _wif(keep, pg_cell, unit_group, res.group, u) @ res.att[keep]
    return est, inf


def aggregate(res: AttGt, cohort: np.ndarray, kind: str, weights: np.ndarray | None = None) -> Aggregate:
    """Aggregate ATT(g,t) as R ``did::aggte(type=kind)`` does (``simple`` has one element).

    ``weights``: the unit weights given to :func:`att_gt` (cohort shares become weighted).
    """
    u = unit_weights(weights)
    glist = np.unique(res.group)
    pgg = cohort_shares(cohort, glist, u)
    pg_cell = pgg[np.searchsorted(glist, res.group)]
    post = res.post
    if kind == "simple":
        keep = np.flatnonzero(post)
        est, inf = _weighted(res, keep, pg_cell, cohort, u)
        return Aggregate(np.array([np.nan]), np.array([est]), inf[:, None], est, inf)
    if kind == "group":
        effects, infs = [], []
        for g in glist:
            keep = np.flatnonzero((res.group == g) & post)
            effects.append(float(res.att[keep].mean()))
            infs.append(res.inf[:, keep].mean(axis=1))
        eff, inf_e = np.array(effects), np.column_stack(infs)
        w = pgg / pgg.sum()
        overall_inf = inf_e @ w + _wif(np.arange(glist.size), pgg, cohort, glist, u) @ eff
        return Aggregate(glist, eff, inf_e, float(np.sum(w * eff)), overall_inf)
    if kind == "dynamic":
        event = res.time - res.group
        index = np.unique(event)
        cells = [np.flatnonzero(event == e) for e in index]
        positive = index >= 0
    elif kind == "calendar":
        index = np.unique(res.time[res.time >= res.group.min()])
        cells = [np.flatnonzero((res.time == t) & post) for t in index]
        positive = np.ones(index.size, dtype=bool)
    else:  # pragma: no cover - checked by the caller
        raise ValueError(kind)
    pairs = [_weighted(res, keep, pg_cell, cohort, u) for keep in cells]
    eff = np.array([p[0] for p in pairs])
    inf_e = np.column_stack([p[1] for p in pairs])
    overall_inf = inf_e[:, positive].mean(axis=1)
    return Aggregate(index, eff, inf_e, float(eff[positive].mean()), overall_inf)


def event_study(y: np.ndarray, cohort: np.ndarray, times: np.ndarray, *, never_only: bool,
                anticipation: int) -> EventStudy:
    """The dynamic aggregation with a universal base period and its covariance (for HonestDiD).

    Coefficients at event times ``e != -1 - anticipation`` against the reference
    ``-1 - anticipation``; covariance ``psi' psi / n^2`` of their influence functions (cohort
    shares estimated, as the standard errors).
    """
    cells = att_gt(y, cohort, times, never_only=never_only, anticipation=anticipation, universal=True)
    agg = aggregate(cells, cohort, "dynamic")
    n = agg.inf.shape[0]
    return EventStudy(event_time=agg.index.astype(int), estimate=agg.effect,
                      vcov=agg.inf.T @ agg.inf / n**2, reference=-1 - int(anticipation))


def pretrend_wald(res: AttGt) -> tuple[float, int, float]:
    """Wald test that all pre-treatment ATT(g,t) are zero (R ``did``'s pre-test).

    Returns ``(statistic, df, p_value)``; ``nan`` when there is no pre-period cell or the
    covariance matrix is singular.
    """
    pre = np.flatnonzero(res.group > res.time)
    if pre.size == 0:
        return float("nan"), 0, float("nan")
    n = res.inf.shape[0]
    v = res.inf[:, pre].T @ res.inf[:, pre] / n
    if not np.all(np.isfinite(v)) or 1 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        return float("nan"), int(pre.size), float("nan")
    a = res.att[pre]
    stat = float(n * a @ np.linalg.solve(v, a))
    return stat, int(pre.size), float(special.chdtrc(pre.size, stat))


_MAMMEN_LOW = (1 - np.sqrt(5)) / 2
_MAMMEN_HIGH = (1 + np.sqrt(5)) / 2
_MAMMEN_P_LOW = (np.sqrt(5) + 1) / (2 * np.sqrt(5))


def multiplier_bootstrap(inf: np.ndarray, *, n_boot: int, rng: np.random.Generator,
                         chunk_elements: int = 4_000_000) -> np.ndarray:
    """Draws ``sqrt(n) * mean(v_i * psi_i)`` with Mammen weights ``v``; shape ``(n_boot, K)``.

    The same weights are used for every column, so columns can share a uniform band.
    """
    n = inf.shape[0]
    out = np.empty((n_boot, inf.shape[1]))
    step = max(1, chunk_elements // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        low = rng.random((stop - start, n)) < _MAMMEN_P_LOW
        v = np.where(low, _MAMMEN_LOW, _MAMMEN_HIGH)
        out[start:stop] = v @ inf / np.sqrt(n)
    return out


def bootstrap_se_and_band(draws: np.ndarray, n: int, level: float) -> tuple[np.ndarray, float]:
    """Bootstrap standard errors (scaled IQR, as R ``did::mboot``) and the sup-t critical value."""
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (2 * special.ndtri(0.75))
    ok = np.sum(draws**2, axis=0) > np.sqrt(np.finfo(float).eps) * 10
    se = np.full(draws.shape[1], np.nan)
    se[ok] = sigma[ok] / np.sqrt(n)
    if not ok.any():
        return se, float("nan")
    sup_t = np.max(np.abs(draws[:, ok] / sigma[ok]), axis=1)
    crit = float(np.quantile(sup_t, level, method="inverted_cdf"))
    return se, crit
