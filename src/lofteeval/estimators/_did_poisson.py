"""The Poisson two-way fixed-effects model behind :func:`lofteeval.estimators.did` (counts).

``E y_it = exposure_it exp(a_i + g_t + beta D_it)`` fitted by iterative proportional fitting, the
per-unit sums of its permutation statistic, the fixed placebo-in-time studentising scale and the
MDE measured on the test's own response (see the :mod:`lofteeval.estimators.did` docstring and
``docs/calibration.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DesignError
from ..inference.power import mde_from_permutation
from ._panel import Panel
from ._warnings import SMALL_COUNT as MIN_COUNTS_PER_YEAR  # the one small-count rule (docs/calibration.md)
from ._warnings import refuse_small_counts

MIN_PRE_IN_TIME = 4  # pre-years needed for the placebo-in-time scale (one cut)


class _PoissonDid:
    """Poisson TWFE with log(exposure) offset, fitted by iterative proportional fitting."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.y = panel.y.to_numpy()
        assert panel.exposure is not None  # the Poisson model is only built with an exposure
        self.e = panel.exposure.to_numpy()
        self.k = len(panel.treated)
        self.post = panel.post
        self.dmask = np.zeros_like(self.y, dtype=bool)
        self.dmask[np.ix_(self.post, np.arange(self.k))] = True
        tr = self.y[:, : self.k]
        if tr[self.post].sum() == 0 or tr[~self.post].sum() == 0:
            raise DesignError(
                "the treated unit(s) have zero counts in the whole pre- or post-period; a rate ratio "
                "cannot be estimated. Use a broader indicator or a longer window."
            )
        refuse_small_counts(float(tr[~self.post].sum(axis=1).mean()), "the Poisson DiD")

    def fit(self, y: np.ndarray, *, with_d: bool, tol: float = 1e-12, max_iter: int = 20000
            ) -> tuple[np.ndarray, float]:
        """Return fitted means and beta (0 when ``with_d`` is False)."""
        mu = self.e * (y.sum() / self.e.sum())
        col_y, row_y = y.sum(axis=0), y.sum(axis=1)
        d_y = y[self.dmask].sum()
        beta, top = 0.0, max(col_y.max(), 1.0)
        cs = mu.sum(axis=0)
        for _ in range(max_iter):
            mu = mu * np.divide(col_y, cs, out=np.zeros_like(cs), where=cs > 0)
            rs = mu.sum(axis=1)
            mu = mu * np.divide(row_y, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
            step = 0.0
            if with_d:
                step = np.log(d_y / mu[self.dmask].sum())
                mu[self.dmask] *= np.exp(step)
                beta += step
            cs = mu.sum(axis=0)  # the convergence check's column sums are the next sweep's
            if abs(step) < tol and np.abs(cs - col_y).max() / top < tol:
                break
        return mu, beta

    def _full_fit(self) -> tuple[np.ndarray, float]:
        """The fit with the treatment term on the data, computed once (estimate and event study)."""
        if not hasattr(self, "_full_cache"):
            self._full_cache = self.fit(self.y, with_d=True)
        return self._full_cache

    def estimate(self) -> float:
        return float(self._full_fit()[1])

    def adjusted(self, delta: float) -> np.ndarray:
        y = self.y.copy()
        y[self.dmask] *= np.exp(-delta)
        return y

    def unit_stats(self, delta: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-unit sums needed for group statistics under effect ``delta`` (the last few deltas
        are remembered: the permutation test and both MDE directions start at the estimate)."""
        memo: dict[float, tuple[np.ndarray, ...]] = self.__dict__.setdefault("_sums_memo", {})
        if delta not in memo:
            y = self.adjusted(delta)
            mu, _ = self.fit(y, with_d=False, tol=1e-10)
            post = self.post
            if len(memo) >= 8:
                memo.pop(next(iter(memo)))
            memo[delta] = (y[post].sum(axis=0), mu[post].sum(axis=0), y[~post].sum(axis=0), mu[~post].sum(axis=0))
        self._sums = memo[delta]
        return self._sums[0], self._phi

    @property
    def _phi(self) -> np.ndarray:
        """Each unit's Pearson dispersion from a two-way Poisson fit to the pre-period only.

        The studentising scale with 3 pre-years (no placebo-in-time cut); also a diagnostic.
        """
        if not hasattr(self, "_phi_cache"):
            self._phi_cache = _pre_period_dispersion(self.y[~self.post], self.e[~self.post])
        return self._phi_cache

    @property
    def _in_time(self) -> tuple[np.ndarray, ...] | None:
        """Per-unit window sums of the pre-period placebo-in-time statistics (None: < 4 pre-years).

        For every cut ``c`` from the 4th pre-year to the last: observed and fitted counts (two-way
        Poisson fit to the pre-period only) in the ``n_post`` years from ``c`` (cut short at the end
        of the pre-period) and before ``c``; arrays (cuts x units).
        """
        if not hasattr(self, "_in_time_cache"):
            y, e = self.y[~self.post], self.e[~self.post]
            n_pre, n_post = y.shape[0], int(self.post.sum())
            if n_pre < MIN_PRE_IN_TIME:
                self._in_time_cache = None
            else:
                mu = _pre_period_fit(y, e)
                cuts = range(3, n_pre)
                self._in_time_cache = tuple(
                    np.array([a[c:c + n_post].sum(axis=0) if after else a[:c].sum(axis=0) for c in cuts])
                    for after in (True, False) for a in (y, mu))
        return self._in_time_cache

    def group_scale(self, members: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """Studentising denominator of each assignment's statistic (fixed: pre-period data only).

        The root mean square of the assignment's placebo-in-time statistics (the post-period
        statistic's own definition moved back into the pre-period, counts summed over the
        assignment's units, ``+0.5`` on observed and fitted sums so that an empty window stays
        finite); with 3 pre-years the quasi-Poisson s.e. with each unit's Pearson dispersion.
        """
        cached = getattr(self, "_scale_cache", None)
        if cached is not None and cached[0] is members:
            return cached[1]
        windows = self._in_time
        out: np.ndarray
        if windows is None:
            m_post, m_pre = (self._sums[i][members].sum(axis=1) for i in (1, 3))
            tot = self._sums[1][members] + self._sums[3][members]
            with np.errstate(divide="ignore", invalid="ignore"):
                phi_g = (phi[members] * tot).sum(axis=1) / tot.sum(axis=1)
                return np.sqrt(phi_g * (1 / m_post + 1 / m_pre))  # depends on delta: not cached
        else:
            o_a, m_a, o_b, m_b = (w[:, members].sum(axis=2) + 0.5 for w in windows)
            cuts = np.log(o_a / m_a) - np.log(o_b / m_b)
            out = np.sqrt(np.mean(cuts**2, axis=0))
        self._scale_cache = (members, out)
        return out

    def group_stat(self, members: np.ndarray, s: np.ndarray, phi: np.ndarray, studentise: bool) -> np.ndarray:
        o_post, m_post, o_pre, m_pre = (a[members].sum(axis=1) for a in self._sums)
        with np.errstate(divide="ignore", invalid="ignore"):
            if not studentise:
                return np.log(o_post / m_post) - np.log(o_pre / m_pre)
            # +0.5 as in the scale: a unit with no counts in one period stays finite (it used to
            # count as infinitely extreme, so with many such small units nothing could reject)
            stat = np.log((o_post + 0.5) / (m_post + 0.5)) - np.log((o_pre + 0.5) / (m_pre + 0.5))
            return stat / self.group_scale(members, phi)

    def to_effect(self, members: np.ndarray, s: np.ndarray) -> np.ndarray:
        return self.group_stat(members, s, np.ones_like(s), False)

    def event_study(self, beta: float) -> pd.DataFrame:
        mu, _ = self._full_fit()
        cf = (mu * np.where(self.dmask, np.exp(-beta), 1.0))[:, : self.k].sum(axis=1)
        obs = self.y[:, : self.k].sum(axis=1)
        return pd.DataFrame({"time": self.panel.times, "observed": obs, "counterfactual": cf,
                             "effect": obs / cf - 1, "post": self.post})


def _responsive_mde(model: _PoissonDid, members: np.ndarray, beta: float, m0: float, *,
                    direction: float, level: float, studentise: bool) -> float:
    """Log-scale MDE of the Poisson test as it responds to an effect (decrease: ``direction=1``).

    The null two-way fit estimates the year effects from every unit's counts, the treated
    kommun(er) included, so an effect of ``m`` moves the treated statistic by less than ``m / se``
    (by a share close to the treated units' share of all counts; a large kommun among 20 small ones
    loses a fifth).  Starting from the rank-test MDE ``m0``, the effect is injected into the
    effect-free data (``beta + direction * m``), the statistic's actual shift is measured and ``m``
    rescaled until it equals the critical value plus ``z_power`` placebo s.d.s (two steps; the
    statistic is close to linear in ``m``).
    """
    if not (np.isfinite(m0) and m0 > 0):
        return m0
    s, sd = model.unit_stats(beta)
    free = float(model.group_stat(members[:1], s, sd, studentise)[0])
    m = m0
    for _ in range(2):
        s, sd = model.unit_stats(beta + direction * m)
        t = model.group_stat(members, s, sd, studentise)
        shift = direction * (free - float(t[0]))
        need = mde_from_permutation(t[1:], se=1.0, level=level, spread="quantile")
        if not (np.isfinite(shift) and shift > 0 and np.isfinite(need)):
            return m0
        m *= need / shift
    return float(m)


def _pre_period_fit(y: np.ndarray, e: np.ndarray, *, tol: float = 1e-10,
                    max_iter: int = 20000) -> np.ndarray:
    """Fitted means of a two-way Poisson model (year x unit margins, ``exposure`` offset) of the
    pre-period ``y`` (years x units), by iterative proportional fitting."""
    mu = e * (y.sum() / e.sum())
    col_y, row_y = y.sum(axis=0), y.sum(axis=1)
    top, cs = max(col_y.max(), 1.0), mu.sum(axis=0)
    for _ in range(max_iter):
        mu = mu * np.divide(col_y, cs, out=np.zeros_like(cs), where=cs > 0)
        rs = mu.sum(axis=1)
        mu = mu * np.divide(row_y, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = mu.sum(axis=0)  # the convergence check's column sums are the next sweep's
        if np.abs(cs - col_y).max() / top < tol:
            break
    return mu


def _pre_period_dispersion(y: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Per-unit Pearson dispersion ``max(sum((y - mu)^2 / mu) / (n_pre - 1), 1)`` of the two-way
    Poisson fit to the pre-period (:func:`_pre_period_fit`); ones with fewer than 3 pre-years."""
    n_pre = y.shape[0]
    if n_pre < 3:
        return np.ones(y.shape[1])
    mu = _pre_period_fit(y, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(mu > 0, (y - mu) ** 2 / mu, 0.0)
    return np.maximum(pearson.sum(axis=0) / (n_pre - 1), 1.0)
