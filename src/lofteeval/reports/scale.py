"""The one scale of every number a report or workbook shows, and the verdict built on it.

Defined once, used by the summary, the section texts, the tables, the forest plot, the workbook
and ``lofteeval evaluate``:

- **Relative effect** of a crime or index indicator: the effect as a percentage of the estimated
  level without the löfte (the counterfactual), averaged over the evaluated post-period
  (:meth:`lofteeval.results.EffectResult.relative`; relative-scale results are that already).
- **Relative MDE**: :attr:`lofteeval.results.EffectResult.relative_mde`, on the same base.
- **Survey shares** (``unit="percent"``) are always in percentage points (*procentenheter*, "pe"),
  never in percent, for the effect, its interval and the MDE.

The verdict (:func:`verdict`) is one of *säkerställd minskning/ökning* (the change holds after
the multiplicity adjustment, :func:`holds`, also called :func:`confirmed`), *ingen säkerställd
förändring* for a change that is nominally significant (the interval excludes 0 and p < 0.05,
:func:`claimed`) but not after the adjustment (key ``"nominal"``: the indicator moved, but among
several indicators such a change can arise by chance), *kan inte avgöras* (the data cannot detect
a change of realistic size: relative MDE of at least :data:`LARGE_MDE`, a share's MDE of at least
:data:`LARGE_MDE_POINTS` percentage points, or too few offences a year) and *ingen säkerställd
förändring* otherwise (key ``"none"``).  *Kan inte avgöras* is about too little data, never about
a change that was seen but does not hold after the adjustment.

The workbook and ``evaluate --out`` show one column per scale (:func:`scale_numbers`,
:data:`SCALES`): crime indicators a relative effect, an effect per 100 000 inhabitants and one in
offences per year; survey shares only percentage points, indices only index points — never a
relative number for a survey.  The designs give their observed/counterfactual path in the outcome
they modelled: the count models with population as exposure (DiD and ITS on the relative scale)
in offences, the others in the indicator's unit (per 100 000 for crime).  :func:`rate_path` turns
the former into rates with the treated kommuner's population (SCB,
:func:`lofteeval.harmonise.kommuner.population`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._types import alpha_of
from ..formatting import MINUS, NBSP

__all__ = ["LARGE_MDE", "LARGE_MDE_POINTS", "SCALES", "VERDICT", "claimed", "confirmed", "display_value",
           "few_counts", "fmt_display", "fmt_pct", "fmt_pe", "holds", "infinite", "mde_display", "mde_value", "points",
           "post_rows", "rate_path", "relative_effect", "scale_numbers", "treated_population", "undetermined",
           "unit_word", "verdict"]

LARGE_MDE = 0.25
"""Relative MDE from which the question *did the löfte make a difference* cannot be determined."""

LARGE_MDE_POINTS = 5.0
"""The same for survey shares, in percentage points."""

UNBOUNDED = 1e9
"""Interval ends at least this large are shown as ±∞ (a test inversion that found no bound)."""

VERDICT = {
    "sv": {"decrease": "Säkerställd minskning", "increase": "Säkerställd ökning",
           "none": "Ingen säkerställd förändring", "nominal": "Ingen säkerställd förändring",
           "undetermined": "Kan inte avgöras",
           "not_estimated": "Kunde inte beräknas"},
    "en": {"decrease": "Confirmed decrease", "increase": "Confirmed increase",
           "none": "No confirmed change", "nominal": "No confirmed change",
           "undetermined": "Cannot be determined",
           "not_estimated": "Could not be computed"},
}

SCALES = ("pct", "per100k", "count", "pp", "index")
"""Workbook scale keys: relative (fraction), per 100 000, offences per year, percentage points, index points."""

_COUNT_METHODS = ("did", "its")
_POINTS = {"sv": "procentenheter", "en": "percentage points"}
_POINTS_SHORT = {"sv": "pe", "en": "pp"}


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating)) and math.isfinite(float(x))


def _num(x: Any) -> float | None:
    """``x`` as a float, ``None`` when missing or not finite."""
    return float(x) if _finite(x) else None


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

    return relative_base(result.effects, result.diagnostics.get("post_periods"), result.diagnostics.get("baseline"))


def infinite(v: float, *, lang: str) -> str:
    """An unbounded interval end (:data:`UNBOUNDED`): ``"+∞"`` or ``"−∞"``."""
    return ("+" if v > 0 else MINUS if lang == "sv" else "-") + "\u221e"


def fmt_pct(v: float, *, lang: str, sign: bool, unit: bool = True) -> str:
    """A fraction as a percentage: ``-0.18`` -> ``"−18 %"``."""
    from .text import fmt_number

    if abs(v) >= UNBOUNDED:
        return infinite(v, lang=lang)
    pct = 100 * v
    digits = 0 if abs(pct) >= 10 else 1
    return fmt_number(pct, lang=lang, digits=digits, sign=sign) + (((NBSP if lang == "sv" else "") + "%") if unit else "")


def fmt_pe(v: float, *, lang: str, sign: bool, unit: bool = True) -> str:
    """Percentage points: ``1.44`` -> ``"+1,4 procentenheter"``."""
    from .text import fmt_number

    if abs(v) >= UNBOUNDED:
        return infinite(v, lang=lang)
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
    """*Säkerställd* as every part of the report says it: claimed (:func:`claimed`: significant,
    the interval excludes 0) and, when the result was adjusted for several outcomes, the adjusted
    p-value is below ``1 - level`` too."""
    adj = _num(result.p_adjusted)
    return claimed(result) and (adj is None or adj < alpha_of(result.level))


confirmed = holds
"""The workbook's and the terminal's name for :func:`holds` (*Säkerställd (efter justering)*)."""


def few_counts(result: Any) -> float | None:
    """The mean yearly count when the design flagged too few offences (``ZeroCountsWarning``)."""
    for w in result.warnings:
        if getattr(w, "kind", "") == "ZeroCountsWarning":
            mean: Any = getattr(w, "values", {}).get("mean")
            return float(mean) if _finite(mean) else float("nan")
    return None


def undetermined(result: Any, spec: Any) -> bool:
    """The data cannot detect a change of realistic size (see the module docstring).

    Never for a change that was seen (:func:`claimed`): whether or not it holds after the
    adjustment, the data were enough to show it.
    """
    if claimed(result):
        return False
    if few_counts(result) is not None:
        return True
    mde = mde_value(result, spec)
    if mde is None:
        return False
    return mde >= (LARGE_MDE_POINTS if points(spec) else LARGE_MDE)


def verdict(result: Any, spec: Any) -> str:
    """``"decrease"``, ``"increase"``, ``"nominal"``, ``"undetermined"``, ``"none"`` or ``"not_estimated"``.

    ``"nominal"``: significant on its own (:func:`claimed`) but not after the adjustment
    (:func:`holds`); it reads *ingen säkerställd förändring*, as ``"none"`` does.
    """
    if result is None or not _finite(result.estimate):
        return "not_estimated"
    if holds(result):
        return "decrease" if result.estimate < 0 else "increase"
    if claimed(result):
        return "nominal"
    return "undetermined" if undetermined(result, spec) else "none"


# -- the workbook's one column per scale ---------------------------------------------------------
def path_in_counts(res: Any, spec: Any) -> bool:
    """True when ``res.effects`` holds offences (a count model with population exposure)."""
    return spec.kind == "crime" and res.scale == "relative" and res.method in _COUNT_METHODS


def treated_population(res: Any) -> pd.Series:
    """Population per year summed over the result's treated kommuner (``res.kommun``, comma-separated)."""
    from ..errors import LofteevalError
    from ..harmonise.kommuner import population

    codes = [c.strip() for c in str(res.kommun or "").split(",") if c.strip()]
    try:
        pop = population(codes) if codes else None
    except (LofteevalError, KeyError, ValueError):
        pop = None
    if pop is None or not len(pop):
        return pd.Series(dtype=float)
    return pop.groupby("year")["value"].sum().astype(float)


