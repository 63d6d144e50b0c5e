"""Level variance of the structural forecast learned from the comparison kommuner (empirical Bayes).

Ten pre-period years of one series cannot tell a level that does not move from one that moves a
little: the first differences of a white-noise series and of a random walk under noise differ only
in their lag-1 autocorrelation, which nine differences estimate with a standard error of about 0.3.
The forecast variance of a five-year post mean differs by a factor of about five between the two, so
the single-series posterior (:func:`._local_level.posterior_predictive`) is decided by its prior,
and no one prior suits both (``docs/calibration.md``: 0-1 % false positives with large independent
year-to-year noise, 6-7 % on random-walk-dominated series).

When the panel holds other kommuner with the same indicator, what moves the level is learned
from them.  ITS uses this; before/after does not (measured with it, it rejected 8.5 % of the
battery's base null panels on fresh seeds: with no drift uncertainty to widen its forecast, the
AR(1) noise the model lacks showed; ``docs/calibration.md``), so ``trend=False`` serves tests and
studies only.
Each kommun's pre-period log rate is modelled as

    z_jt = c_t + l_jt + e_jt,   c, l random walks (variances s_c, s_l),  e_jt ~ N(0, s_e + k_jt)

with ``c`` common to all kommuner (the regional/national movement a before/after or ITS design
cannot remove), ``l`` and ``e`` kommun-specific and independent across kommuner, ``k_jt`` the
known Poisson variance of a log count (:func:`._local_level.log_count_variance`).  Then

- the deviations ``d_jt = z_jt - mean_j z_jt`` carry no common part: ``s_e`` and ``s_l`` are the
  maximum-likelihood fit of a local level (with drift for ITS) model with both variances shared
  by all comparison kommuner (Kalman-filter likelihood summed over kommuner; the factor
  ``J / (J - 1)`` undoes the shrinkage by the subtracted mean).  Pooling is valid because these
  parts are independent across kommuner; with ``J >= POOL_MIN`` kommuner of ``n`` pre-years the
  fit rests on ``J (n - 1)`` differences or more, so it is plugged in (``s_e`` serves only as the
  noise of the mean series);
- the common variance ``s_c`` comes from the mean series ``mean_j z_jt``, which all kommuner share:
  it has as many independent steps as years, however many kommuner there are, so its
  uncertainty is *not* pooled away but integrated out (the single-series grid posterior of the mean
  series, :func:`._local_level.grid_posterior`).

The treated kommun's forecast is the Kalman forecast of *its own* pre-period series.  Its level
variance takes the values ``s_l + s_c`` over the posterior points of ``s_c``, with that posterior as
their prior weights; its irregular variance has the single-series grid and prior
(:func:`._local_level._log_prior`: a point mass at "nothing beyond Poisson noise" and a half-Cauchy
slab); both are then reweighted by the treated series' own likelihood.  So the kommun's own noise is
its own (a kommun noisier than the others widens its interval), and only what moves the level is
borrowed.  The assumption, stated in every result's label: the treated kommun's level moves like
the comparison kommuner' levels (same common movement, exchangeable kommun-specific movement) —
not its level or trend, which stay its own.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ..errors import DroppedRowsWarning
from ._panel import prepare_panel
from ._local_level import (_BAYES_GRID, _GRID, _filter, _log_prior, grid_posterior,
                           predictive_mixture, standardise)

__all__ = ["POOL_MIN", "noise_pool", "pool_label", "pooled_predictive", "usable_pool"]

POOL_MIN = 5
"""Comparison kommuner needed to learn the level variance from them (else the single-series posterior).

