"""The criterion ``method="auto"`` uses to choose among eligible designs, from pre-period data only.

When more than one design with a comparison group is eligible (:meth:`.registry.DesignSpec.auto_refusal`),
each is fitted once more on the **pre-period alone**, with a placebo start inside it: the last
:func:`placebo_post_years` pre years act as a pseudo post-period.  The design whose placebo fit has
the smallest relative MDE (:func:`lofteeval.results.relative_mde`; the share of the level a true
effect must reach to be detected with 80 % power) is chosen.  No post-period value is read, so the
choice is fixed before the outcome of the löfte is seen; a design that cannot be fitted on the
pre-period gets no score, and ties or no scores fall back to the registry's preference
(``DesignSpec.auto``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LofteevalError
from .registry import DesignSpec

__all__ = ["AutoChoice", "placebo_post_years", "pre_period_mde", "choose_by_pre_period", "CRITERION"]

CRITERION = "pre_period_placebo_mde"
"""Id of the criterion in ``diagnostics["method_choice"]``."""


@dataclass(frozen=True)
class AutoChoice:
    """The design chosen by the pre-period criterion and why (English and Swedish)."""

    method: str
    reason: str
    reason_sv: str
    scores: Mapping[str, float | None] = field(default_factory=dict)
    placebo_start: Any = None


def placebo_post_years(n_pre: int, n_post: int) -> int:
    """Pseudo post years of the placebo fit: ``n_post``, but at least 2 (a steadier criterion) and at
    most a third of the pre-period, never below 1."""
    return max(1, min(max(int(n_post), 2), int(n_pre) // 3))


def pre_period_mde(spec: DesignSpec, frame: pd.DataFrame, *, placebo_start: Any, **arguments: Any) -> float | None:
    """Relative MDE of ``spec`` fitted on ``frame``'s rows before ``arguments["treatment_start"]``
    with the placebo start ``placebo_start``; None when the design cannot be fitted there.

    ``arguments`` are :meth:`DesignSpec.arguments` for the real design; only the start changes.
    """
    pre = frame.loc[frame[arguments["time"]] < arguments["treatment_start"]]
    kw = {**arguments, "treatment_start": placebo_start}
    if spec.method == "synth":
        kw["placebo_in_time"] = False  # a diagnostic, not part of the MDE
    elif spec.method == "did":
        kw["interval"] = False  # the interval is not part of the MDE either (the same MDE, cheaper)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = spec.estimator()(pre, **kw)
    except (LofteevalError, ValueError, np.linalg.LinAlgError):
        return None
    share = res.relative_mde
    return float(share) if share is not None and np.isfinite(share) else None


def choose_by_pre_period(candidates: Sequence[DesignSpec], frames: Mapping[str, pd.DataFrame], *,
                         pre_period: Sequence[Any], n_post: int,
                         arguments: Mapping[str, Mapping[str, Any]]) -> AutoChoice:
    """The candidate with the smallest pre-period placebo MDE (``candidates`` in preference order).

    ``frames[method]`` is each candidate's long frame (all years: only the pre-period rows are
    used) and ``arguments[method]`` its estimator arguments on it.
    """
    pre = sorted(pre_period)
    k = placebo_post_years(len(pre), n_post)
    placebo_start = pre[len(pre) - k]
    scores = {s.method: pre_period_mde(s, frames[s.method], placebo_start=placebo_start, **arguments[s.method])
              for s in candidates}
    scored = [s for s in candidates if scores[s.method] is not None]
    best = min(scored, key=lambda s: scores[s.method]) if scored else candidates[0]  # type: ignore[arg-type, return-value]
    others = [s for s in candidates if s is not best]

    def pct(method: str) -> str:
        v = scores[method]
        return "-" if v is None else f"{100 * v:.0f} %"

    if not scored:
        why = "no design could be fitted on the pre-period alone, so the registry's preference decides"
        why_sv = "ingen design gick att skatta på förperioden ensam, så registrets ordning avgör"
    else:
        vs = ", ".join(f"{o.label} {pct(o.method)}" for o in others)
        vs_sv = ", ".join(f"{pct(o.method)} för {o.label_sv or o.label}" for o in others)
        why = (f"smallest MDE in a placebo fit on the pre-period only (start {placebo_start}, {k} pseudo "
               f"post year(s)): {pct(best.method)} against {vs}")
        why_sv = (f"minsta MDE i förperioden (placebostart {placebo_start}, {k} år som låtsad efterperiod): "
                  f"{pct(best.method)} mot {vs_sv}")
    return AutoChoice(best.method, f"chose {best.label}: {why}", f"valde {best.label_sv or best.label}: {why_sv}",
                      scores=scores, placebo_start=placebo_start)
