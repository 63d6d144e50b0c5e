"""The one place where an estimator's fit and its inference become an :class:`EffectResult`.

Every design computes a :class:`Fit` (point estimate, per-period observed / counterfactual /
effect path, design facts) and obtains an :class:`Uncertainty` from its inference (interval,
p-value, MDE, the inference id).  :func:`assemble` joins the two, checks the sub-frames against
their named columns (:func:`lofteeval.results.check_frames`) and returns the frozen result, so a
new design never builds an ``EffectResult`` by hand.  It also applies the warnings every design
shares (:mod:`._warnings`: low power, zero or tiny counts, poor pre-period fit), with one set of
thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..results import EffectResult, check_frames
from ._warnings import design_caveats

__all__ = ["Fit", "Uncertainty", "assemble"]


@dataclass(frozen=True)
class Fit:
    """What an estimator computes, before any inference.

    Attributes
    ----------
    estimate : float
        Point estimate on ``scale``.
    effects : pandas.DataFrame
        Per-period rows ``time, effect`` and, for designs with a counterfactual path,
        ``observed, counterfactual`` (:data:`lofteeval.results.EFFECTS_COLUMNS`, ``PATH_COLUMNS``).
    scale : {"absolute", "relative"}
    diagnostics : mapping
        Design facts (periods, pool size, fit).
    weights, placebo, att_gt, comparison : optional
        Donor weights, placebo rows, group-time cells and comparison units (``unit, reason``)
        where the design has them.
    term : str
        The estimand's name in tables (``"att"``; staggered: ``"att_<aggregation>"``).
    counts : numpy.ndarray, optional
        The treated series' counts per period (summed over treated units) when the design was
        given counts (``exposure=``); the zero-count rule of :mod:`._warnings` reads them.
    baseline : float, optional
        The level a relative MDE is measured against when ``effects`` has no counterfactual
        path (staggered DiD: the treated units' pre-period mean).
    """

    estimate: float
    effects: pd.DataFrame
    scale: str = "absolute"
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    weights: pd.Series | None = None
    placebo: pd.DataFrame | None = None
    att_gt: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    term: str = "att"
    counts: np.ndarray | None = None
    baseline: float | None = None


@dataclass(frozen=True)
class Uncertainty:
    """What the inference gives for a :class:`Fit` (on the fit's scale).

    ``inference_id`` is an id of :data:`lofteeval.inference.methods.INFERENCE`; ``values`` are
    the numbers its description needs; ``label`` the same in plain English.
    """

    low: float
    high: float
    p_value: float
    mde: float | None
    inference_id: str
    label: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


def assemble(method: str, fit: Fit, uncertainty: Uncertainty, *, level: float,
             caveats: Iterable[str] = ()) -> EffectResult:
    """The :class:`EffectResult` of ``fit`` with ``uncertainty``; sub-frames checked.

    ``caveats`` are the design's own; the shared rules of :mod:`._warnings` (low power, zero or
    tiny counts, poor pre-period fit) are added here, for every design alike.

    Raises
    ------
    ValueError
        A sub-frame lacks its named columns (a broken estimator, never bad user input).
    """
    notes = list(caveats)
    design_caveats(notes, effects=fit.effects, scale=fit.scale, mde=uncertainty.mde,
                   diagnostics=fit.diagnostics, counts=fit.counts, baseline=fit.baseline, att_gt=fit.att_gt)
    result = EffectResult(
        method=method, estimate=float(fit.estimate), ci_low=float(uncertainty.low),
        ci_high=float(uncertainty.high), p_value=float(uncertainty.p_value), level=level,
        inference=uncertainty.label, inference_id=uncertainty.inference_id,
        inference_values=dict(uncertainty.values), scale=fit.scale, effects=fit.effects,
        mde=uncertainty.mde, diagnostics=dict(fit.diagnostics), warnings=tuple(notes),
        term=fit.term, weights=fit.weights, placebo=fit.placebo, att_gt=fit.att_gt,
        comparison=fit.comparison,
    )
    check_frames(result)
    return result
