"""Diagnostics appendix: how far each indicator's estimate can be trusted, in plain words.

Per evaluated indicator (numbers only here; texts in :mod:`.diagnostics_text`):

- :func:`design_grounds`: why the design was chosen — the same eligibility rules
  ``method="auto"`` reads from :data:`lofteeval.estimators.registry.REGISTRY`;
- :func:`pre_fit`: how closely the counterfactual follows the observed series before the löfte
  (root mean squared gap and mean absolute gap in percent of the observed level);
- :func:`event_study_frame`: the löfte kommun's yearly gap to its comparison kommuner, relative
  to the pre-period, with the same gap for every comparison kommun as a placebo band (DiD designs);
- :func:`placebo_in_time`: the same design re-estimated as if the löfte had started ``shift``
  years early, on the years before the real start only (an effect there is a warning sign);
- :func:`dropped_counts`: the kommuner left out of the comparison pool, grouped by why;
- :func:`p_floor`: the smallest p-value a rank (placebo) test can give, ``1 / (B + 1)``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["design_grounds", "pre_fit", "event_study_frame", "placebo_in_time", "dropped_counts", "p_floor",
           "RANK_INFERENCE", "DROP_CATEGORIES"]

RANK_INFERENCE = ("placebo_rank", "placebo_rank_raw", "placebo_rank_rmspe", "placebo_cohort")
"""Inference ids whose p-value is a rank among placebos (and so has a floor)."""

# English reason prefixes of design.comparison (``Why.en``) -> category id
DROP_CATEGORIES = (("missing values", "missing"), ("own löfte", "contaminated"), ("neighbour of", "neighbour"),
                   ("other län", "other_lan"), ("poor pre-period fit", "poor_fit"),
                   ("pre-period fit rank beyond", "fit_rank"), ("not in the requested", "not_requested"),
                   ("other kommungrupp", "not_similar"), ("population", "not_similar"))


def design_grounds(result: Any, kind: str) -> dict[str, Any]:
    """The facts ``method="auto"`` weighed: chosen method and, per preferred design, why not.

    Returns ``{"method", "requested", "n_pool", "n_pre", "n_treated", "passed_over": [(method,
    why, needed, have)], "needs": (min_pool, min_pre)}``; ``why`` is one of ``"several_treated"``,
    ``"kind"``, ``"pool"``, ``"pre"``.
    """
    from ..estimators.registry import REGISTRY

    diag = result.diagnostics
    n_pool = int(diag.get("n_comparison", 0) or 0)
    n_pre = len(diag.get("pre_period", ()) or ()) or int(diag.get("n_pre", 0) or 0)
    n_treated = int(diag.get("n_treated", 1) or 1)
    requested = str(diag.get("method_reason", "")).startswith("requested")
    passed: list[tuple[str, str, int, int]] = []
    for cand in sorted((s for s in REGISTRY.values() if s.auto is not None), key=lambda s: s.auto or 0):
        if cand.method == result.method:
            break
        if cand.auto_single_treated and n_treated > 1:
            passed.append((cand.method, "several_treated", 1, n_treated))
        elif cand.auto_kinds is not None and kind not in cand.auto_kinds:
            passed.append((cand.method, "kind", 0, 0))
        elif n_pool < cand.min_pool:
            passed.append((cand.method, "pool", cand.min_pool, n_pool))
        elif n_pre < cand.auto_min_pre:
            passed.append((cand.method, "pre", cand.auto_min_pre, n_pre))
    spec = REGISTRY.get(result.method)
    needs = (spec.min_pool, spec.auto_min_pre) if spec is not None else (0, 0)
    return {"method": result.method, "requested": requested, "n_pool": n_pool, "n_pre": n_pre,
            "n_treated": n_treated, "passed_over": passed, "needs": needs}


def pre_fit(result: Any) -> dict[str, float] | None:
    """Pre-period fit of ``result``: ``rmse``, ``mae`` (mean |observed − counterfactual|), ``mape``
    (the same over |observed|, in percent), ``n`` years, and ``post_mae``, ``post_gap`` (the same
    mean gaps in the löfte years).

    None when the result has no observed/counterfactual path (staggered DiD).
    """
    eff = result.effects
    start = result.diagnostics.get("treatment_start")
    if eff is None or start is None or not {"time", "observed", "counterfactual"} <= set(eff.columns):
        return None
    eff = eff[np.isfinite(eff["observed"].astype(float)) & np.isfinite(eff["counterfactual"].astype(float))]
    pre, post = eff[eff["time"] < start], eff[eff["time"] >= start]
    if pre.empty:
        return None

    def gap(rows: pd.DataFrame) -> float:
        obs = rows["observed"].astype(float).to_numpy()
        cf = rows["counterfactual"].astype(float).to_numpy()
        ok = np.abs(obs) > 0
        return float(np.mean(np.abs(obs[ok] - cf[ok]) / np.abs(obs[ok])) * 100) if ok.any() else float("nan")

    def mae(rows: pd.DataFrame) -> float:
        return float(np.mean(np.abs(rows["observed"].astype(float) - rows["counterfactual"].astype(float))))

    diff = pre["observed"].astype(float) - pre["counterfactual"].astype(float)
    return {"rmse": float(np.sqrt(np.mean(diff ** 2))), "mape": gap(pre), "n": float(len(pre)),
            "post_gap": gap(post) if len(post) else float("nan"), "mae": mae(pre),
            "post_mae": mae(post) if len(post) else float("nan")}


def _rates(pivots: Any, indicator: str, units: list[str], years: list[int],
           counts: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Wide (year × kommun) outcome and population: counts and population for crime, values otherwise.

    ``pivots`` is the :class:`~lofteeval.design.pivots.PanelPivots` of the panel.
    """
    rows = pivots.select(indicator, units, years)
    col = "n" if counts and "n" in rows.columns and rows["n"].notna().all() else "value"
    y = rows.pivot_table(index="year", columns="kommun", values=col, aggfunc="mean")
    if col != "n":
        return y, None
    pop = pivots.select("population", units, years)
    return y, pop.pivot_table(index="year", columns="kommun", values="value", aggfunc="mean")


