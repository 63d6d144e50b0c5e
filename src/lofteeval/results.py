"""Result objects: :class:`EffectResult` (one estimate) and :func:`results_table` (many).

An ``EffectResult`` is frozen.  Its numbers are on the scale named by ``scale``:

- ``"relative"``: a proportional change, ``-0.20`` = 20 % lower than the counterfactual
  (count models with a population offset report ``exp(beta) - 1``);
- ``"absolute"``: a difference in the outcome's own unit (per 100 000, percentage points, ...).

``effects`` is a per-period tidy frame with columns ``time, observed, counterfactual, effect``
(and ``ci_low, ci_high`` where the design gives them; ``time`` is the year for kommun panels,
relative time for event studies).  ``diagnostics`` holds design facts such as ``pre_rmspe``,
``n_comparison``, ``n_pre``, ``n_post``.  ``warnings`` holds ``"<WarningClass>: message"`` strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ._types import alpha_of

__all__ = ["EffectResult", "results_table", "relative_mde", "relative_base", "FRAME_COLUMNS", "EFFECTS_COLUMNS",
           "PATH_COLUMNS", "PLACEBO_COLUMNS", "UNIT_COMPARISON_COLUMNS", "COMPARISON_COLUMNS", "check_frames"]

EFFECTS_COLUMNS = ("time", "effect")
"""Columns every ``EffectResult.effects`` frame has (more may follow, e.g. ``ci_low``, ``post``)."""
PATH_COLUMNS = ("observed", "counterfactual")
"""Also in ``effects`` for every design with a counterfactual path (all but ``staggered``)."""
PLACEBO_COLUMNS = ("effect", "statistic")
"""Columns every ``EffectResult.placebo`` frame has: each placebo's effect and its test statistic."""
UNIT_COMPARISON_COLUMNS = ("unit", "reason")
"""``comparison`` of a result straight from an estimator (generic units)."""
COMPARISON_COLUMNS = ("kommun", "reason", "reason_sv")
"""``comparison`` of a result from :mod:`lofteeval.evaluation` (the design's pool; more columns follow)."""

FRAME_COLUMNS = [
    "method",
    "lofte_id",
    "kommun",
    "indicator",
    "term",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "level",
    "scale",
    "mde",
    "inference",
    "n_comparison",
    "warnings",
]


