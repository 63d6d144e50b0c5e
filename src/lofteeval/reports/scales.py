"""One scale per column: an ``EffectResult``'s effect as a relative change, per 100 000, a count
per year, or percentage points — for the workbook and ``lofteeval evaluate --out``.

The relative effect is the one :func:`lofteeval.results.relative_mde` uses: on the relative
scale the estimate as it is; on the absolute scale the estimate over the mean counterfactual of
the evaluated post-period.  Crime indicators get a relative effect, an effect per 100 000
inhabitants and an effect in offences per year; survey shares only percentage points
(*procentenheter*), indices only index points — never a relative number for a survey.

The designs give their observed/counterfactual path in the outcome they modelled: the count
models with population as exposure (DiD and ITS on the relative scale) in offences, the others in
the indicator's unit (per 100 000 for crime).  :func:`rate_path` turns the former into rates with
the treated kommuner's population (SCB, :func:`lofteeval.harmonise.kommuner.population`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SCALES", "confirmed", "post_rows", "rate_path", "relative_effect", "scale_numbers", "treated_population"]

SCALES = ("pct", "per100k", "count", "pp", "index")
"""Scale keys: relative (fraction), per 100 000, offences per year, percentage points, index points."""

_COUNT_METHODS = ("did", "its")


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating)) and math.isfinite(float(x))


def _num(x: Any) -> float | None:
    """``x`` as a float, ``None`` when missing or not finite."""
    return float(x) if _finite(x) else None


def confirmed(res: Any) -> bool:
    """*Säkerställd* as the report says it: the interval excludes 0 (``text.claimed``) and, when the
    result was adjusted for several outcomes, the adjusted p-value is below ``1 - level`` too."""
    from .._types import alpha_of
    from .text import claimed

    adjusted = _num(res.p_adjusted)
    return claimed(res) and (adjusted is None or adjusted < alpha_of(res.level))


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
    """Estimate and interval as fractions of the counterfactual over the post-period (``None`` when unknown)."""
    est, low, high = (_num(v) for v in (res.estimate, res.ci_low, res.ci_high))
    if res.scale == "relative":
        return est, low, high
    rows = post_rows(res)
    base = _num(rows["counterfactual"].dropna().abs().mean()) if "counterfactual" in rows else None
    if base is None or base <= 0:
        return None, None, None
    return tuple(None if v is None else v / base for v in (est, low, high))  # type: ignore[return-value]


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