def _gap(y_t: np.ndarray, y_c: np.ndarray, pre: np.ndarray, ratio: bool) -> np.ndarray:
    """Gap of treated to comparison series (columns are alternatives), relative to the pre-period."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if ratio:  # rates relative to their own pre-period mean, in percent
            out = ((y_t / y_t[pre].mean(axis=0)) / (y_c / y_c[pre].mean(axis=0)) - 1) * 100
        else:
            out = (y_t - y_t[pre].mean(axis=0)) - (y_c - y_c[pre].mean(axis=0))
    return np.where(np.isfinite(out), out, np.nan)


def event_study_frame(panel: pd.DataFrame, result: Any, *, kind: str = "crime",
                      pivots: Any = None) -> pd.DataFrame | None:
    """Yearly gap of the löfte kommun(er) to the comparison pool, normalised to the pre-period.

    Crime (counts and population): ``gap`` = 100 × (R_t / mean_pre R) / (C_t / mean_pre C) − 100,
    with R, C the pooled rates (summed counts over summed population) of the treated kommuner and
    of the pool, i.e. the percent by which the treated kommun's rate departs from the comparison
    kommuner' development.  Otherwise the difference of changes in the value's own unit
    (treated mean minus pool mean, each relative to its pre-period mean).  ``band_low``,
    ``band_high``: the 5th and 95th percentiles of the same gap for each comparison kommun
    against the rest of the pool.  None without a comparison pool or pre-period.  ``pivots``: the
    :class:`~lofteeval.design.pivots.PanelPivots` of ``panel`` to share (optional).
    """
    from ..design.pivots import PanelPivots

    comp = result.comparison
    diag = result.diagnostics
    years = [int(y) for y in (*diag.get("pre_period", ()), *diag.get("post_period", ()))]
    start = diag.get("treatment_start")
    if comp is None or len(comp) < 2 or not years or start is None or not result.kommun:
        return None
    treated = str(result.kommun).split(",")
    y, pop = _rates(PanelPivots.of(panel, pivots), str(result.indicator), treated + [str(k) for k in comp["kommun"]], years,
                    counts=kind == "crime")
    y = y.reindex(index=years)
    complete = y.notna().all(axis=0)
    if pop is not None:
        pop = pop.reindex(index=years, columns=y.columns)
        complete &= pop.notna().all(axis=0)
    pool = [str(k) for k in comp["kommun"] if str(k) in y.columns and complete[str(k)]]
    if len(pool) < 2 or not all(k in y.columns and complete[k] for k in treated):
        return None
    pre = np.asarray(y.index < start)
    yp = y[pool].to_numpy(float)
    if pop is not None:  # pooled rates; leave-one-out pool sums for the placebo band
        pp = pop[pool].to_numpy(float)
        tr = y[treated].sum(axis=1).to_numpy(float) / pop[treated].sum(axis=1).to_numpy(float)
        co = yp.sum(axis=1) / pp.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            loo = (yp.sum(axis=1, keepdims=True) - yp) / (pp.sum(axis=1, keepdims=True) - pp)
            own = yp / pp
    else:
        tr, co = y[treated].mean(axis=1).to_numpy(float), yp.mean(axis=1)
        loo = (yp.sum(axis=1, keepdims=True) - yp) / (len(pool) - 1)
        own = yp
    gap = _gap(tr[:, None], co[:, None], pre, pop is not None)[:, 0]
    placebos = _gap(own, loo, pre, pop is not None)
    return pd.DataFrame({"year": years, "gap": gap, "band_low": np.nanpercentile(placebos, 5, axis=1),
                         "band_high": np.nanpercentile(placebos, 95, axis=1)})


PLACEBO_TIME_PERMUTATIONS = 499
"""Permutations of a DiD placebo-in-time re-estimate (the main estimate uses the design's default)."""


def placebo_in_time(panel: pd.DataFrame, lofte: Any, result: Any, *, shift: int = 2,
                    registry: Any = None, pivots: Any = None) -> tuple[Any, int] | str:
    """Re-estimate ``result``'s design as if the löfte had started ``shift`` years early.

    Only the years before the real start are used, so the löfte itself cannot enter; the fake
    post-period is the ``shift`` years just before the start, and the comparison pool is chosen
    again by the same rules on those years.  One estimator run, with the same design; a DiD
    permutation test draws :data:`PLACEBO_TIME_PERMUTATIONS` assignments (enough for an interval,
    a fraction of the time).  Returns ``(result, fake_start)``, or a reason id (``"short"``: fewer
    than 3 pre years would remain; ``"failed"``: the design could not be estimated).

    ``pivots`` (the :class:`~lofteeval.design.pivots.PanelPivots` of ``panel``, optional) keeps
    the pre-löfte window and its own pivots, so the indicators of one löfte cut and pivot it once.
    """
    from ..design import make_design
    from ..design.pivots import PanelPivots
    from ..errors import LofteevalError
    from ..estimators.registry import design_spec
    from ..evaluation import estimator_frame
    from ..indicators import indicator as get_indicator

    start = int(result.diagnostics["treatment_start"])
    pre = [int(y) for y in result.diagnostics.get("pre_period", ())]
    fake = start - shift
    if len([y for y in pre if y < fake]) < 3:
        return "short"
    early = dataclasses.replace(lofte, start=dt.date(fake, 1, 1), end=dt.date(start - 1, 12, 31), signed=None)
    first = min(pre)
    window = PanelPivots.of(panel, pivots).memo(
        ("placebo_window", first, start),
        lambda: PanelPivots(panel[(panel["year"] < start) & (panel["year"] >= first)]))
    try:
        spec = get_indicator(str(result.indicator))
        design = make_design(window.panel, early, spec.id, registry=registry, post_years=shift, pivots=window)
        frame, cols = estimator_frame(window.panel, design, spec, result.method, pivots=window)
        dspec = design_spec(result.method)
        kwargs = dspec.arguments(outcome=cols["outcome"] or "value", treated=design.treated,
                                 treatment_start=design.treatment_start, pool=design.comparison_units,
                                 level=result.level, exposure=cols["exposure"], n=cols["n"])
        if result.method == "did":
            kwargs["n_perm"] = PLACEBO_TIME_PERMUTATIONS
        if result.method == "synth":  # its own backdating of the backdated start is not shown
            kwargs["placebo_in_time"] = False
        import warnings

        with warnings.catch_warnings():  # its caveats are the main estimate's, already reported
            warnings.simplefilter("ignore")
            res = dspec.estimator()(frame, **kwargs)
    except (LofteevalError, ValueError, np.linalg.LinAlgError):
        return "failed"
    return res, fake


def dropped_counts(excluded: pd.DataFrame | None, result: Any) -> list[tuple[str, list[str]]]:
    """Kommuner left out of the pool, ``[(category, [codes])]`` in :data:`DROP_CATEGORIES` order.

    ``excluded`` is ``Design.excluded`` (``kommun, reason``); comparison kommuner the estimator left
    out for missing years (``DroppedRowsWarning`` caveat) are added as ``"missing_estimator"``.
    """
    groups: dict[str, list[str]] = {}
    if excluded is not None and len(excluded):
        for code, reason in zip(excluded["kommun"].astype(str), excluded["reason"].astype(str)):
            cat = next((c for prefix, c in DROP_CATEGORIES if reason.startswith(prefix)), "other")
            groups.setdefault(cat, []).append(code)
    for w in result.warnings:
        if getattr(w, "kind", "") == "DroppedRowsWarning":
            units = [str(u) for u in (getattr(w, "values", {}) or {}).get("units", ())]
            if units:
                groups.setdefault("missing_estimator", []).extend(units)
    order = [c for _, c in DROP_CATEGORIES] + ["missing_estimator", "other"]
    return [(c, groups[c]) for c in dict.fromkeys(order) if c in groups]


def p_floor(result: Any) -> tuple[float, int] | None:
    """``(smallest attainable p, number of placebos B)`` for a rank test; None for model-based p-values."""
    if result.inference_id not in RANK_INFERENCE:
        return None
    floor = result.diagnostics.get("min_p_value")
    n = result.inference_values.get("n") if result.inference_values else None
    if n is None and result.placebo is not None:
        n = len(result.placebo)
    if n is None:
        return None
    b = int(n)  # placebos, the actual assignment not counted
    return (float(floor) if floor is not None else 1.0 / (b + 1)), b