@dataclass(frozen=True, eq=False)
class EffectResult:
    """One effect estimate with its uncertainty, per-period effects and diagnostics.

    Parameters
    ----------
    method : str
        Design that produced it (``"did"``, ``"synth"``, ...).
    estimate, ci_low, ci_high : float
        Point estimate and interval on ``scale``.
    p_value : float
        Two-sided p-value of "no effect" from the inference named in ``inference``.
    level : float
        Confidence level of the interval (0.95).
    inference : str
        How the interval and p-value were obtained, in English words.
    inference_id : str
        The same as an id of :data:`lofteeval.inference.methods.INFERENCE` (reports word it from
        there), with the numbers its description needs in ``inference_values``.
    scale : {"relative", "absolute"}
        See the module docstring.
    effects : pandas.DataFrame
        Per-period rows: ``time, observed, counterfactual, effect`` (+ optional ``ci_low, ci_high``).
    mde : float or None
        Minimum detectable effect at 80 % power and ``1 - level`` significance, on ``scale``
        (absolute value).
    diagnostics : mapping
        Design facts (``pre_rmspe``, ``n_comparison``, ``n_pre``, ``n_post`` ...).
    warnings : tuple of Caveat
        Caveats (:class:`lofteeval.errors.Caveat`: each the string ``"<WarningClass>: message"``
        with its ``kind`` and ``values``); plain strings given here are turned into caveats.
    weights : pandas.Series or None
        Donor weights indexed by unit (synthetic control, synthetic DiD).
    placebo : pandas.DataFrame or None
        Placebo results (one row per placebo unit or date).
    att_gt : pandas.DataFrame or None
        Group-time effects (staggered DiD).
    comparison : pandas.DataFrame or None
        The comparison units and why they were chosen (``unit, reason`` ...).
    p_adjusted : float or None
        Multiplicity-adjusted p-value when the result is part of a family.
    """

    method: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    level: float = 0.95
    inference: str = ""
    scale: str = "absolute"
    inference_id: str = ""
    inference_values: Mapping[str, Any] = field(default_factory=dict)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    mde: float | None = None
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    lofte_id: str | None = None
    kommun: str | None = None
    indicator: str | None = None
    term: str = "att"
    weights: pd.Series | None = None
    placebo: pd.DataFrame | None = None
    att_gt: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    p_adjusted: float | None = None

    def __post_init__(self) -> None:
        from .errors import Caveat

        object.__setattr__(self, "warnings", tuple(Caveat.of(w) for w in self.warnings))

    # -- conveniences -------------------------------------------------------------------
    @property
    def significant(self) -> bool:
        """True when the interval excludes no effect (``p < 1 - level``)."""
        return bool(self.p_value < alpha_of(self.level))

    @property
    def relative_mde(self) -> float | None:
        """The MDE as a fraction of the counterfactual over the post-period (:func:`relative_mde`)."""
        return relative_mde(self.mde, scale=self.scale, effects=self.effects,
                            post_periods=self.diagnostics.get("post_periods"),
                            baseline=self.diagnostics.get("baseline"))

    def relative(self, value: float | None) -> float | None:
        """``value`` (an estimate, interval end or MDE on ``scale``) as a fraction of the
        counterfactual over the evaluated post-period: the one relative scale of reports and plots.

        Relative-scale values are returned as they are; absolute ones are divided by
        :func:`relative_base`.  ``None`` when ``value`` or the base is missing.
        """
        if value is None or not np.isfinite(value):
            return None
        if self.scale == "relative":
            return float(value)
        base = relative_base(self.effects, self.diagnostics.get("post_periods"), self.diagnostics.get("baseline"))
        return float(value) / base if base is not None else None

    def with_identity(self, *, lofte_id: str | None = None, kommun: str | None = None,
                      indicator: str | None = None) -> EffectResult:
        """Return a copy with identity fields filled in (the original is untouched)."""
        return replace(
            self,
            lofte_id=lofte_id if lofte_id is not None else self.lofte_id,
            kommun=kommun if kommun is not None else self.kommun,
            indicator=indicator if indicator is not None else self.indicator,
        )

    def replace(self, **changes: Any) -> EffectResult:
        """Return a copy with ``changes`` applied (``dataclasses.replace``)."""
        return replace(self, **changes)

    # -- output -------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One long row with the identity columns, so results concatenate (see ``FRAME_COLUMNS``)."""
        row = {
            "method": self.method,
            "lofte_id": self.lofte_id,
            "kommun": self.kommun,
            "indicator": self.indicator,
            "term": self.term,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "level": self.level,
            "scale": self.scale,
            "mde": self.mde,
            "inference": self.inference,
            "n_comparison": self.diagnostics.get("n_comparison"),
            "warnings": "; ".join(self.warnings),
        }
        return pd.DataFrame([row], columns=FRAME_COLUMNS)

    def summary(self) -> str:
        """Return a plain-text summary (never prints)."""
        pct = self.scale == "relative"

        def fmt(x: float | None, sign: bool = True) -> str:
            if x is None or (isinstance(x, float) and math.isnan(x)):
                return "NA"
            if pct:
                return f"{100 * x:+.1f} %" if sign else f"{100 * x:.1f} %"
            return f"{x:+.4g}" if sign else f"{x:.4g}"

        ident = " · ".join(str(v) for v in (self.lofte_id, self.kommun, self.indicator) if v)
        lines = [
            f"{self.method} estimate{(' — ' + ident) if ident else ''}",
            f"  effect   {fmt(self.estimate)}  [{fmt(self.ci_low)}, {fmt(self.ci_high)}]"
            f"  ({self.level:.0%} interval, {self.inference or 'n/a'})",
            f"  p-value  {self.p_value:.3g}"
            + (f"  (adjusted {self.p_adjusted:.3g})" if self.p_adjusted is not None else ""),
            f"  MDE      {fmt(abs(self.mde), sign=False) if self.mde is not None else 'NA'} at 80 % power",
        ]
        for key in ("n_comparison", "n_pre", "n_post", "pre_rmspe"):
            if key in self.diagnostics:
                val = self.diagnostics[key]
                lines.append(f"  {key:<8} {val:.4g}" if isinstance(val, float) else f"  {key:<8} {val}")
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def plot(self, *, ax: Any = None, lang: str = "sv") -> Any:
        """Observed vs counterfactual over time; delegates to :func:`lofteeval.plots.plot_effect`."""
        from . import plots

        return plots.plot_effect(self, ax=ax, lang=lang)

    def check(self) -> None:
        """Raise ``ValueError`` if the interval does not contain the estimate."""
        vals = np.array([self.ci_low, self.estimate, self.ci_high], dtype=float)
        if np.all(np.isfinite(vals)) and not (vals[0] <= vals[1] <= vals[2]):
            raise ValueError(
                f"interval must contain the estimate (got {self.ci_low} <= {self.estimate} <= {self.ci_high})"
            )


