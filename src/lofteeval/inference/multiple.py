"""Multiplicity adjustment across the outcomes of one löfte (Benjamini–Hochberg, Holm)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..results import EffectResult

__all__ = ["adjust_pvalues", "adjust_results"]


def adjust_pvalues(p_values: "np.typing.ArrayLike", *, method: Literal["bh", "holm"] = "bh") -> np.ndarray:
    """Adjust p-values for multiple outcomes; NaN stays NaN and is not counted.

    ``"bh"`` controls the false discovery rate (Benjamini & Hochberg 1995), ``"holm"`` the
    family-wise error rate (Holm 1979).  Results match ``statsmodels.stats.multitest.multipletests``.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ValueError(f"p-values must lie in [0, 1] (got {p[ok].min()}..{p[ok].max()}).")
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q)
    ranked = q[order]
    if method == "bh":
        adj = ranked * m / np.arange(1, m + 1)
        adj = np.minimum.accumulate(adj[::-1])[::-1]
    elif method == "holm":
        adj = ranked * (m - np.arange(m))
        adj = np.maximum.accumulate(adj)
    else:
        raise ValueError(f"method must be 'bh' or 'holm' (got {method!r}).")
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def adjust_results(results: Sequence[EffectResult], *, method: Literal["bh", "holm"] = "bh"
                   ) -> list[EffectResult]:
    """Return copies of ``results`` with ``p_adjusted`` set by :func:`adjust_pvalues` (one family).

    Use it across the indicators of one löfte (``evaluate_focus_area``); the originals are untouched.
    """
    adjusted = adjust_pvalues([r.p_value for r in results], method=method)
    return [r.replace(p_adjusted=None if np.isnan(q) else float(q)) for r, q in zip(results, adjusted)]
