"""Minimum detectable effect (MDE) and power.

The MDE is the smallest true effect that a two-sided test at significance ``1 - level`` detects
with probability ``power``.  For an (approximately) normal estimator with standard error ``se``::

    MDE = (z_{1 - alpha/2} + z_{power}) * se          (Bloom 1995)

For placebo/permutation designs the null spread of the placebo estimates plays the role of ``se``
(:func:`mde_from_placebo`), or, for a studentised rank test, the placebo quantile replaces the normal
critical value (:func:`mde_from_permutation`).  With short annual series the normal quantiles are
replaced by Student-t quantiles (``df=``), which makes the MDE honestly larger.

:func:`simulate_power` measures power empirically for any estimator by injecting an effect into the
treated unit(s) of real or simulated data and counting rejections.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from .._types import alpha_of

__all__ = [
    "mde_from_se",
    "mde_from_placebo",
    "mde_from_permutation",
    "mde_both_directions",
    "power_from_se",
    "mde_poisson_rate_ratio",
    "simulate_power",
]


def _z(level: float, power: float, df: float | None = None) -> float:
    if not (0 < level < 1 and 0 < power < 1):
        raise ValueError(f"level and power must be in (0, 1) (got level={level}, power={power}).")
    if df is not None:
        if df <= 0:
            raise ValueError(f"df must be > 0 (got {df}).")
        return float(stats.t.ppf(1 - (1 - level) / 2, df) + stats.t.ppf(power, df))
    return float(stats.norm.ppf(1 - (1 - level) / 2) + stats.norm.ppf(power))


def mde_from_se(se: float, *, level: float = 0.95, power: float = 0.8, df: float | None = None) -> float:
    """MDE on the estimator's own scale given its standard error (Student-t quantiles if ``df``)."""
    return _z(level, power, df) * float(se)