With 10 pre-years, 5 kommuner give 45 first differences to the plugged-in kommun variances: the
relative standard error of a variance from 45 differences is ``sqrt(2 / 45)``, about 0.2."""


def noise_pool(data: pd.DataFrame, *, unit: str, time: str, outcome: str, exposure: str,
               treated: tuple[Hashable, ...], treatment_start: object, min_count: float,
               notes: list[str], pre_years: int | Sequence | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """The comparison kommuner's pre-period ``(z, known)`` for the noise model, or None.

    Every unit of ``data`` other than the treated is a candidate; the one missing-data policy of
    :func:`._panel.prepare_panel` applies (a unit with a gap is left out, recorded in ``notes``),
    then :func:`usable_pool`.  None when fewer than :data:`POOL_MIN` kommuner remain.
    """
    if data[unit].drop_duplicates().isin(list(treated)).eq(False).sum() < POOL_MIN:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)  # recorded as a caveat instead
        panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=list(treated),
                              treatment_start=treatment_start, exposure=exposure, pooled=True,
                              pre_years=pre_years, min_pool=0)
    notes.extend(c for c in panel.caveats if c not in notes)
    if len(panel.controls) < POOL_MIN:
        return None
    assert panel.exposure is not None  # counts come with their exposure
    pre, cols = ~panel.post, list(panel.controls)
    z, known = usable_pool(panel.y.loc[pre, cols].to_numpy(float),
                           panel.exposure.loc[pre, cols].to_numpy(float), min_count)
    return (z, known) if z.shape[1] >= POOL_MIN else None


def pool_label(pool: tuple[np.ndarray, np.ndarray] | None) -> str:
    """The inference label's note on where the level variance came from."""
    if pool is None:
        return ""
    return (f"; level variance learned from {pool[0].shape[1]} comparison kommuner (common + kommun "
            "movement, empirical Bayes), irregular noise from the kommun's own series")


def usable_pool(y_pre: np.ndarray, e_pre: np.ndarray, min_count: float) -> tuple[np.ndarray, np.ndarray]:
    """Pre-period log rates and known variances of the comparison series fit for the noise model.

    Parameters
    ----------
    y_pre, e_pre : numpy.ndarray
        Counts and exposure, ``pre-years x kommuner`` (complete).
    min_count : float
        A kommun is used only with at least this mean count a year (the normal approximation of a
        log count is poor below it: the small-count rule of ``_warnings.SMALL_COUNT``).

    Returns
    -------
    z, known : numpy.ndarray
        ``pre-years x usable kommuner``; ``known`` is the Poisson variance of a log count at the
        kommun's pre-period level.
    """
    from ._local_level import log_count_variance

    keep = (y_pre.mean(axis=0) >= min_count) & np.all(e_pre > 0, axis=0)
    y, e = y_pre[:, keep], e_pre[:, keep]
    rate = y.sum(axis=0) / e.sum(axis=0)
    return np.log((y + 0.5) / e), log_count_variance(rate[None, :] * e)


def _pooled_ml(d: np.ndarray, kd: np.ndarray, trend: bool) -> tuple[float, float]:
    """ML ``(s_e, s_l)`` shared by the columns of ``d`` (standardised deviations, known ``kd``).

    Coarse-to-fine grid search on the log variances (zero kept reachable): the grid of
    ``_local_level._GRID``, then two local grids of 9 x 9 around the best point, each a quarter of the
    previous spacing (final spacing about 4 % in a variance, far below its sampling error).
    """
    n_series = d.shape[1]

    def loglik(se: np.ndarray, sl: np.ndarray) -> np.ndarray:
        lanes = se.size
        ll = _filter(np.repeat(d, lanes, axis=1), np.repeat(kd, lanes, axis=1),
                     np.tile(se, n_series), np.tile(sl, n_series), trend)[0]
        return np.nan_to_num(ll.reshape(n_series, lanes).sum(axis=0), nan=-np.inf)

    ge, gl = (g.ravel() for g in np.meshgrid(_GRID, _GRID, indexing="ij"))
    best_e, best_l = _argmax(loglik, ge, gl)
    step = np.log(_GRID[2] / _GRID[1])
    for _ in range(2):
        offsets = np.exp(np.linspace(-step, step, 9))
        cand_e = np.concatenate([[0.0], best_e * offsets]) if best_e > 0 else np.concatenate([[0.0], _GRID[1] * offsets])
        cand_l = np.concatenate([[0.0], best_l * offsets]) if best_l > 0 else np.concatenate([[0.0], _GRID[1] * offsets])
        ge, gl = (g.ravel() for g in np.meshgrid(cand_e, cand_l, indexing="ij"))
        best_e, best_l = _argmax(loglik, ge, gl)
        step /= 4
    return best_e, best_l


