"""The national run: every registry löfte × focus area × indicator in one tidy table.

:func:`evaluate_national` runs :func:`lofteeval.evaluation.evaluate_areas` (the one evaluation loop,
default designs with their placebo inference) for every löfte, on the panel pivoted once
(:class:`~lofteeval.design.pivots.PanelPivots`, one per worker process) and shared by every design,
optionally on joblib (loky) workers with a progress bar.  The table has one row per löfte × focus area × indicator — failures included with
their reason, nothing dropped — and Benjamini–Hochberg p-values within each focus area across the
whole country (``p_bh_area``).  :func:`pooled_by_area` adds one Callaway–Sant'Anna estimate per
focus area and indicator (:mod:`lofteeval.national_pooled`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..design.pivots import PanelPivots
from ..errors import DataError
from ..evaluation import MethodOrAuto, evaluate_areas
from ..registry.cache import cached_registry

__all__ = ["NATIONAL_COLUMNS", "NationalRun", "national_loften", "evaluate_national", "add_national_bh",
           "DETECT_CHANGE", "failure_status"]

DETECT_CHANGE = 0.20
"""The change (20 %) whose detectability the national table reports (``detect_20``)."""

NATIONAL_COLUMNS: tuple[str, ...] = (
    "lofte_id", "kommuner", "n_kommuner", "scope", "district", "renews", "confidence", "start_year",
    "focus_area", "indicator", "status", "reason", "method", "estimate", "ci_low", "ci_high",
    "p_value", "p_bh_lofte", "p_bh_area", "level", "scale", "mde", "baseline", "estimate_relative",
    "mde_relative", "detect_20", "n_comparison", "inference", "synthetic",
)
"""Columns of :attr:`NationalRun.table` (``estimate_relative``/``mde_relative``: share of the
treated kommuner's pre-period level for absolute-scale results, the estimate itself for relative ones)."""


@dataclass(frozen=True)
class NationalRun:
    """The national table, the pooled estimates per focus area, and how the run was made."""

    table: pd.DataFrame
    pooled: pd.DataFrame = field(default_factory=pd.DataFrame)
    pooled_results: dict[tuple[str, str], Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when the numbers come from the synthetic demo panel."""
        return bool(self.info.get("synthetic", False))


def national_loften(registry: dict[str, Any] | None = None, focus_areas: Iterable[str] | None = None,
                    ids: Iterable[str] | None = None) -> list[Any]:
    """The löften (not problem pictures) of the registry, optionally those naming ``focus_areas``."""
    from ..indicators import FOCUS_AREAS

    reg = registry if registry is not None else cached_registry()
    wanted = None if focus_areas is None else set(focus_areas)
    if wanted is not None and (bad := sorted(wanted - set(FOCUS_AREAS))):
        raise DataError(f"unknown focus area(s) {bad}; use one of {sorted(FOCUS_AREAS)}.")
    chosen = [lf for lf in reg.values() if lf.is_lofte
              and (wanted is None or set(lf.focus_areas) & wanted)]
    if ids is not None:
        keep = set(ids)
        if missing := sorted(keep - {lf.id for lf in reg.values()}):
            raise DataError(f"löfte id(s) {missing} are not in the registry; see `lofteeval lofte list`.")
        chosen = [lf for lf in chosen if lf.id in keep]
    return sorted(chosen, key=lambda lf: (lf.start_year, lf.id))


def _areas_of(lf: Any, focus_areas: set[str] | None) -> tuple[str, ...]:
    from ..indicators import FOCUS_AREAS

    return tuple(a for a in lf.focus_areas if a in FOCUS_AREAS and FOCUS_AREAS[a].measurable
                 and (focus_areas is None or a in focus_areas))


def _baseline(pivots: PanelPivots, kommuner: Sequence[str], indicator: str, years: Sequence[int]) -> float:
    rows = pivots.select(indicator, kommuner, years)
    return float(rows["value"].mean()) if len(rows) else float("nan")


def _rows_for(lf: Any, pivots: PanelPivots, areas: tuple[str, ...], method: MethodOrAuto, level: float,
              through: int | None) -> list[dict[str, Any]]:
    """Every (area, indicator) row of one löfte: estimates or the reason there is none."""
    through_ = None if through is None else max(int(through), lf.end_year)
    base = {"lofte_id": lf.id, "kommuner": ",".join(lf.kommuner), "n_kommuner": len(lf.kommuner),
            "scope": lf.scope, "district": getattr(lf, "district", None) or "", "renews": lf.renews or "",
            "confidence": lf.confidence or "", "start_year": lf.start_year, "level": level,
            "synthetic": pivots.synthetic}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = evaluate_areas(pivots.panel, lf, areas, method=method, level=level, quiet=True, through=through_,
                             pivots=pivots)
    rows: list[dict[str, Any]] = []
    for area in areas:
        for res, spec in got.pairs.get(area, ()):
            rows.append(dict(base, focus_area=area, **_result_fields(res, pivots, lf)))
        for spec, why in got.failures.get(area, ()):
            rows.append(dict(base, focus_area=area, indicator=spec.id, status=failure_status(why), reason=str(why)))
    return rows


def failure_status(why: str) -> str:
    """``"refused"`` when the question cannot be decided for too few counts (the small-count rule,
    a :class:`~lofteeval.errors.Refusal` with a ``mean_count``), else ``"not_evaluated"``."""
    return "refused" if getattr(why, "small_counts", False) else "not_evaluated"


def _result_fields(res: Any, pivots: PanelPivots, lf: Any) -> dict[str, Any]:
    pre = list(res.diagnostics.get("pre_period", ()))
    baseline = _baseline(pivots, lf.kommuner, str(res.indicator), pre)
    relative = res.scale == "relative"
    mde = float(res.mde) if res.mde is not None else float("nan")
    est_rel = res.estimate if relative else res.estimate / baseline if baseline else float("nan")
    mde_rel = abs(mde) if relative else abs(mde) / baseline if baseline else float("nan")
    return {"indicator": res.indicator, "status": "ok", "reason": str(res.diagnostics.get("method_reason", "")),
            "method": res.method, "estimate": res.estimate, "ci_low": res.ci_low, "ci_high": res.ci_high,
            "p_value": res.p_value, "p_bh_lofte": res.p_adjusted, "scale": res.scale, "mde": mde,
            "baseline": baseline, "estimate_relative": est_rel, "mde_relative": mde_rel,
            "detect_20": bool(np.isfinite(mde_rel) and mde_rel <= DETECT_CHANGE),
            "n_comparison": res.diagnostics.get("n_comparison"), "inference": res.inference}


_WORKER_PIVOTS: dict[str, PanelPivots] = {}
"""This process's pivots of the current run's panel, under the run's token (one entry at most)."""


def _pivots_for(token: str, panel: pd.DataFrame) -> PanelPivots:
    """The panel pivoted once per process and run: every chunk a worker runs shares it.

    ``token`` is new for every :func:`evaluate_national` call, so a pivot is never reused for
    another panel (or another call with the same panel).
    """
    if token not in _WORKER_PIVOTS:
        _WORKER_PIVOTS.clear()
        _WORKER_PIVOTS[token] = PanelPivots(panel)
    return _WORKER_PIVOTS[token]


def _run_chunk(pivots: PanelPivots, jobs: list[tuple[Any, tuple[str, ...]]], method: MethodOrAuto,
               level: float, through: int | None) -> list[dict[str, Any]]:
    """One chunk of löften on the shared pivot."""
    rows: list[dict[str, Any]] = []
    for lf, areas in jobs:
        rows += _rows_for(lf, pivots, areas, method, level, through)
    return rows


def add_national_bh(table: pd.DataFrame) -> pd.DataFrame:
    """``p_bh_area``: Benjamini–Hochberg across every löfte and indicator of each focus area."""
    from ..inference.multiple import adjust_pvalues

    out = table.copy()
    out["p_bh_area"] = np.nan
    for _, idx in out.groupby("focus_area").groups.items():
        out.loc[idx, "p_bh_area"] = adjust_pvalues(out.loc[idx, "p_value"].to_numpy(dtype=float), method="bh")
    return out


def evaluate_national(panel: pd.DataFrame, *, focus_areas: Iterable[str] | None = None,
                      loften: Iterable[str] | None = None, method: MethodOrAuto = "auto",
                      level: float = 0.95, through: int | None = None, n_jobs: int = 1,
                      progress: Callable[[int, int], None] | None = None,
                      registry: dict[str, Any] | None = None, pooled: bool = False,
                      weights: str | None = None) -> NationalRun:
    """Evaluate every löfte of the registry on every indicator of its (chosen) focus areas.

    Parameters
    ----------
    panel : pandas.DataFrame
        Tidy panel (the demo panel's results are labelled synthetic in ``synthetic``).
    focus_areas : iterable of str, optional
        Only these focus areas (and the löften naming them); default all measurable areas.
    loften : iterable of str, optional
        Only these löfte ids.
    method : str
        Design for every evaluation (``"auto"``: each löfte's default design).
    level : float
        Confidence level.
    through : int, optional
        Follow every löfte up to this year (never before its own end); default the löfte's years.
    n_jobs : int
        Worker processes (joblib, loky); 1 runs in this process.  The table is the same.
    progress : callable, optional
        Called with ``(done, total)`` löften after each chunk.
    registry : dict, optional
        Default: the package registry.
    pooled : bool
        Also the pooled estimate per focus area of the run (:func:`pooled_by_area`, into
        ``pooled`` and ``pooled_results``), computed in this process while the workers run.
    weights : {None, "population"}
        Kommun weights of the pooled estimate (``pooled=True``).

    Returns
    -------
    NationalRun
        ``table`` with :data:`NATIONAL_COLUMNS`, one row per löfte × focus area × indicator.
    """
    from .pooled import POOLED_COLUMNS, pooled_by_area

    wanted = None if focus_areas is None else set(focus_areas)
    chosen = national_loften(registry, wanted, loften)
    jobs = [(lf, areas) for lf in chosen if (areas := _areas_of(lf, wanted))]
    if not jobs:
        raise DataError("no löfte with a measurable focus area matches the selection "
                        f"(focus areas {sorted(wanted) if wanted else 'all'}); widen --focus-area.")
    run_areas = sorted({a for _, lofte_areas in jobs for a in lofte_areas})
    info: dict[str, Any] = {}
    extra: dict[str, Any] = {"pooled": pd.DataFrame(columns=list(POOLED_COLUMNS))}

    def meanwhile() -> None:  # the parent's work while the workers run the löften
        if pooled:
            extra["pooled"], extra["pooled_results"] = pooled_by_area(panel, run_areas, level=level, weights=weights,
                                                                      registry=registry)

    rows = _dispatch(panel, jobs, (method, level, through), n_jobs, progress, info, meanwhile)
    table = add_national_bh(pd.DataFrame(rows, columns=list(NATIONAL_COLUMNS)))
    table = table.sort_values(["focus_area", "indicator", "lofte_id"], kind="stable").reset_index(drop=True)
    synthetic = PanelPivots(panel).synthetic
    table.attrs["synthetic"] = synthetic
    info.update({"n_loften": len(jobs), "n_rows": len(table), "n_evaluated": int((table["status"] == "ok").sum()),
                 "n_refused": int((table["status"] == "refused").sum()),
                 "synthetic": synthetic, "method": method, "through": through, "level": level})
    return NationalRun(table=table, info=info, **extra)


def _dispatch(panel: pd.DataFrame, jobs: list[tuple[Any, tuple[str, ...]]], options: tuple[Any, ...],
              n_jobs: int, progress: Callable[[int, int], None] | None, info: dict[str, Any],
              meanwhile: Callable[[], None]) -> list[dict[str, Any]]:
    """Run the löften here (``n_jobs=1``, ten löften per step) or in chunks on loky workers.

    Every process pivots the panel once (:func:`_pivots_for`, under a token new for this call);
    ``meanwhile`` runs in this process once the chunks are dispatched.  ``info`` receives
    ``cpu_seconds`` (all processes, the ``meanwhile`` work included) and ``peak_rss_mib`` per process.
    """
    import time
    import uuid

    token = uuid.uuid4().hex
    start = time.process_time()
    if n_jobs <= 1:
        chunks = [jobs[i:i + 10] for i in range(0, len(jobs), 10)]
        meanwhile()
        outputs: Iterable[Any] = (_sized(token, panel, c, options) for c in chunks)
    else:
        from joblib import Parallel, delayed

        n_chunks = min(len(jobs), 6 * n_jobs)  # round-robin: every chunk gets löften of all sizes
        chunks = [jobs[i::n_chunks] for i in range(n_chunks)]
        parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")
        outputs = parallel(delayed(_sized)(token, panel, c, options) for c in chunks)
        meanwhile()
    rows: list[dict[str, Any]] = []
    done, worker_cpu = 0, 0.0
    peaks: dict[int, float] = {}
    try:
        for chunk_rows, size, chunk_cpu, (pid, rss) in outputs:
            rows += chunk_rows
            done, worker_cpu = done + size, worker_cpu + chunk_cpu
            peaks[pid] = max(peaks.get(pid, 0.0), rss)
            if progress:
                progress(done, len(jobs))
    finally:
        _WORKER_PIVOTS.pop(token, None)  # the serial run's pivots do not outlive the call
    parent_cpu = time.process_time() - start  # serial: everything; parallel: meanwhile + dispatch
    info.update(cpu_seconds=parent_cpu + (worker_cpu if n_jobs > 1 else 0.0), peak_rss_mib=peaks)
    return rows


def _sized(token: str, panel: pd.DataFrame, chunk: list[tuple[Any, tuple[str, ...]]],
           options: tuple[Any, ...]) -> tuple[list[dict[str, Any]], int, float, tuple[int, float]]:
    """One chunk: its rows, its size, the CPU seconds it took and ``(pid, peak RSS in MiB)``."""
    import os
    import resource
    import time

    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    start = time.process_time()
    rows = _run_chunk(_pivots_for(token, panel), chunk, *options)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return rows, len(chunk), time.process_time() - start, (os.getpid(), rss)
