"""A supplement for a löfte with several kommuner: every indicator estimated for each kommun alone.

The main result treats the kommuner together (``diagnostics["treated_handling"]`` says how).  The
supplement runs :func:`lofteeval.evaluation.evaluate` once per kommun and indicator with the same
design as the joint result (``method=``), that kommun as the only treated unit and the löfte's
other kommuner left out of its comparison pool (they are treated too).  The per-kommun p-values
are not adjusted for multiplicity and each kommun has fewer offences than the area, so these rows
are a supplement to read with care, never a replacement of the joint result.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["evaluate_per_kommun", "per_kommun_rows", "SIBLING_REASON"]

SIBLING_REASON = ("another kommun of the same löfte (also treated)", "en annan kommun i samma löfte (också med löftet)")


def evaluate_per_kommun(panel: pd.DataFrame, lofte: Any, evaluated: Any, *, level: float = 0.95,
                        through: int | None = None, pivots: Any = None) -> dict[str, list[tuple[str, Any]]]:
    """Indicator id -> ``[(kommun code, EffectResult or reason)]``; empty for a single kommun.

    Failures (a kommun whose design cannot be estimated) keep their reason, so no kommun is left
    out in silence.  ``pivots``: the report's :class:`~lofteeval.design.pivots.PanelPivots` of
    ``panel`` (shared, so the panel is not split again for every kommun).
    """
    from ..errors import LofteevalError, Refusal
    from ..evaluation import evaluate
    from ..registry.cache import cached_registry

    codes = [str(k) for k in lofte.kommuner]
    if len(codes) < 2 or not getattr(lofte, "is_lofte", True):
        return {}
    out: dict[str, list[tuple[str, Any]]] = {}
    for joint in evaluated.results():
        rows: list[tuple[str, Any]] = []
        for code in codes:
            exclude = {o: SIBLING_REASON for o in codes if o != code}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res: Any = evaluate(panel, lofte, joint.indicator, method=joint.method, level=level,
                                        through=through, treated=[code], exclude=exclude,
                                        registry=cached_registry(), pivots=pivots)
            except (LofteevalError, ValueError, np.linalg.LinAlgError) as exc:
                res = Refusal.of(exc)
            rows.append((code, res))
        out[str(joint.indicator)] = rows
    return out


def per_kommun_rows(rows: list[tuple[str, Any]], spec: Any, *, lang: str = "sv") -> list[dict[str, str]]:
    """Table rows ``kommun, effect, interval, verdict`` on the report's one scale (:mod:`.scale`)."""
    from . import scale as sc
    from .build import kommun_label
    from .text import failure_reason, refused_for_small_counts

    out = []
    for code, res in rows:
        if isinstance(res, str):  # too few offences: the question cannot be decided (as on page 1)
            kind = "undetermined" if refused_for_small_counts(res) is not None else "not_estimated"
            out.append({"kommun": kommun_label(code), "effect": "–", "interval": "–", "mde": "–",
                        "verdict": f"{sc.VERDICT[lang][kind]}: {failure_reason(res, lang)}"})
            continue
        lo = sc.fmt_display(res, res.ci_low, spec, lang=lang, unit=not sc.points(spec))
        hi = sc.fmt_display(res, res.ci_high, spec, lang=lang)
        out.append({"kommun": kommun_label(code), "effect": sc.fmt_display(res, res.estimate, spec, lang=lang),
                    "interval": f"{lo} … {hi}", "mde": sc.mde_display(res, spec, lang=lang),
                    "verdict": sc.VERDICT[lang][sc.verdict(res, spec)]})
    return out
