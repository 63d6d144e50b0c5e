"""The warnings every design gives, by the same rules and thresholds (called by :func:`._assemble.assemble`).

Three rules, applied to every design's :class:`~._assemble.Fit` and its
:class:`~._assemble.Uncertainty` (before/after, ITS, DiD Poisson and linear, synthetic control,
synthetic DiD, staggered DiD):

- **Low power** (``LowPowerWarning``): the relative MDE above :data:`LOW_POWER_MDE` (25 %) of the
  baseline.  The relative MDE is :func:`lofteeval.results.relative_mde` (relative scale as is;
  absolute scale over the mean counterfactual of the post-period); a design without a
  counterfactual path (staggered DiD) gives ``Fit.baseline``, the treated units' pre-period
  mean level.
- **Zero or tiny counts** (``ZeroCountsWarning``): the treated series' counts (``Fit.counts``,
  summed over the treated units, one per period; known whenever the design was given counts with
  ``exposure=``) have a zero in some period, or a mean below :data:`SMALL_COUNT` (10) a period.
- **Poor pre-period fit** (``PoorPreFitWarning``): the root mean square of the pre-period gap
  (observed minus counterfactual; staggered DiD: the pre-period group-time effects) is above
  :data:`POOR_FIT_SHARE` (10 %) of the treated pre-period level *and*, when counts are known, above
  :data:`POOR_FIT_NOISE` (2) times the year-to-year noise of real counts at that level,
  ``sqrt(COUNT_DISPERSION / mean count)`` (:data:`lofteeval.indicators.COUNT_DISPERSION`, 60,
  anchored on Brå's län totals) — a gap that real noise alone explains is not a bad fit (a kommun
  with 1 000 offences a year moves by about ±25 % from year to year; one with 50 000 by ±3.5 %).

The thresholds are named here once; ``docs/calibration.md`` ("Warnings") quotes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LowPowerWarning, PoorPreFitWarning, SmallCountsError, ZeroCountsWarning, caveat
from ..indicators import COUNT_DISPERSION
from ..results import relative_mde
from ._panel import Panel

__all__ = ["LOW_POWER_MDE", "SMALL_COUNT", "POOR_FIT_SHARE", "POOR_FIT_NOISE", "RULE_KINDS",
           "design_caveats", "low_power", "refuse_small_counts", "treated_counts"]

LOW_POWER_MDE = 0.25
"""Relative MDE (share of the baseline) above which a result warns ``LowPowerWarning``."""
SMALL_COUNT = 10.0
"""Mean count a period below which (or any zero count) a result warns ``ZeroCountsWarning``."""
POOR_FIT_SHARE = 0.10
"""Pre-period RMSE of the gap, as a share of the treated pre-period level, above which the fit is poor.

About twice what year-to-year noise alone leaves in a well-fitting gap on real data (Brå län
totals 2011-2014 change by s.d. 0.074 in logs, i.e. about 5 % per year in the level)."""
POOR_FIT_NOISE = 2.0
"""... and, with counts, the multiple of the real year-to-year noise ``sqrt(COUNT_DISPERSION / mean count)``
it must also exceed."""

RULE_KINDS = (LowPowerWarning.__name__, ZeroCountsWarning.__name__, PoorPreFitWarning.__name__)
"""Caveat kinds owned by these rules (a design never records them itself)."""


def treated_counts(panel: Panel) -> np.ndarray | None:
    """The treated units' counts summed per period, when ``panel`` holds counts (an exposure)."""
    if panel.exposure is None:
        return None
    return panel.y.loc[:, list(panel.treated)].to_numpy(dtype=float).sum(axis=1)


def refuse_small_counts(per_year: float, design: str, *, instead: str = "several kommuner together") -> None:
    """The one small-count rule: :class:`~lofteeval.errors.SmallCountsError` when the treated
    kommun(er) have on average fewer than :data:`SMALL_COUNT` counts a pre-period year (designs
    that know the counts call it).

    Measured on the calibration battery (``docs/calibration.md``, "Small counts — the rule"): below
    10 counts a year the designs' MDEs promised power they did not have, or were several times the
    level, and a fall of 30 % was practically never detected.  ``instead`` names what to try.
    """
    if per_year < SMALL_COUNT:
        raise SmallCountsError(per_year, design, minimum=SMALL_COUNT, instead=instead)


