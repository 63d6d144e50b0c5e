"""Inference: intervals and p-values kept apart from point estimation (STYLE §5).

- :mod:`.power`     minimum detectable effects and power
- :mod:`.multiple`  Benjamini–Hochberg and Holm adjustment across the outcomes of a löfte
- :mod:`.placebo`   placebo-in-space / placebo-in-time helpers (rank p-values, RMSPE ratios)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Interval"]


@dataclass(frozen=True)
class Interval:
    """An interval with its p-value and the method that produced them."""

    low: float
    high: float
    p_value: float
    method: str