def _argmax(loglik, ge: np.ndarray, gl: np.ndarray) -> tuple[float, float]:
    values = loglik(ge, gl)
    best = int(np.argmax(values))
    return float(ge[best]), float(gl[best])


def pooled_predictive(z_pre: np.ndarray, known_pre: np.ndarray, z_post: np.ndarray,
                      post_exposure: np.ndarray | None, pool_z: np.ndarray, pool_known: np.ndarray,
                      *, trend: bool) -> dict:
    """Predictive mixture of the treated post mean with the level variance learned from ``pool_z``.

    Parameters
    ----------
    z_pre, known_pre, z_post, post_exposure
        The treated series, as for :func:`._local_level.posterior_predictive`.
    pool_z, pool_known : numpy.ndarray
        Comparison kommuner's pre-period log rates and known variances (``pre-years x J``,
        ``J >= 2``; :func:`usable_pool`).
    trend : bool
        Local level with drift (ITS) instead of the local level (before/after).

    Returns
    -------
    dict
        The mixture of :func:`._local_level.predictive_mixture` plus ``pool_size``,
        ``irregular_var_pool``, ``level_var_kommun`` and ``level_var_common`` (``z`` scale).
    """
    z_pre = np.asarray(z_pre, float)
    n_pool = pool_z.shape[1]
    centre, scale = standardise(z_pre, known_pre)
    mean_z = pool_z.mean(axis=1)
    # d_j = z_j - mean: known part k_j (1 - 2/J) + sum(k) / J^2; s_e, s_l shrink by (1 - 1/J)
    kd = pool_known * (1 - 2 / n_pool) + pool_known.sum(axis=1, keepdims=True) / n_pool**2
    d = pool_z - mean_z[:, None]
    s_e, s_l = (v * n_pool / (n_pool - 1)
                for v in _pooled_ml((d - d.mean(axis=0)) / scale, kd / scale**2, trend))
    # the common level: grid posterior of the mean series (in its own unit), marginal over its noise
    known_mean = pool_known.sum(axis=1) / n_pool**2 + s_e * scale**2 / n_pool
    c_centre, c_scale = standardise(mean_z, known_mean)
    _, gl_c, w_c = grid_posterior((mean_z - c_centre) / c_scale, known_mean / c_scale**2, trend)
    levels, inverse = np.unique(gl_c, return_inverse=True)
    w_level = np.bincount(inverse, weights=w_c)
    keep = w_level > 1e-12
    level = s_l + levels[keep] * c_scale**2 / scale**2     # treated's level variance, its unit
    # the treated's own irregular variance: the single-series grid and prior; its level variance:
    # the points of the pooled posterior, reweighted by the treated series' own likelihood
    irregular = np.concatenate([[0.0], _BAYES_GRID])
    ge, gl = np.repeat(irregular, level.size), np.tile(level, irregular.size)
    zs, ks = (z_pre - centre) / scale, np.asarray(known_pre, float) / scale**2
    lw = (np.nan_to_num(_filter(zs, ks, ge, gl, trend)[0], nan=-np.inf)
          + np.tile(np.log(w_level[keep]), irregular.size) + _log_prior(ge, True))
    w = np.exp(lw - lw.max())
    mix = predictive_mixture(zs, ks, ge, gl, w / w.sum(), z_post, post_exposure,
                             trend=trend, centre=centre, scale=scale)
    return {**mix, "pool_size": n_pool, "irregular_var_pool": s_e * scale**2,
            "level_var_kommun": s_l * scale**2,
            "level_var_common": float(w_level[keep] @ levels[keep] / w_level[keep].sum()) * c_scale**2}
