"""Type aliases shared across lofteeval; option sets are ``Literal`` aliases checked at runtime."""

from __future__ import annotations

from typing import Literal, get_args

KommunCode = str
"""A 4-digit kommun code as a string, e.g. ``"0114"`` (never an int)."""

Unit = Literal["count", "per_100k", "percent", "index"]
Better = Literal["lower", "higher", "ambiguous"]
Method = Literal["before_after", "its", "did", "synth", "sdid", "staggered"]
Aggregation = Literal["simple", "group", "dynamic", "calendar"]
ControlGroup = Literal["never_treated", "not_yet_treated"]
Lang = Literal["sv", "en"]
Owner = Literal["polisen", "kommun", "both"]
FollowUpStatus = Literal["uppfyllt", "delvis", "ej uppfyllt", "ej rapporterat"]


def alpha_of(level: float) -> float:
    """Significance level ``1 - level`` rounded to 12 decimals.

    ``1 - 0.95`` is ``0.050000000000000044`` in floating point, which would count a p-value of
    exactly 0.05 (3 of 60 placebos) as significant. Every comparison ``p < alpha`` in lofteeval
    goes through this function so that estimators, results and report texts agree.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1) (got {level!r}).")
    return round(1.0 - float(level), 12)


def check_literal(value: object, alias: object, name: str) -> None:
    """Raise ``ValueError`` naming the allowed options when ``value`` is not one of ``alias``."""
    allowed = get_args(alias)
    if value not in allowed:
        from .errors import DataError

        raise DataError(f"{name!r} must be one of {allowed} (got {value!r}).")
