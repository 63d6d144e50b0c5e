"""Cohorts for staggered designs: each löfte's kommuner start in the löfte's first year."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import DesignError

__all__ = ["Cohorts", "staggered_cohorts"]


@dataclass(frozen=True)
class Cohorts:
    """Who is treated from when, and who is left out of the comparison and why.

    Attributes
    ----------
    cohort : dict
        ``{kommun: first treated year}``; a kommun in several löften joins the earliest.
    excluded : dict
        ``{kommun: reason}`` for kommuner with a related löfte that is not pooled (contamination).
    loften : tuple of str
        Ids of the pooled löften (sorted).
    """

    cohort: dict[str, int]
    excluded: dict[str, str]
    loften: tuple[str, ...]


def staggered_cohorts(spec: Any, registry: dict[str, Any], loften: Iterable[Any] | None = None) -> Cohorts:
    """Cohorts of the löften acting on indicator ``spec`` (all related löften by default).

    Raises
    ------
    DesignError
        When the indicator measures no focus area or no löfte acts on it.
    """
    if not spec.focus_areas:
        raise DesignError(f"indicator {spec.id!r} measures no focus area, so no löften can be pooled "
                          "for it; pass an indicator listed under a focus area (lofteeval.list_indicators()).")
    related = [lf for lf in registry.values() if lf.is_lofte and set(lf.focus_areas) & set(spec.focus_areas)]
    chosen = related if loften is None else list(loften)
    if not chosen:
        raise DesignError(f"no löfte in the registry acts on {spec.id!r} (focus areas "
                          f"{', '.join(spec.focus_areas)}); pass loften= explicitly.")
    cohort: dict[str, int] = {}
    for lf in sorted(chosen, key=lambda x: x.start_year):
        for k in lf.kommuner:
            cohort.setdefault(k, lf.start_year)
    chosen_ids = {lf.id for lf in chosen}
    excluded = {k: f"own löfte {lf.id} on {', '.join(sorted(set(lf.focus_areas) & set(spec.focus_areas)))}"
                for lf in related if lf.id not in chosen_ids for k in lf.kommuner if k not in cohort}
    return Cohorts(cohort=cohort, excluded=excluded, loften=tuple(sorted(chosen_ids)))