def relative_mde(mde: float | None, *, scale: str, effects: pd.DataFrame | None,
                 post_periods: Iterable[Any] | None = None, baseline: float | None = None) -> float | None:
    """The one relative MDE: the MDE as a fraction of the counterfactual over the evaluated
    post-period.

    On the relative scale the MDE already is one (``|mde|``); on the absolute scale it is
    ``|mde| / mean(|counterfactual|)`` over the ``effects`` rows whose ``time`` is in
    ``post_periods`` (all rows when None); a design without a counterfactual path (staggered DiD)
    gives its ``baseline`` level instead (``diagnostics["baseline"]``, the treated units'
    pre-period mean).  None when the MDE or a positive level is missing.
    """
    if mde is None or not np.isfinite(mde):
        return None
    if scale == "relative":
        return abs(float(mde))
    level = relative_base(effects, post_periods, baseline)
    return abs(float(mde)) / level if level is not None else None


def relative_base(effects: pd.DataFrame | None, post_periods: Iterable[Any] | None = None,
                  baseline: float | None = None) -> float | None:
    """The level every relative number is relative to: ``mean(|counterfactual|)`` over the
    ``effects`` rows whose ``time`` is in ``post_periods`` (all rows when None); a result without
    a counterfactual path (staggered DiD) gives ``|baseline|``; None when no positive level exists."""
    if effects is None or "counterfactual" not in effects.columns:
        if baseline is None or not np.isfinite(baseline) or float(baseline) == 0:
            return None
        return abs(float(baseline))
    rows = effects if post_periods is None else effects.loc[effects["time"].isin(list(post_periods))]
    base = rows["counterfactual"].dropna().abs()
    level = float(base.mean()) if len(base) else float("nan")
    return level if level > 0 else None


def results_table(results: Iterable[EffectResult]) -> pd.DataFrame:
    """Stack ``to_frame()`` of several results into one frame (like pyfixest ``etable``)."""
    frames = [r.to_frame() for r in results]
    if not frames:
        return pd.DataFrame(columns=FRAME_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def check_frames(result: EffectResult, *, comparison: tuple[str, ...] = UNIT_COMPARISON_COLUMNS) -> None:
    """Raise ``ValueError`` naming the missing columns when a sub-frame breaks its contract.

    ``effects`` must have :data:`EFFECTS_COLUMNS` (+ :data:`PATH_COLUMNS` but for ``staggered``),
    ``placebo`` :data:`PLACEBO_COLUMNS` and ``comparison`` the ``comparison`` columns
    (:data:`UNIT_COMPARISON_COLUMNS` from an estimator, :data:`COMPARISON_COLUMNS` from evaluation).
    """
    effects = EFFECTS_COLUMNS + (() if result.method == "staggered" else PATH_COLUMNS)
    frames = {"effects": (result.effects, effects), "placebo": (result.placebo, PLACEBO_COLUMNS),
              "comparison": (result.comparison, comparison)}
    for name, (frame, columns) in frames.items():
        if frame is None or (name == "effects" and frame.empty and not len(frame.columns)):
            continue
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{result.method} result: {name} frame must have columns {list(columns)} "
                             f"(missing {missing}; got {list(frame.columns)}).")

