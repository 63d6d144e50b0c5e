"""Caveats and diagnostics every design shares (the input preparer is :mod:`._panel`).

:func:`standard_caveats` adds the caveats every design shares (comparison units left out by the
missing-data policy, short pre-period, COVID years, zero or tiny counts) with the thresholds below.

Thresholds (documented here so reports can quote them):

- ``MIN_PRE_YEARS`` (before/after and DiD: 3; ITS: 6): fewer pre-period years raise
  ``ShortPrePeriodWarning``.
- ``COVID_YEARS = (2020, 2021)``: any of them inside the analysed window raises ``CovidYearsWarning``
  (only when ``time`` looks like calendar years).
- ``SMALL_COUNT = 10``: a treated unit with a zero count in a year, or fewer than 10 counts a year on
  average, raises ``ZeroCountsWarning``.
- ``LOW_POWER_MDE = 0.25``: a relative MDE (:func:`lofteeval.results.relative_mde`: relative scale
  as is, absolute scale over the counterfactual of the post-period) above 25 % raises
  ``LowPowerWarning``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import (
    CovidYearsWarning,
    DesignError,
    LowPowerWarning,
    ShortPrePeriodWarning,
    ZeroCountsWarning,
    caveat,
)
from ..results import relative_mde
from ._panel import Panel

__all__ = [
    "standard_caveats",
    "low_power_caveat",
    "period_diagnostics",
    "check_uncertainty",
    "COVID_YEARS",
    "SMALL_COUNT",
    "LOW_POWER_MDE",
]

COVID_YEARS = (2020, 2021)
SMALL_COUNT = 10.0
LOW_POWER_MDE = 0.25


def standard_caveats(
    collected: list[str], panel: Panel, *, min_pre: int = 3, counts: bool = False
) -> None:
    """Append the shared caveats (left-out comparison units, short pre-period, COVID years,
    zero/small counts) to ``collected``."""
    collected.extend(panel.caveats)
    if panel.n_pre < min_pre:
        caveat(
            collected,
            ShortPrePeriodWarning,
            f"only {panel.n_pre} pre-period year(s); this design needs >= {min_pre} to be convincing.",
            n_pre=panel.n_pre, need=min_pre,
        )
    times = panel.times
    if np.issubdtype(times.dtype, np.number) and np.all((times > 1900) & (times < 2200)):
        covid = [int(t) for t in times if int(t) in COVID_YEARS]
        if covid:
            caveat(
                collected,
                CovidYearsWarning,
                f"the window contains {covid}, when crime and reporting patterns shifted everywhere.",
                years=covid,
            )
    if counts:
        treated_counts = panel.y.loc[:, list(panel.treated)].to_numpy()
        if (treated_counts == 0).any() or treated_counts.sum(axis=1).mean() < SMALL_COUNT:
            caveat(
                collected,
                ZeroCountsWarning,
                f"the treated unit(s) have zero counts in some year or fewer than {SMALL_COUNT:g} a year "
                f"(mean {treated_counts.sum(axis=1).mean():.1f}); rates and ratios are unstable.",
                threshold=SMALL_COUNT, mean=float(treated_counts.sum(axis=1).mean()),
            )


def _plain(value: object) -> object:
    """numpy scalars -> Python scalars, so diagnostics print and serialise cleanly."""
    return value.item() if isinstance(value, np.generic) else value


def period_diagnostics(panel: Panel) -> dict:
    """``treatment_start``, ``pre_periods`` and ``post_periods`` (lists) for a result's diagnostics."""
    times = [_plain(t) for t in panel.times]
    return {
        "treatment_start": _plain(panel.treatment_start),
        "pre_periods": [t for t, p in zip(times, panel.post) if not p],
        "post_periods": [t for t, p in zip(times, panel.post) if p],
    }


def check_uncertainty(se: float, *, design: str, what: str) -> None:
    """Raise ``DesignError`` unless the standard error ``se`` is finite and > 0.

    ``what`` names the variation that was missing (e.g. "year-to-year variation in the pre-period").
    """
    if not (np.isfinite(se) and se > 0):
        raise DesignError(
            f"{design} needs {what} to estimate its uncertainty (got a standard error of {se!r}). "
            "A constant or perfectly fitted series carries no information about noise; use counts with "
            "exposure=, a longer window, or a design with comparison units (did)."
        )


def low_power_caveat(collected: list[str], mde: float | None, *, scale: str, effects: pd.DataFrame,
                     panel: Panel) -> None:
    """Warn ``LowPowerWarning`` when the relative MDE (:func:`lofteeval.results.relative_mde`, the
    one definition: relative to the counterfactual over the post-period) exceeds ``LOW_POWER_MDE``."""
    share = relative_mde(mde, scale=scale, effects=effects, post_periods=period_diagnostics(panel)["post_periods"])
    if mde is None or share is None or share <= LOW_POWER_MDE:
        return
    relative = scale == "relative"
    what = (f"{100 * mde:.0f} %" if relative
            else f"{mde:.3g} ({100 * share:.0f} % of the counterfactual over the post-period)")
    caveat(
        collected,
        LowPowerWarning,
        f"the minimum detectable effect at 80 % power is {what}; smaller true effects would "
        "usually go unnoticed, so a null result says little.",
        mde=float(mde), relative=relative, share=float(share),
    )
