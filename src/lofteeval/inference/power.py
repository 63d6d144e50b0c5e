"""Minimum detectable effect (MDE) and power.

The MDE is the smallest true effect that a two-sided test at significance ``1 - level`` detects
with probability ``power``.  For an (approximately) normal estimator with standard error ``se``::

    MDE = (z_{1 - alpha/2} + z_{power}) * se          (Bloom 1995)

For placebo/permutation designs the null spread of the placebo estimates plays the role of ``se``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["mde_from_se", "mde_from_placebo", "power_from_se", "mde_poisson_rate_ratio"]


def _z(level: float, power: float) -> float:
    if not (0 < level < 1 and 0 < power < 1):
        raise ValueError(f"level and power must be in (0, 1) (got level={level}, power={power}).")
    return float(stats.norm.ppf(1 - (1 - level) / 2) + stats.norm.ppf(power))


def mde_from_se(se: float, *, level: float = 0.95, power: float = 0.8) -> float:
    """MDE on the estimator's own scale given its standard error."""
    return _z(level, power) * float(se)


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
