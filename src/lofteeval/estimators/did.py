"""Two-way fixed-effects difference-in-differences for one or a few treated units.

Two models, chosen by ``exposure``:

- **linear** (rates, shares, indices; ``exposure=None``): ``y_it = a_i + g_t + beta D_it + e_it``.
  On the balanced panel this function uses, the OLS coefficient equals the difference of the treated
  and comparison means' post-minus-pre changes, which is what is computed (it matches a dummy-variable
  OLS regression to 1e-8, see the tests).  ``scale="absolute"``.
- **Poisson** (counts with a population column): ``E y_it = exposure_it exp(a_i + g_t + beta D_it)``,
  fitted by maximum likelihood (block coordinate ascent on the three sets of margins, i.e. iterative
  proportional fitting, which is exact for these indicator regressors).  The effect is
  ``exp(beta) - 1`` (``scale="relative"``).

Inference (``inference=``):

- ``"permutation"`` (default): the treatment is re-assigned to every comparison unit (every
  combination, or ``n_perm`` random ones, for several treated units) under the sharp null
  "effect = delta"; the p-value is the rank of the actual statistic and the interval inverts the
  test (:mod:`lofteeval.inference.permutation`), so they agree exactly.  The statistic is the
  unit's post-minus-pre residual change from the null two-way model, studentised by that unit's own
  pre-period noise so that large and small kommuner are comparable; with fewer than 3 pre-periods
  it is not studentised.  Both models: the root mean square of the
  unit's *placebo-in-time* statistics, i.e. for every cut ``c`` from the 4th pre-year to the last,
  the mean residual in the ``n_post`` years from ``c`` (cut short at the end of the pre-period)
  minus the mean residual before ``c`` -- the post-period statistic's own definition moved back
  in time.  Why: with a multiplicative common year effect, a linear model on rates leaves a slowly
  drifting remainder that is a large share of a large kommun's residual; the plain residual s.d.
  under-states how far that drift moves a post-minus-pre mean, so a large treated kommun's
  statistic was too often extreme; the placebo-in-time scale measures the drift as the statistic
  sees it (figures: ``docs/calibration.md``, from ``benchmarks/calibration.py``).  The scale uses only
  pre-period data, so it does not depend on the hypothesised effect and the test inversion is
  unchanged.  With only 3 pre-years (no cut) the residual s.d. is used instead.  Counts: the same
  construction on the log rate ratio of observed to fitted counts (two-way Poisson fit to the
  pre-period only; window sums of the assignment's units, ``+0.5`` on both), with 3 pre-years the
  quasi-Poisson s.e. with each unit's Pearson dispersion.  The Pearson dispersion alone treated the
  years as independent: under persistent kommun-year noise it under-stated a large kommun's
  year-to-year movement (8-10 % false positives, ``docs/calibration.md``).  The Poisson MDE is
  the effect whose *measured* shift of the treated statistic reaches the rank test's critical value
  plus ``z_0.8`` placebo s.d.s (``_responsive_mde``: the null fit's year effects absorb part of a
  large treated kommun's effect), for a decrease (``mde``, ``1 - e^(-m)``) and an increase
  (``diagnostics["mde_increase"]``, ``e^m - 1``).  Below ``MIN_COUNTS_PER_YEAR`` treated counts a
  pre-period year the Poisson DiD refuses (``DesignError``): its MDE no longer matched its power.
- ``"cluster"``: cluster-robust (by unit) standard errors with ``t(G - 1)`` critical values.  With one
  treated unit this over-rejects badly (Conley & Taber 2011); a caveat says so.

Identifying assumptions: parallel trends (without the löfte the treated unit's outcome would have
moved like the comparison units', on the log scale for counts), no anticipation, and comparison
units untouched by the löfte (no spillover); permutation inference also assumes the units are
exchangeable under the null.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._types import alpha_of, check_int, check_level
from ..inference.methods import resolve_inference
from ..errors import DesignError, DesignWarning, FewDonorsWarning, caveat
from ..inference import Interval, permutation as perm
from ..inference.power import mde_both_directions, mde_from_permutation, mde_from_se
from ..results import EffectResult
from ._assemble import Fit, Uncertainty, assemble
from ._panel import Panel, one_pool, prepare_panel
from ._common import period_diagnostics, standard_caveats
from ._did_poisson import MIN_COUNTS_PER_YEAR, MIN_PRE_IN_TIME, _PoissonDid, _responsive_mde
from ._warnings import treated_counts

__all__ = ["did", "DidInference", "MIN_COUNTS_PER_YEAR"]

DidInference = Literal["placebo_rank", "permutation", "cluster"]
MIN_CONTROLS = 10


def did(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated: Hashable | Iterable[Hashable],
    treatment_start: object,
    pool: Iterable[Hashable] | None = None,
    exposure: str | None = None,
    level: float = 0.95,
    inference: DidInference = "placebo_rank",
    n_perm: int = 5000,
    seed: int = 0,
    controls: Iterable[Hashable] | None = None,
    interval: bool = True,
) -> EffectResult:
    """Estimate a two-way fixed-effects DiD effect with inference suited to few treated units.

    Parameters
    ----------
    data : pandas.DataFrame
        Long frame, one row per ``(unit, time)``; never modified.
    unit, time, outcome : str
        Column names.  With ``exposure`` the outcome must be a count.
    treated : id or list of ids
        Treated unit(s), all starting at ``treatment_start``.
    treatment_start : scalar
        First treated period.
    pool : list of ids, optional
        Comparison units; None uses every non-treated unit (``controls=`` is its older name).
    exposure : str, optional
        Population column: fits the Poisson model with a ``log(exposure)`` offset.
    level : float
        Confidence level.
    inference : {"placebo_rank", "cluster"}
        Ids of :data:`lofteeval.inference.methods.INFERENCE` (``"permutation"``: older name of ``"placebo_rank"``).
        See the module docstring.
    n_perm : int
        Maximum number of treatment assignments for the permutation test.
    seed : int
        Seed for sampling assignments when there are more than ``n_perm``.
    interval : bool
        False skips the permutation test's inversion: the interval is then unbounded
        (``-inf, inf``), while the estimate, the p-value and the MDE stay exactly as with True
        (the cheap path of ``method="auto"``'s pre-period fits, which read the MDE only).

    Returns
    -------
    EffectResult
        ``method="did"``; ``effects`` holds the event-study path (per-period effect of the treated
        unit(s) relative to the comparison units, normalised to the pre-period); ``placebo`` holds
        the placebo estimates (permutation).

    Raises
    ------
    DataError, DesignError
        Bad columns or data, no comparison units, zero treated counts.

    Examples
    --------
    >>> from lofteeval.datasets import simulate_null_panel
    >>> df = simulate_null_panel(n_units=30, seed=1, effect=-0.2)
    >>> res = did(df, unit="kommun", time="year", outcome="count", treated="0001",
    ...           treatment_start=2020, exposure="population")
    >>> res.scale
    'relative'
    """
    check_level(level)
    check_int(n_perm, "n_perm")
    check_int(seed, "seed", minimum=0, optional=True)
    inference_id = resolve_inference("did", inference)
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated=treated,
                          treatment_start=treatment_start, exposure=exposure,
                          controls=one_pool(pool, controls=controls))
    notes: list[str] = []
    standard_caveats(notes, panel, min_pre=3)
    model = _PoissonDid(panel) if exposure is not None else _LinearDid(panel)
    beta = model.estimate()
    if inference_id == "placebo_rank":
        num = _permutation(model, beta, level=level, n_perm=n_perm, seed=seed, notes=notes, invert=interval)
    else:
        num = _cluster(panel, beta, level=level, notes=notes)
    relative = exposure is not None
    to_scale = np.expm1 if relative else (lambda x: x)
    mde = num["mde"]
    effects = model.event_study(beta)
    diagnostics = {
        "n_comparison": len(panel.controls),
        "n_treated": len(panel.treated),
        "n_pre": panel.n_pre,
        "n_post": panel.n_post,
        **period_diagnostics(panel),
        "pre_rmspe": float(np.sqrt(np.mean(effects.loc[~panel.post, "effect"] ** 2))),
        "model": "poisson" if relative else "linear",
        "coef": float(beta),
        **mde_both_directions(mde, relative=relative),  # the permutation test measures both itself
        **num.get("diagnostics", {}),
    }
    fit = Fit(estimate=float(to_scale(beta)), effects=effects,
              scale="relative" if relative else "absolute", diagnostics=diagnostics,
              placebo=num.get("placebo"), counts=treated_counts(panel),
              comparison=pd.DataFrame({"unit": list(panel.controls),
                                       "reason": "given" if controls is not None else "all non-treated units"}))
    unc = Uncertainty(low=float(to_scale(num["low"])), high=float(to_scale(num["high"])),
                      p_value=float(num["p"]), mde=mde, inference_id=num["id"], label=num["label"],
                      values=num["values"])
    return assemble("did", fit, unc, level=level, caveats=notes)


class _LinearDid:
    """Balanced-panel TWFE: beta = change(treated mean) - change(comparison mean)."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.y = panel.y.to_numpy()
        self.k = len(panel.treated)
        self.post = panel.post

    def _changes(self, y: np.ndarray) -> np.ndarray:
        return y[self.post].mean(axis=0) - y[~self.post].mean(axis=0)

    def estimate(self) -> float:
        d = self._changes(self.y)
        return float(d[: self.k].mean() - d[self.k:].mean())

    def adjusted(self, delta: float) -> np.ndarray:
        y = self.y.copy()
        y[np.ix_(self.post, np.arange(self.k))] -= delta
        return y

    def unit_stats(self, delta: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-unit residual change ``S_j`` and its pre-period noise ``sd_j`` under effect ``delta``."""
        y = self.adjusted(delta)
        d = self._changes(y)
        s = d - d.mean()
        return s, self._scale

    @property
    def _scale(self) -> np.ndarray:
        """Each unit's studentising scale from its pre-period residuals (independent of ``delta``)."""
        if not hasattr(self, "_scale_cache"):
            pre = self.y[~self.post]
            resid = pre - pre.mean(axis=1, keepdims=True)
            n_pre, n_post = pre.shape[0], int(self.post.sum())
            if n_pre >= MIN_PRE_IN_TIME:
                sd = _placebo_in_time_rms(resid, n_post)
            elif n_pre >= 3:
                sd = resid.std(axis=0, ddof=1)
            else:
                sd = np.ones(pre.shape[1])
            self._scale_cache = _floor_sd(sd)
        return self._scale_cache

    def group_scale(self, members: np.ndarray, sd: np.ndarray) -> np.ndarray:
        """Studentising denominator of each assignment's statistic (pooled pre-period noise)."""
        return np.sqrt((sd[members] ** 2).mean(axis=1))

    def group_stat(self, members: np.ndarray, s: np.ndarray, sd: np.ndarray, studentise: bool) -> np.ndarray:
        est = s[members].mean(axis=1)
        if not studentise:
            return est
        return est / self.group_scale(members, sd)

    def to_effect(self, members: np.ndarray, s: np.ndarray) -> np.ndarray:
        n, k = s.size, members.shape[1]
        return s[members].mean(axis=1) * n / (n - k)

    def event_study(self, beta: float) -> pd.DataFrame:
        y, k, post = self.y, self.k, self.post
        tr = y[:, :k].mean(axis=1)
        co = y[:, k:].mean(axis=1)
        eff = (tr - tr[~post].mean()) - (co - co[~post].mean())
        return pd.DataFrame({"time": self.panel.times, "observed": tr, "counterfactual": tr - eff,
                             "effect": eff, "post": post})


def _permutation(model: _LinearDid | _PoissonDid, beta: float, *, level: float, n_perm: int, seed: int,
                 notes: list[str], invert: bool = True) -> dict:
    panel = model.panel
    n_units, k = panel.y.shape[1], len(panel.treated)
    members = perm.assignments(n_units, k, n_perm=n_perm, seed=seed)
    studentise = panel.n_pre >= 3
    _few_donor_caveats(notes, len(panel.controls), members.shape[0], level)

    def pfun(delta: float) -> float:
        s, sd = model.unit_stats(delta)
        return perm.rank_pvalue(model.group_stat(members, s, sd, studentise))

    s, sd = model.unit_stats(beta)
    placebo_stat = model.group_stat(members, s, sd, studentise)[1:]
    placebo_eff = model.to_effect(members, s)[1:]
    # the treated assignment's studentising scale (not estimate / statistic: at delta = beta the
    # linear model's treated residual change is exactly 0, which made that ratio 0/0)
    se_t = float(model.group_scale(members[:1], sd)[0]) if studentise else 1.0
    if not (np.isfinite(se_t) and se_t > 0):
        se_t = 1.0
    finite_eff = placebo_eff[np.isfinite(placebo_eff)]
    spread = float(np.std(finite_eff, ddof=1)) if finite_eff.size > 1 else 1.0
    if invert:
        interval = perm.invert_test(pfun, estimate=beta, level=level, step=max(spread, 1e-8),
                                    tol=1e-5 * max(spread, 1e-8),
                                    limit=50.0 if isinstance(model, _PoissonDid) else 1e6 * max(spread, 1.0),
                                    method="permutation")
    else:  # the p-value of invert_test (pfun at the null), no interval
        interval = Interval(low=-np.inf, high=np.inf, p_value=float(pfun(0.0)), method="permutation")
    relative = isinstance(model, _PoissonDid)
    mde = mde_from_permutation(placebo_stat if studentise else placebo_eff, se=se_t if studentise else 1.0,
                               level=level)
    mde_up = mde
    if isinstance(model, _PoissonDid):  # log scale -> a decrease 1 - e^(-m), an increase e^m - 1
        m_down, m_up = (_responsive_mde(model, members, beta, mde, direction=d, level=level,
                                        studentise=studentise) for d in (1.0, -1.0))
        mde, mde_up = float(-np.expm1(-m_down)), float(np.expm1(m_up))
    kind = "studentised " if studentise else ""
    unit_ids = panel.y.columns.to_numpy(object)  # one conversion, not one Index lookup per draw
    return {
        "low": interval.low, "high": interval.high, "p": interval.p_value, "mde": mde,
        "label": f"permutation ({kind}placebo-in-space rank, {members.shape[0]} assignments)",
        "id": "placebo_rank" if studentise else "placebo_rank_raw",
        "values": {"n": int(members.shape[0]) - 1},  # placebos: members[0] is the actual assignment
        "placebo": pd.DataFrame({"units": [tuple(unit_ids[m]) for m in members[1:]],
                                 "effect": np.expm1(placebo_eff) if relative else placebo_eff,
                                 "statistic": placebo_stat}),
        "diagnostics": {"n_assignments": int(members.shape[0]),
                        "min_p_value": perm.min_pvalue(members.shape[0]),
                        "mde_decrease": mde, "mde_increase": mde_up},
    }


def _placebo_in_time_rms(resid: np.ndarray, n_post: int) -> np.ndarray:
    """Root mean square of each unit's placebo-in-time statistics within the pre-period.

    ``resid`` is (pre-years x units) of residuals from the year means.  For every cut ``c`` from 3 to
    ``n_pre - 1`` the statistic is the mean residual in the ``n_post`` years from ``c`` (cut short at
    the end of the pre-period) minus the mean residual before ``c``: the post-period statistic's own
    definition, moved back in time.
    """
    n_pre = resid.shape[0]
    stats_ = [resid[c:c + n_post].mean(axis=0) - resid[:c].mean(axis=0) for c in range(3, n_pre)]
    return np.sqrt(np.mean(np.square(stats_), axis=0))


def _floor_sd(sd: np.ndarray) -> np.ndarray:
    """Replace zero pre-period s.d.s (a unit moving exactly with the mean) by the smallest positive one.

    Raises ``DesignError`` when no unit varies: the statistic cannot be studentised.
    """
    positive = sd[np.isfinite(sd) & (sd > 0)]
    if positive.size == 0:
        raise DesignError(
            "the outcome has no pre-period variation around the year means in any unit, so the "
            "permutation statistic cannot be studentised. Check that the outcome column varies, "
            "or use inference='cluster'."
        )
    return np.where(np.isfinite(sd) & (sd > 0), sd, positive.min())


def _few_donor_caveats(notes: list[str], n_controls: int, n_assign: int, level: float) -> None:
    if perm.min_pvalue(n_assign) >= alpha_of(level):
        caveat(notes, FewDonorsWarning,
               f"only {n_assign} treatment assignments: the smallest attainable p-value is "
               f"{1 / n_assign:.3f}, so the test can never reject at {1 - level:.0%}; the interval is "
               "correspondingly wide (possibly unbounded).", assignments=n_assign, min_p=1 / n_assign)
    elif n_controls < MIN_CONTROLS:
        caveat(notes, FewDonorsWarning,
               f"only {n_controls} comparison units (< {MIN_CONTROLS}); permutation inference is coarse.",
               comparison=n_controls, need=MIN_CONTROLS)


def _long_arrays(panel: Panel) -> tuple[np.ndarray, ...]:
    n_t, n_u = panel.y.shape
    y = panel.y.to_numpy().T.ravel()  # unit-major
    units = np.repeat(np.arange(n_u), n_t)
    times = np.tile(np.arange(n_t), n_u)
    d = ((units < len(panel.treated)) & np.tile(panel.post, n_u)).astype(float)
    x = np.column_stack([d, np.eye(n_u)[units], np.eye(n_t)[times][:, 1:]])
    return y, x, units


def _cluster(panel: Panel, beta: float, *, level: float, notes: list[str]) -> dict:
    import statsmodels.api as sm

    y, x, groups = _long_arrays(panel)
    n_groups = panel.y.shape[1]
    if panel.exposure is not None:
        offset = np.log(panel.exposure.to_numpy().T.ravel())
        fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(
            cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    se = float(np.sqrt(fit.cov_params()[0, 0]))
    df = n_groups - 1
    crit = stats.t.ppf(0.5 + level / 2, df)
    p = float(2 * stats.t.sf(abs(beta / se), df)) if se > 0 else float("nan")
    caveat(notes, DesignWarning,
           f"cluster-robust standard errors with {len(panel.treated)} treated unit(s) over-reject "
           "(the treated unit's own noise is not estimable from one cluster); prefer "
           "inference='placebo_rank'.", topic="cluster", n_treated=len(panel.treated))
    mde = mde_from_se(se, level=level, df=df)
    if panel.exposure is not None:
        mde = float(-np.expm1(-mde))
    return {"low": beta - crit * se, "high": beta + crit * se, "p": p, "mde": mde,
            "label": f"cluster-robust by unit, t({df})", "id": "cluster", "values": {"df": int(df)},
            "diagnostics": {"se": se}}

