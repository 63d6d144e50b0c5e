"""Caveats and diagnostics every design shares (the input preparer is :mod:`._panel`).

:func:`standard_caveats` adds the caveats every design shares (comparison units left out by the
missing-data policy, short pre-period, COVID years) with the thresholds below.  Low power, zero or
tiny counts and poor pre-period fit are :mod:`._warnings`' rules, applied by ``assemble`` to every
design.

Thresholds (documented here so reports can quote them):

- ``MIN_PRE_YEARS`` (before/after and DiD: 3; ITS: 6): fewer pre-period years raise
  ``ShortPrePeriodWarning``.
- ``COVID_YEARS = (2020, 2021)``: any of them inside the analysed window raises ``CovidYearsWarning``
  (only when ``time`` looks like calendar years).
"""

from __future__ import annotations

import numpy as np

from ..errors import CovidYearsWarning, DesignError, ShortPrePeriodWarning, caveat
from ._panel import Panel

__all__ = [
    "standard_caveats",
    "period_diagnostics",
    "check_uncertainty",
    "COVID_YEARS",
]

COVID_YEARS = (2020, 2021)


def standard_caveats(collected: list[str], panel: Panel, *, min_pre: int = 3) -> None:
    """Append the shared caveats (left-out comparison units, short pre-period, COVID years) to
    ``collected``."""
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
