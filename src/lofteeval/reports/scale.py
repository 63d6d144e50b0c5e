"""The one scale of every number a report shows, and the verdict built on it.

Defined once, used by the summary, the section texts, the tables and the forest plot:

- **Relative effect** of a crime or index indicator: the effect as a percentage of the estimated
  level without the löfte (the counterfactual), averaged over the evaluated post-period
  (:meth:`lofteeval.results.EffectResult.relative`; relative-scale results are that already).
- **Relative MDE**: :attr:`lofteeval.results.EffectResult.relative_mde`, on the same base.
- **Survey shares** (``unit="percent"``) are always in percentage points (*procentenheter*, "pe"),
  never in percent, for the effect, its interval and the MDE.

The verdict (:func:`verdict`) is one of *säkerställd minskning/ökning* (the change holds after
the multiplicity adjustment), *kan inte avgöras* (the data cannot detect a change of realistic
size: relative MDE of at least :data:`LARGE_MDE`, a share's MDE of at least
:data:`LARGE_MDE_POINTS` percentage points, or too few offences a year) and *ingen säkerställd
förändring* otherwise.
"""

from __future__ import annotations

import math
from typing import Any

from .._types import alpha_of
from ..formatting import MINUS, NBSP

__all__ = ["LARGE_MDE", "LARGE_MDE_POINTS", "points", "display_value", "fmt_display", "mde_display",
           "mde_value", "fmt_pct", "fmt_pe", "few_counts", "holds", "claimed", "undetermined", "verdict", "VERDICT", "unit_word"]

LARGE_MDE = 0.25
"""Relative MDE from which the question *did the löfte make a difference* cannot be determined."""

LARGE_MDE_POINTS = 5.0
"""The same for survey shares, in percentage points."""

UNBOUNDED = 1e9
"""Interval ends at least this large are shown as ±∞ (a test inversion that found no bound)."""

VERDICT = {
    "sv": {"decrease": "Säkerställd minskning", "increase": "Säkerställd ökning",
           "none": "Ingen säkerställd förändring", "undetermined": "Kan inte avgöras",
           "not_estimated": "Kunde inte beräknas"},
    "en": {"decrease": "Confirmed decrease", "increase": "Confirmed increase",
           "none": "No confirmed change", "undetermined": "Cannot be determined",
           "not_estimated": "Could not be computed"},
}

_POINTS = {"sv": "procentenheter", "en": "percentage points"}
_POINTS_SHORT = {"sv": "pe", "en": "pp"}


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def points(spec: Any) -> bool:
    """True for survey shares: every effect and MDE of theirs is in percentage points."""
    return getattr(spec, "unit", "") == "percent"


def unit_word(spec: Any, *, lang: str = "sv", short: bool = False) -> str:
    """The unit of the displayed numbers: ``"%"`` or percentage points (``"pe"``/``"pp"`` short)."""
    if points(spec):
        return (_POINTS_SHORT if short else _POINTS)[lang]
    return "%"


def display_value(result: Any, value: float | None, spec: Any) -> float | None:
    """``value`` (estimate, interval end or MDE on ``result.scale``) on the display scale: a
    fraction of the counterfactual (crime, index) or percentage points (survey shares)."""
    if not _finite(value):
        return None
    if points(spec):
        if result.scale != "relative":
            return float(value)  # type: ignore[arg-type]
        base = _base_relative(result)
        return float(value) * base if base is not None else None  # type: ignore[arg-type]
    if abs(float(value)) >= UNBOUNDED:  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]
    return result.relative(value)  # type: ignore[no-any-return]


def _base_relative(result: Any) -> float | None:
    from ..results import relative_base

    return relative_base(result.effects, result.diagnostics.get("post_periods"))


def fmt_pct(v: float, *, lang: str, sign: bool, unit: bool = True) -> str:
    """A fraction as a percentage: ``-0.18`` -> ``"−18 %"``."""
    from .text import fmt_number

    if abs(v) >= UNBOUNDED:
        return ("+" if v > 0 else MINUS if lang == "sv" else "-") + "\u221e"
    pct = 100 * v
    digits = 0 if abs(pct) >= 10 else 1
    return fmt_number(pct, lang=lang, digits=digits, sign=sign) + (((NBSP if lang == "sv" else "") + "%") if unit else "")


def fmt_pe(v: float, *, lang: str, sign: bool, unit: bool = True) -> str:
    """Percentage points: ``1.44`` -> ``"+1,4 procentenheter"``."""
    from .text import fmt_number

    if abs(v) >= UNBOUNDED:
        return ("+" if v > 0 else MINUS if lang == "sv" else "-") + "\u221e"
    digits = 0 if abs(v) >= 10 else 1
    return fmt_number(v, lang=lang, digits=digits, sign=sign) + ((NBSP + _POINTS[lang]) if unit else "")


def fmt_display(result: Any, value: float | None, spec: Any, *, lang: str = "sv", sign: bool = True,
                unit: bool = True) -> str:
    """A displayed number: ``"−18 %"`` or ``"+1,4 procentenheter"`` (``"–"`` when unknown)."""
    v = display_value(result, value, spec)
    if v is None:
        return "–"
    return (fmt_pe if points(spec) else fmt_pct)(v, lang=lang, sign=sign, unit=unit)


def mde_value(result: Any, spec: Any) -> float | None:
    """The MDE on the display scale: the relative MDE (crime, index) or percentage points (shares)."""
    if points(spec):
        return display_value(result, abs(result.mde) if _finite(result.mde) else None, spec)
    return result.relative_mde  # type: ignore[no-any-return]


def mde_display(result: Any, spec: Any, *, lang: str = "sv", unit: bool = True) -> str:
    """``"25 %"`` or ``"4,0 procentenheter"``: the MDE as every part of the report writes it."""
    v = mde_value(result, spec)
    if v is None:
        return "–"
    return (fmt_pe if points(spec) else fmt_pct)(v, lang=lang, sign=False, unit=unit or not points(spec))


def claimed(result: Any) -> bool:
    """True when a change may be named: significant and the interval excludes zero."""
    lo, hi, p = result.ci_low, result.ci_high, result.p_value
    if not (_finite(lo) and _finite(hi) and _finite(p)):
        return False
    return bool(result.significant) and (lo > 0 or hi < 0)


def holds(result: Any) -> bool:
    """Claimed (:func:`claimed`) and still below ``1 - level`` after the multiplicity adjustment."""
    adj = result.p_adjusted
    return claimed(result) and not (_finite(adj) and adj >= alpha_of(result.level))


def few_counts(result: Any) -> float | None:
    """The mean yearly count when the design flagged too few offences (``ZeroCountsWarning``)."""
    for w in result.warnings:
        if getattr(w, "kind", "") == "ZeroCountsWarning":
            mean: Any = getattr(w, "values", {}).get("mean")
            return float(mean) if _finite(mean) else float("nan")
    return None


def undetermined(result: Any, spec: Any) -> bool:
    """The data cannot detect a change of realistic size (see the module docstring)."""
    if holds(result):
        return False
    if few_counts(result) is not None:
        return True
    mde = mde_value(result, spec)
    if mde is None:
        return False
    return mde >= (LARGE_MDE_POINTS if points(spec) else LARGE_MDE)


def verdict(result: Any, spec: Any) -> str:
    """``"decrease"``, ``"increase"``, ``"undetermined"``, ``"none"`` or ``"not_estimated"``."""
    if result is None or not _finite(result.estimate):
        return "not_estimated"
    if holds(result):
        return "decrease" if result.estimate < 0 else "increase"
    return "undetermined" if undetermined(result, spec) else "none"
