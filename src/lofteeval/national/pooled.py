"""Pooled staggered estimate per focus area: every löfte naming the area, one Callaway–Sant'Anna fit.

Cohorts are the first year a kommun's löfte names the area (a renewal is not a new cohort:
:func:`lofteeval.design.cohorts.staggered_cohorts` keeps each kommun's earliest start).  Controls
are the not-yet-treated and never-treated kommuner; kommuner with a löfte on another area the
indicator measures are kept out of the controls (contamination).  A kommun whose first löfte on
the area covers one district only is left out of cohorts and controls, with the reason: kommun
data dilute a district's effect, and the kommun is not untreated either.

Inference: ``staggered_did(inference="auto")`` — with fewer than 10 kommuner in a cohort (the rule
for the national list) the studentised placebo-cohort test (the cohorts' sizes and start years
given to random never-treated kommuner; rank p-value), whose size stays near 5–9 % with one kommun
per cohort where the analytic test rejects 38 % of true nulls (``docs/calibration.md``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import LofteevalError, Refusal
from ..evaluation import evaluate_staggered
from ..registry.cache import cached_registry
from .loop import failure_status

__all__ = ["POOLED_COLUMNS", "area_loften", "pooled_area", "pooled_by_area"]

POOLED_COLUMNS: tuple[str, ...] = (
    "focus_area", "indicator", "status", "reason", "estimate", "ci_low", "ci_high", "p_value", "p_bh",
    "level", "baseline", "estimate_relative", "ci_low_relative", "ci_high_relative", "n_treated",
    "n_cohorts", "n_excluded", "n_district", "district", "loften", "inference", "control_group", "weights",
    "synthetic",
)
"""Columns of the pooled table.  ``p_bh``: Benjamini–Hochberg across every pooled estimate of the
run (all focus areas × indicators: the family is "did any focus area's löften change any of its
indicators"); ``district``: the kommuner left out as district löften, each with its löfte."""

WEIGHTS = (None, "population")
"""Kommun weights of the pooled estimate: equal, or the kommun's mean population."""


def _naming(area: str, reg: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The löften naming ``area`` (by start) and ``{kommun: its first such löfte if a district löfte}``."""
    naming = sorted((lf for lf in reg.values() if lf.is_lofte and area in lf.focus_areas),
                    key=lambda lf: (lf.start_year, lf.id))
    first: dict[str, Any] = {}
    for lf in naming:
        for k in lf.kommuner:
            first.setdefault(k, lf)
    return naming, {k: lf for k, lf in first.items() if lf.scope == "district"}


def area_loften(area: str, registry: dict[str, Any] | None = None) -> tuple[list[Any], dict[str, str]]:
    """The löften pooled for ``area`` and ``{kommun: reason}`` for kommuner left out as district löften."""
    reg = registry if registry is not None else cached_registry()
    naming, first = _naming(area, reg)
    district = {k: (f"first löfte on {area} ({lf.id}) covers one district only ({lf.district}): kommun "
                    "data dilute its effect and the kommun is not untreated; left out of cohorts and controls")
                for k, lf in first.items()}
    pooled = [lf for lf in naming if lf.scope != "district" and not set(lf.kommuner) & set(district)]
    return pooled, district


def _baseline(panel: pd.DataFrame, indicator: str, cohorts: dict[str, int], weights: str | None = None) -> float:
    """Mean of the treated kommuner's values in the years before their cohort (each kommun once;
    with ``weights="population"`` weighted by the kommun's mean population, as the estimate)."""
    rows = panel[(panel["indicator"] == indicator) & panel["kommun"].astype(str).isin(list(cohorts))]
    pre = rows[rows["year"].astype(int) < rows["kommun"].astype(str).map(cohorts)]
    means = pre.groupby(pre["kommun"].astype(str))["value"].mean()
    if not len(means):
        return float("nan")
    if weights is None:
        return float(means.mean())
    pop = panel[panel["indicator"] == "population"]
    size = pop.groupby(pop["kommun"].astype(str))["value"].mean().reindex(means.index)
    return float(np.average(means, weights=size))


def _district_text(area: str, reg: dict[str, Any]) -> str:
    """``"0480 (nykoping-2017: bostadsområdet Brandkärr); ..."``: the kommuner left out as district löften."""
    return "; ".join(f"{k} ({lf.id}: {lf.district})" for k, lf in sorted(_naming(area, reg)[1].items()))


def pooled_area(panel: pd.DataFrame, area: str, indicator: str, *, level: float = 0.95,
                control_group: str = "not_yet_treated", registry: dict[str, Any] | None = None,
                weights: str | None = None) -> tuple[dict[str, Any], Any]:
    """One pooled estimate (a row of :data:`POOLED_COLUMNS`) and the result (``None`` on failure).

    ``weights="population"`` weighs each kommun by its mean population (:data:`WEIGHTS`).
    """
    from ..harmonise.schema import is_synthetic

    reg = registry if registry is not None else cached_registry()
    pooled, district = area_loften(area, reg)
    row: dict[str, Any] = {"focus_area": area, "indicator": indicator, "level": level,
                           "control_group": control_group, "n_district": len(district),
                           "district": _district_text(area, reg), "weights": weights or "equal",
                           "synthetic": is_synthetic(panel), "loften": ",".join(lf.id for lf in pooled)}
    years = panel.loc[panel["indicator"] == indicator, "year"]
    last = int(years.max()) if len(years) else 0
    # a löfte starting after the panel's last year has no post period: its kommuner are left out
    # of the controls (evaluate_staggered: a related löfte not pooled) rather than made a cohort
    pooled = [lf for lf in pooled if lf.start_year <= last]
    if not pooled:
        return dict(row, status="not_evaluated", reason=f"no kommun-level löfte names {area} "
                    f"and starts by {last}"), None
    keep = panel[~panel["kommun"].astype(str).isin(list(district))]
    keep.attrs = dict(panel.attrs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = evaluate_staggered(keep, indicator, pooled, control_group=control_group,
                                     aggregation="dynamic", level=level, registry=reg, weights=weights)
    except (LofteevalError, ValueError, np.linalg.LinAlgError) as exc:
        why = Refusal.of(exc)
        return dict(row, status=failure_status(why), reason=str(why)), None
    own = res.comparison[~res.comparison["kommun"].isin(list(district))]
    comparison = pd.concat([own, pd.DataFrame(
        [{"kommun": k, "reason": why, "role": "excluded"} for k, why in sorted(district.items())])],
        ignore_index=True)
    res = res.replace(comparison=comparison)
    cohorts = dict(res.diagnostics.get("cohorts", {}))
    base = _baseline(keep, indicator, cohorts, weights)
    rel = (lambda x: x / base) if base and np.isfinite(base) else (lambda x: float("nan"))
    row.update(status="ok", reason="", estimate=res.estimate, ci_low=res.ci_low, ci_high=res.ci_high,
               p_value=res.p_value, baseline=base, estimate_relative=rel(res.estimate),
               ci_low_relative=rel(res.ci_low), ci_high_relative=rel(res.ci_high), n_treated=len(cohorts),
               n_cohorts=len(set(cohorts.values())), n_excluded=int((comparison["role"] == "excluded").sum()),
               inference=res.inference_id or res.inference)
    return row, res


def pooled_by_area(panel: pd.DataFrame, areas: Iterable[str] | None = None, *, level: float = 0.95,
                   control_group: str = "not_yet_treated", registry: dict[str, Any] | None = None,
                   weights: str | None = None) -> tuple[pd.DataFrame, dict[tuple[str, str], Any]]:
    """Pooled estimates for every indicator of every (measurable) focus area in the panel.

    Returns the table (:data:`POOLED_COLUMNS`, failures kept with their reason; ``p_bh`` adjusted
    across every estimate of the table) and the results by ``(area, indicator)`` (for the
    event-study plots).  ``weights``: :data:`WEIGHTS`.
    """
    from ..errors import DataError
    from ..indicators import FOCUS_AREAS, indicators_for
    from ..inference.multiple import adjust_pvalues

    if weights not in WEIGHTS:
        raise DataError(f"weights must be one of {WEIGHTS} (got {weights!r}); 'population' weighs each "
                        "kommun by its mean population.")

    chosen = [a for a in (areas if areas is not None else FOCUS_AREAS) if FOCUS_AREAS[a].measurable]
    present = set(panel["indicator"].astype(str).unique())
    rows, results = [], {}
    for area in chosen:
        for spec in indicators_for(area):
            if spec.id not in present:
                rows.append({"focus_area": area, "indicator": spec.id, "status": "not_evaluated",
                             "reason": "not in the panel", "level": level})
                continue
            row, res = pooled_area(panel, area, spec.id, level=level, control_group=control_group,
                                   registry=registry, weights=weights)
            rows.append(row)
            if res is not None:
                results[(area, spec.id)] = res
    table = pd.DataFrame(rows, columns=list(POOLED_COLUMNS))
    ok = table["status"] == "ok"
    if ok.any():
        table.loc[ok, "p_bh"] = adjust_pvalues(table.loc[ok, "p_value"].to_numpy(dtype=float), method="bh")
    return table, results