def mde_from_permutation(placebo_stats: np.ndarray, *, se: float = 1.0, level: float = 0.95,
                         power: float = 0.8, spread: str = "sd") -> float:
    """MDE of a rank test whose statistic is ``estimate / se``, from its placebo statistics.

    The rank test with ``J`` placebos rejects when ``p = (1 + #{|T_j| >= |T|}) / (J + 1) < 1 - level``,
    i.e. when ``|T|`` exceeds the ``(c + 1)``-th largest placebo ``|T_j|`` with ``c`` the most
    placebos allowed at least as extreme; that value is the critical value ``crit`` (about the
    ``level`` quantile for many placebos, the largest one for ``J = 20``; infinite when no rank can
    reach significance).  A true effect ``m`` shifts ``T`` by ``m / se``, and power ``power`` needs
    ``m / se`` to be ``crit`` plus the ``power`` quantile of the statistic's null distribution.
    ``spread="sd"`` takes that quantile from a normal law, ``z_power * sd(T)``; ``spread="quantile"``
    takes it from the placebo statistics themselves, symmetrised (the ``power`` quantile of the
    ``±T_j``): the same distribution the rank test compares with, so the MDE stays honest when the
    statistics are heavier-tailed than normal (where ``z * sd`` over-states the MDE).  With
    unstudentised statistics pass ``se=1`` and the placebo estimates.
    """
    arr = np.asarray(placebo_stats, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2 or not np.isfinite(se):
        return float("nan")
    if not (0 < level < 1 and 0 < power < 1):
        raise ValueError(f"level and power must be in (0, 1) (got level={level}, power={power}).")
    if spread not in ("sd", "quantile"):
        raise ValueError(f"spread must be 'sd' or 'quantile' (got {spread!r}).")
    allowed = math.ceil(round((1 - level) * (arr.size + 1), 9)) - 2
    if allowed < 0:
        return float("inf")
    crit = float(np.sort(np.abs(arr))[::-1][min(allowed, arr.size - 1)])
    if spread == "quantile":
        return float(se * (crit + np.quantile(np.concatenate([arr, -arr]), power)))
    return float(se * (crit + stats.norm.ppf(power) * np.std(arr, ddof=1)))


def mde_both_directions(mde: float | None, *, relative: bool) -> dict[str, float]:
    """``{"mde_decrease": ..., "mde_increase": ...}`` from a decrease MDE.

    On the relative scale a test symmetric on the log scale with log MDE ``m`` detects a fall of
    ``1 - e^(-m)`` (the reported ``mde``) and a rise of ``e^m - 1 = mde / (1 - mde)``; on the
    absolute scale both are ``mde``.  ``nan`` when there is no MDE; an increase MDE is infinite
    when the decrease MDE is 100 %.
    """
    if mde is None or not np.isfinite(mde):
        return {"mde_decrease": float("nan") if mde is None else float(mde),
                "mde_increase": float("nan") if mde is None else float(mde)}
    if not relative:
        return {"mde_decrease": float(mde), "mde_increase": float(mde)}
    up = float(mde / (1 - mde)) if mde < 1 else float("inf")
    return {"mde_decrease": float(mde), "mde_increase": up}


def power_from_se(effect: float, se: float, *, level: float = 0.95) -> float:
    """Power of a two-sided z-test to detect ``effect`` given ``se``."""
    if se <= 0 or not np.isfinite(se):
        return float("nan")
    zc = stats.norm.ppf(1 - (1 - level) / 2)
    d = abs(effect) / se
    return float(stats.norm.sf(zc - d) + stats.norm.cdf(-zc - d))


def mde_from_placebo(placebo_effects: np.ndarray, *, level: float = 0.95, power: float = 0.8) -> float:
    """MDE from the null spread (standard deviation) of placebo estimates."""
    arr = np.asarray(placebo_effects, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size < 2:
        return float("nan")
    return _z(level, power) * float(np.std(arr, ddof=1))


def mde_poisson_rate_ratio(expected_pre: float, expected_post: float, *, level: float = 0.95,
                           power: float = 0.8, dispersion: float = 1.0) -> float:
    """Relative MDE (as a positive fraction) for a before/after rate comparison of Poisson counts.

    ``expected_pre`` and ``expected_post`` are the expected total counts in each period; the
    log rate ratio has variance ``dispersion * (1/pre + 1/post)``.  A kommun with about 50 cases a
    year compared over 3+3 years has ``MDE ≈ 1 - exp(-2.8 * sqrt(2/150)) ≈ 28 %``.
    """
    if expected_pre <= 0 or expected_post <= 0:
        return float("nan")
    se_log = np.sqrt(dispersion * (1 / expected_pre + 1 / expected_post))
    return float(1 - np.exp(-_z(level, power) * se_log))


def simulate_power(estimator: Callable[..., Any], data: pd.DataFrame, *, effect: float, unit: str,
                   time: str, outcome: str, treated: Any, treatment_start: Any,
                   scale: Literal["relative", "absolute"] = "relative", level: float = 0.95,
                   max_units: int = 40, seed: int = 0, **kwargs: Any) -> float:
    """Empirical power of ``estimator`` against ``effect``, by injecting it into placebo units.

    The actual treated unit(s) are removed; each of up to ``max_units`` (seeded sample) other units
    in turn plays the treated unit, its post-period outcome multiplied by ``1 + effect``
    (``scale="relative"``, counts are rounded) or shifted by ``effect`` (``"absolute"``), and the
    share of runs with ``p < 1 - level`` is returned.  The data's own noise is used, so no
    distributional model is assumed; ``kwargs`` (``exposure=``, ...) go to the estimator.
    """
    from ..errors import DesignError

    treated_ids = [treated] if isinstance(treated, str) or not hasattr(treated, "__iter__") else list(treated)
    rest = data.loc[~data[unit].isin(treated_ids)]
    units = np.array(sorted(rest[unit].unique(), key=str), dtype=object)
    if units.size < 3:
        raise DesignError(f"simulate_power needs >= 3 non-treated units (got {units.size}).")
    rng = np.random.default_rng(seed)
    chosen = units if units.size <= max_units else rng.choice(units, size=max_units, replace=False)
    hits = []
    for u in chosen:
        mask = (rest[unit] == u).to_numpy() & (rest[time] >= treatment_start).to_numpy()
        values = rest[outcome].to_numpy(dtype=float).copy()
        if scale == "relative":
            values[mask] = values[mask] * (1 + effect)
            if kwargs.get("exposure") is not None:
                values[mask] = np.round(values[mask])
        else:
            values[mask] = values[mask] + effect
        sim = rest.assign(**{outcome: values})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = estimator(sim, unit=unit, time=time, outcome=outcome, treated=u,
                            treatment_start=treatment_start, level=level, **kwargs)
        hits.append(res.p_value < alpha_of(level))
    return float(np.mean(hits))
