"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021).

Unit weights ``omega`` (simplex, with an intercept and a ridge penalty ``zeta``) make the donors'
pre-period path parallel to the treated unit's; time weights ``lambda`` (simplex, with an
intercept) make the weighted pre-periods predict the donors' post-period mean.  The estimate is
the weighted double difference::

    tau = (mean_post(y1) - lambda' y1_pre) - omega' (mean_post(Y0) - Y0_pre lambda)

which equals the weighted two-way fixed-effects regression of the paper (its eq. 1).  Both weight
problems are solved exactly (:func:`lofteeval.estimators._simplex.simplex_lstsq`), where the R
package ``synthdid`` runs Frank-Wolfe to a tolerance and then sparsifies.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._types import check_int, check_level
from ..inference.methods import resolve_inference
from ..errors import DataError, DesignError
from ..inference import Interval
from ..inference.placebo import rmspe_table, studentise, studentised_interval
from ..inference.power import mde_both_directions, mde_from_permutation, mde_from_se
from ..results import EffectResult
from ._simplex import simplex_lstsq, simplex_start
from ._panel import one_pool
from ._synth_data import _Panel, _prepare, positive_scales, weighted_result

__all__ = ["synthetic_did"]

SdidInference = Literal["placebo_rank", "placebo_se"]
"""``placebo_rank`` (default): studentised placebo-in-space rank test, interval by inversion;
``placebo_se``: the paper's placebo standard error (Algorithm 4) with a normal interval."""

SdidScale = Literal["pre_rmspe", "in_time"]
"""Studentising scale of the rank test: the per-year ``max(sd of the pre-period gap, noise floor)``
(default), or each unit's placebo-in-time RMS of its estimate (:func:`_in_time_scale`)."""

MIN_FIT_YEARS = 3
"""Fewest pre-period years a backdated fit of the placebo-in-time scale uses (as synthetic control)."""

DEFAULT_SCALE: SdidScale = "pre_rmspe"
"""As synthetic control's (``docs/calibration.md``, session of 2026-12-02): the per-year scale holds
its size on the battery; the placebo-in-time scale costs more MDE and about seven times the CPU."""

ETA_LAMBDA = 1e-6
"""Time-weight regularisation relative to the noise level (the paper's and synthdid's default)."""


def _noise_level(y0: np.ndarray, pre: np.ndarray) -> float:
    """Standard deviation (ddof=1) of the donors' first differences within the pre-period."""
    d = np.diff(y0[:, pre], axis=1)
    return float(np.std(d, ddof=1)) if d.size > 1 else 0.0


def _ridge_simplex(a: np.ndarray, b: np.ndarray, ridge: float,
                   start: np.ndarray | None = None) -> np.ndarray:
    """``argmin ||a_c w - b_c||^2 + ridge ||w||^2`` on the simplex, ``_c`` = centred over rows.

    Centring the rows removes a free intercept exactly.  ``start`` is a warm start (the exact
    solver then only corrects the active set).
    """
    a_c = a - a.mean(axis=0)
    b_c = b - b.mean()
    gram = a_c.T @ a_c
    gram[np.diag_indices_from(gram)] += ridge
    if start is None or not start.sum() > 0:
        rows = np.vstack([a_c, np.sqrt(ridge) * np.eye(a.shape[1])]) if ridge > 0 else a_c
        target = np.concatenate([b_c, np.zeros(a.shape[1])]) if ridge > 0 else b_c
        start = simplex_start(rows, target)
    return simplex_lstsq(gram, a_c.T @ b_c, start=start)


def _fit(y1: np.ndarray, y0: np.ndarray, pre: np.ndarray, zeta_omega: float, zeta_lambda: float,
         starts: tuple[np.ndarray, np.ndarray] | None = None,
         ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """``(tau, omega, lambda, effect path)`` for one treated series ``y1`` and donors ``y0``."""
    s_omega, s_lambda = starts if starts is not None else (None, None)
    n0, t0 = y0.shape[0], int(pre.sum())
    y0_pre, y0_post = y0[:, pre], y0[:, ~pre].mean(axis=1)
    omega = _ridge_simplex(y0_pre.T, y1[pre], t0 * zeta_omega**2, s_omega)
    lam = _ridge_simplex(y0_pre, y0_post, n0 * zeta_lambda**2, s_lambda)
    synth = omega @ y0
    shift = float(lam @ (y1[pre] - synth[pre]))
    path = y1 - synth - shift
    return float(path[~pre].mean()), omega, lam, path


def _placebo(panel: _Panel, zeta_omega: float, zeta_lambda: float, replications: int,
             seed: int, noise: _Noise, in_time: bool = False,
             ) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray | None]:
    """Algorithm 4: re-estimate with donors as pseudo-treated; one path and scale per placebo.

    One treated unit: every donor in turn (the exact ``B -> infinity`` limit of the random
    draws).  Several treated units: ``replications`` random draws of that many donors, averaged.
    Returns labels, paths, each placebo's per-year noise scale (:meth:`_Noise.scale`) and, with
    ``in_time``, its placebo-in-time scale (:func:`_in_time_scale`).
    """
    n1, n0 = len(panel.treated), len(panel.donors)
    idx = np.arange(n0)
    if n1 == 1:
        draws = [np.array([k]) for k in range(n0)]
    else:
        rng = np.random.default_rng(seed)
        draws = [rng.permutation(n0)[-n1:] for _ in range(replications)]
    labels, paths, scales = [], np.empty((len(draws), panel.times.size)), np.empty(len(draws))
    pit = np.empty(len(draws)) if in_time else None
    for b, pseudo in enumerate(draws):
        rest = np.setdiff1d(idx, pseudo, assume_unique=True)
        series = panel.y0[pseudo].mean(axis=0)
        _, omega_b, _, paths[b] = _fit(series, panel.y0[rest], panel.pre, zeta_omega, zeta_lambda)
        scales[b] = noise.scale(series, paths[b], omega_b, rest)
        if pit is not None:
            pit[b] = _in_time_scale(series, panel.y0[rest], panel.pre, zeta_omega, zeta_lambda)
        labels.append(panel.donors[pseudo[0]] if n1 == 1 else "+".join(str(panel.donors[i]) for i in pseudo))
    return labels, paths, scales, pit


def _in_time_scale(series: np.ndarray, y0: np.ndarray, pre: np.ndarray, zeta_omega: float,
                   zeta_lambda: float) -> float:
    """Placebo-in-time scale of one (pseudo-)treated series: RMS of its backdated SDID estimates.

    For every backdated start ``c`` from :data:`MIN_FIT_YEARS` to ``n_pre - 1`` the estimator is
    re-run (unit and time weights refitted, the same ``zeta``) on the years before ``c`` as the
    pre-period and the ``n_post`` years from ``c`` (cut short at the end of the pre-period) as the
    post-period: the post-period estimate's own definition, moved back in time.  The root mean
    square of these estimates measures how far an estimate of the post-period's length moves for
    this unit, persistent noise included.
    """
    cols = np.flatnonzero(pre)
    n_post = int((~pre).sum())
    taus = []
    for c in range(MIN_FIT_YEARS, cols.size):
        sub = cols[:c + n_post]
        fake_pre = np.arange(sub.size) < c
        taus.append(_fit(series[sub], y0[:, sub], fake_pre, zeta_omega, zeta_lambda)[0])
    return float(np.sqrt(np.mean(np.square(taus)))) if taus else float("nan")


class _Noise:
    """Idiosyncratic noise of units and the noise scale of a (placebo) gap (internal).

    A series' noise sd is ``sd(first differences of (x_t - m_t)) / sqrt(2)`` over the
    pre-period, ``m_t`` the cross-unit mean (common shocks removed, level differenced away), as
    in synthetic control's ratio floor.
    """

    def __init__(self, panel: _Panel) -> None:
        self.pre = panel.pre
        self.mean = np.vstack([panel.y1, panel.y0])[:, panel.pre].mean(axis=0)
        self.donors = np.array([self.of(row) for row in panel.y0])

    def of(self, series: np.ndarray) -> float:
        x = series[self.pre] - self.mean
        return float(np.std(np.diff(x), ddof=1) / np.sqrt(2.0)) if x.size >= 3 else 0.0

    def scale(self, series: np.ndarray, path: np.ndarray, omega: np.ndarray, pool: np.ndarray) -> float:
        """``max(sd of the pre-period gap, sqrt(s_x^2 + sum_j omega_j^2 s_j^2))``."""
        gap_pre = path[self.pre]
        fit_sd = float(np.std(gap_pre, ddof=1)) if gap_pre.size > 1 else 0.0
        floor = float(np.sqrt(self.of(series) ** 2 + np.sum((omega * self.donors[pool]) ** 2)))
        return max(fit_sd, floor)


def synthetic_did(data: pd.DataFrame, *, unit: str, time: str, outcome: str, treated: Any,
                  treatment_start: Any, pool: Sequence[Hashable] | None = None,
                  level: float = 0.95, inference: SdidInference = "placebo_rank",
                  replications: int = 200, seed: int = 0, exposure: str | None = None,
                  donors: Sequence[Hashable] | None = None, scale: SdidScale = DEFAULT_SCALE) -> EffectResult:
    """Synthetic difference-in-differences with placebo-in-space inference.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame with one row per (unit, time); it is not modified.
    unit, time, outcome : str
        Column names.
    treated : hashable or list
        Treated unit id(s); several are averaged into one treated series (the paper's
        collapsed form), with ``N1`` = their number in the regularisation.
    treatment_start : same type as the time column
        First treated period.
    pool : list, optional
        Control units; default every unit that is not treated (``donors=`` is its older name).
    level : float
        Confidence level of the interval.
    inference : {"placebo_rank", "placebo_se"}
        ``"placebo_rank"`` (default): studentised placebo-in-space rank test, interval by test
        inversion.  ``"placebo_se"``: the paper's placebo standard error (Algorithm 4) and the
        normal interval ``tau ± z * se`` (over-covers when donors are much noisier than the
        treated unit, see Notes).
    replications, seed : int
        Placebo draws for several treated units (ignored for one treated unit, where every
        donor is used once).
    exposure : str, optional
        Population column when ``outcome`` holds counts: the design then works on the rate per
        100 000 (``outcome / exposure * 1e5``), and the effect is on that scale.  Counts below
        ``SMALL_COUNT`` (10) a pre-period year in the treated kommun(er) are refused.
    scale : {"pre_rmspe", "in_time"}
        Studentising scale of the rank test (``"placebo_rank"`` only): the per-year noise scale
        (default, see Notes) or ``"in_time"``, the root mean square of the unit's own SDID
        estimates with the start backdated into the pre-period (weights refitted each time), which
        also measures persistent noise; fewer than ``MIN_FIT_YEARS + 1`` pre-periods fall back to
        the per-year scale (``diagnostics["scale_kind"]``).

    Returns
    -------
    EffectResult
        ``method="sdid"``, ``scale="absolute"``; ``weights`` are the unit weights ``omega``;
        ``diagnostics["time_weights"]`` the time weights ``lambda`` (Series by period);
        ``placebo`` one row per placebo with its estimate in ``effect`` and studentised
        ``statistic``; ``diagnostics["se"]`` the placebo standard error (both variants),
        ``diagnostics["scale"]`` the treated unit's noise scale; ``effects`` per period
        (observed, counterfactual = synthetic path + the lambda-weighted pre-period gap).

    Raises
    ------
    DataError, DesignError
        As :func:`lofteeval.estimators.synthetic_control`; also fewer donors than needed for the
        placebo standard error (``N0 > N1``) or fewer than 2 pre-periods.

    Notes
    -----
    Identifying assumptions: the weighted donors and weighted pre-periods give a counterfactual
    trend parallel to the treated unit's (a level difference is allowed); donors are untouched by
    the löfte; no anticipation.

    Regularisation as in the paper and ``synthdid``: ``zeta_omega = (N1 * T1)^(1/4) * sigma``,
    ``zeta_lambda = 1e-6 * sigma``, ``sigma`` the sd of the donors' first differences in the
    pre-period.  Placebos (Algorithm 4, the treated unit's ``zeta`` kept): for one treated unit
    every donor is the pseudo-treated unit once (no randomness); the treated unit never enters a
    placebo's pool.

    ``"placebo_se"``: ``se = sqrt(mean((tau_b - mean tau_b)^2))`` over the placebos (the limit of
    ``sqrt((B-1)/B) * sd(tau_b)`` as ``B`` grows); ``p`` and the interval both come from
    ``tau / se`` against the normal.  This treats the placebo effects as draws of the treated
    unit's error, which fails when units differ in noise: with one kommun of 150 000 among
    donors sized like all Swedish kommuner the small, noisy donors inflate ``se`` and the test
    never rejects on null panels (``docs/calibration.md``).

    ``"placebo_rank"``: each unit's effect is divided by its own noise scale
    ``max(sd of its pre-period gap, sqrt(s_i^2 + sum_j omega_j^2 s_j^2))``, ``s`` the unit's
    idiosyncratic noise sd (pre-period first differences net of the cross-unit mean, over
    ``sqrt(2)``), the same studentisation as DiD's permutation test and synthetic control's ratio
    floor.  ``p = (1 + #{|t_b| >= |t|}) / (N0 + 1)``; the interval is the set of constant effects
    ``tau0`` not rejected (subtracting ``tau0`` from the treated post-period moves only its own
    statistic), ``tau ± r_k * scale``, so 0 lies outside it exactly when ``p < 1 - level``
    (:func:`lofteeval.inference.placebo.studentised_interval`).  It is infinite when
    ``N0 + 1 < 1 / (1 - level)``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> rows = [(f"u{i}", t, 10.0 * i + 0.5 * t + rng.normal(0, 0.1)) for i in range(8) for t in range(10)]
    >>> df = pd.DataFrame(rows, columns=["unit", "time", "y"])
    >>> df.loc[(df["unit"] == "u0") & (df["time"] >= 7), "y"] -= 3.0
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = synthetic_did(df, unit="unit", time="time", outcome="y", treated="u0",
    ...                         treatment_start=7)
    >>> bool(abs(res.estimate + 3.0) < 0.3), len(res.placebo)
    (True, 7)
    """
    check_level(level)
    check_int(replications, "replications")
    check_int(seed, "seed", minimum=0, optional=True)
    inference_id = resolve_inference("sdid", inference)
    if scale not in ("in_time", "pre_rmspe"):
        raise DataError(f"'scale' must be 'in_time' or 'pre_rmspe' (got {scale!r}).")
    panel = _prepare(data, unit=unit, time=time, outcome=outcome, treated=treated,
                     treatment_start=treatment_start, donors=one_pool(pool, donors=donors),
                     exposure=exposure, design="synthetic DiD")
    n1, n0, t1 = len(panel.treated), len(panel.donors), int((~panel.pre).sum())
    if panel.n_pre < 2 or n0 <= n1:
        raise DesignError(
            f"synthetic DiD needs >= 2 pre-periods and more donors than treated units for placebo "
            f"standard errors (got {panel.n_pre} pre-periods, {n0} donors, {n1} treated). "
            "Add years or donors, or use method='did'."
        )
    sigma = _noise_level(panel.y0, panel.pre)
    zeta_omega = (n1 * t1) ** 0.25 * sigma
    zeta_lambda = ETA_LAMBDA * sigma
    tau, omega, lam, path = _fit(panel.y1, panel.y0, panel.pre, zeta_omega, zeta_lambda)
    noise = _Noise(panel)
    in_time = scale == "in_time" and inference_id == "placebo_rank" and panel.n_pre > MIN_FIT_YEARS
    labels, pl_paths, pl_per_year, pl_pit = _placebo(panel, zeta_omega, zeta_lambda, replications, seed, noise,
                                                     in_time=in_time)
    placebo = rmspe_table(labels, pl_paths, panel.pre)
    pl_tau = placebo["effect"].to_numpy()
    se = float(np.sqrt(np.mean((pl_tau - pl_tau.mean()) ** 2)))
    per_year = np.concatenate([[noise.scale(panel.y1, path, omega, np.arange(n0))], pl_per_year])
    scales, scale_kind = per_year, "pre_rmspe"
    if pl_pit is not None:
        own_pit = _in_time_scale(panel.y1, panel.y0, panel.pre, zeta_omega, zeta_lambda)
        scales, scale_kind = positive_scales(np.concatenate([[own_pit], pl_pit]), per_year), "placebo_in_time"
    scale_t = float(scales[0])
    placebo["statistic"] = studentise(pl_tau, scales[1:])
    if inference_id == "placebo_se":
        z = float(stats.norm.ppf(0.5 + level / 2))
        p = float(2 * stats.norm.sf(abs(tau) / se)) if se > 0 else float(tau == 0)
        interval = Interval(tau - z * se, tau + z * se, p,
                            "placebo standard error (Arkhangelsky et al. 2021, Algorithm 4), normal interval")
        mde = mde_from_se(se, level=level)
    else:
        interval = studentised_interval(tau, scale_t, placebo["statistic"].to_numpy(), level=level,
                                        method=f"studentised placebo-in-space rank test inversion "
                                               f"({len(placebo)} placebos)")
        mde = mde_from_permutation(placebo["statistic"].to_numpy(), se=scale_t, level=level)
    own = rmspe_table(["treated"], path[None, :], panel.pre).iloc[0]
    diagnostics = _diagnostics(panel, own, omega, lam, se, sigma, zeta_omega, zeta_lambda)
    diagnostics.update(scale=scale_t, scale_kind=scale_kind, per_year_scale=float(per_year[0]),
                       statistic=float(studentise(np.array([tau]), np.array([scale_t]))[0]),
                       p_value_min=1.0 / (len(placebo) + 1), n_placebo=len(placebo),
                       **mde_both_directions(mde, relative=False))
    return weighted_result("sdid", panel, estimate=tau, interval=interval, level=level,
                           inference_id=inference_id, path=path, mde=mde, diagnostics=diagnostics,
                           weights=omega, unit=unit, placebo=placebo)


def _diagnostics(panel: _Panel, own: pd.Series, omega: np.ndarray, lam: np.ndarray, se: float,
                 sigma: float, zeta_omega: float, zeta_lambda: float) -> dict[str, Any]:
    pre_rmspe = float(own["pre_rmspe"])
    return {
        **panel.period_diagnostics(),
        "se": se,
        "pre_rmspe": pre_rmspe,
        "n_comparison": len(panel.donors),
        "n_pre": panel.n_pre,
        "n_post": int((~panel.pre).sum()),
        "n_treated": len(panel.treated),
        "treated_units": panel.treated,
        "noise_level": sigma,
        "zeta_omega": zeta_omega,
        "zeta_lambda": zeta_lambda,
        "time_weights": pd.Series(lam, index=pd.Index(panel.times[panel.pre]), name="lambda"),
        "n_donors_weighted": int(np.count_nonzero(omega > 1e-10)),
    }