def post_rows(res: Any) -> pd.DataFrame:
    """The ``effects`` rows of the evaluated post-period (the same rows as ``relative_mde``)."""
    eff = res.effects if res.effects is not None else pd.DataFrame(columns=["time", "effect"])
    post = res.diagnostics.get("post_periods")
    if post is not None:
        return eff.loc[eff["time"].isin(list(post))]
    start = res.diagnostics.get("treatment_start")
    return eff.loc[eff["time"] >= start] if start is not None else eff


def rate_path(res: Any, spec: Any, pop: pd.Series | None = None) -> pd.DataFrame:
    """``time, observed, counterfactual`` in the indicator's unit (crime: per 100 000), or an empty frame."""
    eff = res.effects
    if eff is None or not {"observed", "counterfactual"} <= set(eff.columns):
        return pd.DataFrame(columns=["time", "observed", "counterfactual"])
    out = eff[["time", "observed", "counterfactual"]].astype({"observed": float, "counterfactual": float})
    if path_in_counts(res, spec):
        pop = treated_population(res) if pop is None else pop
        per = out["time"].map(pop).astype(float) / 1e5
        out = out.assign(observed=out["observed"] / per, counterfactual=out["counterfactual"] / per)
    return out


def relative_effect(res: Any) -> tuple[float | None, float | None, float | None]:
    """Estimate and interval as fractions of the counterfactual over the post-period
    (:meth:`~lofteeval.results.EffectResult.relative`, the report's base); ``None`` when unknown."""
    return tuple(res.relative(_num(v)) for v in (res.estimate, res.ci_low, res.ci_high))  # type: ignore[return-value]


def scale_numbers(res: Any, spec: Any) -> dict[str, float | None]:
    """``{scale}_{est,low,high,mde}`` for every scale in :data:`SCALES` (``None`` where it does not apply)."""
    out: dict[str, float | None] = {f"{s}_{k}": None for s in SCALES for k in ("est", "low", "high", "mde")}
    absolute = [_num(v) for v in (res.estimate, res.ci_low, res.ci_high, abs(res.mde) if _finite(res.mde) else None)]
    if spec.kind != "crime":
        key = "pp" if spec.unit == "percent" else "index"
        if res.scale == "absolute":
            out.update(zip((f"{key}_{k}" for k in ("est", "low", "high", "mde")), absolute))
        return out
    rel = relative_effect(res)
    out.update(pct_est=rel[0], pct_low=rel[1], pct_high=rel[2], pct_mde=res.relative_mde)
    pop = treated_population(res)
    path = rate_path(res, spec, pop)
    post = path.loc[path["time"].isin(post_rows(res)["time"])]
    if res.scale == "relative":
        base = _num(post["counterfactual"].mean()) if len(post) else None
        per = [None if v is None or base is None else v * base for v in (*rel, _num(res.relative_mde))]
    else:
        per = absolute
    out.update(zip(("per100k_est", "per100k_low", "per100k_high", "per100k_mde"), per))
    people = _num(pop.reindex(post["time"]).mean()) if len(post) and len(pop) else None
    if people is not None:
        for k in ("est", "low", "high", "mde"):
            value = out[f"per100k_{k}"]
            out[f"count_{k}"] = None if value is None else value * people / 1e5
    return out