def design_caveats(collected: list[str], *, effects: pd.DataFrame, scale: str, mde: float | None,
                   diagnostics: Mapping[str, Any], counts: np.ndarray | None = None,
                   baseline: float | None = None, att_gt: pd.DataFrame | None = None) -> None:
    """Append the three rules' caveats to ``collected`` (each also a Python warning).

    Caveats of :data:`RULE_KINDS` already in ``collected`` are replaced, so the rules are the one
    source of these kinds.
    """
    collected[:] = [c for c in collected if getattr(c, "kind", None) not in RULE_KINDS]
    pre_times, post_times = diagnostics.get("pre_periods"), diagnostics.get("post_periods")
    counts = None if counts is None else np.asarray(counts, dtype=float)
    _zero_counts(collected, counts)
    low_power(collected, mde, scale=scale, effects=effects, post_periods=post_times, baseline=baseline)
    _pre_fit(collected, effects, pre_times, att_gt=att_gt, baseline=baseline, counts=counts,
             n_post=len(post_times or ()))


def low_power(collected: list[str], mde: float | None, *, scale: str, effects: pd.DataFrame | None,
              post_periods: Iterable[Any] | None, baseline: float | None = None) -> None:
    """``LowPowerWarning`` when the relative MDE exceeds :data:`LOW_POWER_MDE` (any earlier one replaced)."""
    collected[:] = [c for c in collected if getattr(c, "kind", None) != LowPowerWarning.__name__]
    share = relative_mde(mde, scale=scale, effects=effects, post_periods=post_periods, baseline=baseline)
    if mde is None or share is None or share <= LOW_POWER_MDE:
        return
    relative = scale == "relative"
    what = f"{100 * mde:.0f} %" if relative else f"{mde:.3g} ({100 * share:.0f} % of the baseline)"
    caveat(collected, LowPowerWarning,
           f"the minimum detectable effect at 80 % power is {what}, above {100 * LOW_POWER_MDE:.0f} % of "
           "the baseline; smaller true effects would usually go unnoticed, so a null result says little.",
           mde=float(mde), relative=relative, share=float(share), threshold=LOW_POWER_MDE)


def _zero_counts(collected: list[str], counts: np.ndarray | None) -> None:
    if counts is None or counts.size == 0:
        return
    zeros, mean = int(np.count_nonzero(counts == 0)), float(counts.mean())
    if zeros == 0 and mean >= SMALL_COUNT:
        return
    caveat(collected, ZeroCountsWarning,
           f"the treated series has {zeros} period(s) with zero counts and {mean:.1f} counts a period on "
           f"average (warning below {SMALL_COUNT:g} or at any zero); rates and ratios are unstable.",
           threshold=SMALL_COUNT, mean=mean, zero_periods=zeros, min=float(counts.min()))


def _pre_fit(collected: list[str], effects: pd.DataFrame | None, pre_times: Iterable[Any] | None, *,
             att_gt: pd.DataFrame | None, baseline: float | None, counts: np.ndarray | None,
             n_post: int) -> None:
    gap, level = _pre_gap(effects, pre_times, att_gt, baseline)
    if gap is None or gap.size < 2 or not level or not np.isfinite(level) or level <= 0:
        return
    share = float(np.sqrt(np.mean(gap ** 2))) / level
    limit, noise = POOR_FIT_SHARE, None
    if counts is not None and counts.size > n_post:
        pre_mean = float(counts[: counts.size - n_post].mean())
        noise = float(np.sqrt(COUNT_DISPERSION / pre_mean)) if pre_mean > 0 else np.inf
        limit = max(limit, POOR_FIT_NOISE * noise)
    if not np.isfinite(share) or share <= limit:
        return
    caveat(collected, PoorPreFitWarning,
           f"the pre-period gap between observed and counterfactual is {100 * share:.0f} % of the level "
           f"(root mean square; warning above {100 * limit:.0f} %): the counterfactual does not track "
           "the treated series before the start.",
           share=share, threshold=float(limit), noise=None if noise is None else float(noise), n_pre=int(gap.size))


def _pre_gap(effects: pd.DataFrame | None, pre_times: Iterable[Any] | None, att_gt: pd.DataFrame | None,
             baseline: float | None) -> tuple[np.ndarray | None, float | None]:
    """Pre-period gaps and the level they are measured against."""
    if effects is not None and {"observed", "counterfactual"} <= set(effects.columns) and pre_times is not None:
        rows = effects.loc[effects["time"].isin(list(pre_times))]
        gap = (rows["observed"] - rows["counterfactual"]).to_numpy(dtype=float)
        return gap[np.isfinite(gap)], float(rows["counterfactual"].abs().mean()) if len(rows) else None
    if att_gt is not None and "post" in att_gt.columns:
        pre = att_gt.loc[~att_gt["post"].astype(bool), "att"].to_numpy(dtype=float)
        return pre[np.isfinite(pre)], baseline
    return None, None
