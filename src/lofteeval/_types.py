"""Type aliases shared across lofteeval; option sets are ``Literal`` aliases checked at runtime."""

from __future__ import annotations

from typing import Literal, get_args

KommunCode = str
"""A 4-digit kommun code as a string, e.g. ``"0114"`` (never an int)."""

Unit = Literal["count", "per_100k", "percent", "index"]
Better = Literal["lower", "higher", "ambiguous"]
Method = Literal["before_after", "its", "did", "synth", "sdid", "staggered"]
InferenceName = str
"""An id of :data:`lofteeval.inference.methods.INFERENCE` (or one of its older aliases)."""
Aggregation = Literal["simple", "group", "dynamic", "calendar"]
ControlGroup = Literal["never_treated", "not_yet_treated"]
Lang = Literal["sv", "en"]
Owner = Literal["polisen", "kommun", "both"]


def alpha_of(level: float) -> float:
    """Significance level ``1 - level`` rounded to 12 decimals.

    ``1 - 0.95`` is ``0.050000000000000044`` in floating point, which would count a p-value of
    exactly 0.05 (3 of 60 placebos) as significant. Every comparison ``p < alpha`` in lofteeval
    goes through this function so that estimators, results and report texts agree.
    """
    return round(1.0 - check_level(level), 12)


def check_level(level: object) -> float:
    """Return ``level`` as a float; the one check of a confidence level in lofteeval.

    Raises
    ------
    DataError
        (a ``ValueError``) unless ``level`` is a number strictly between 0 and 1.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        from .errors import DataError

        raise DataError(f"'level' must be in (0, 1) (got {level!r}); e.g. level=0.95 for a 95 % interval.")
    return float(level)


def check_literal(value: object, alias: object, name: str) -> None:
    """Raise ``ValueError`` naming the allowed options when ``value`` is not one of ``alias``."""
    allowed = get_args(alias)
    if value not in allowed:
        from .errors import DataError

        raise DataError(f"{name!r} must be one of {allowed} (got {value!r}).")


def check_int(value: object, name: str, *, minimum: int = 1, optional: bool = False) -> int | None:
    """Return ``value`` as an ``int`` >= ``minimum``; the one integer-argument check.

    ``None`` passes when ``optional``.  Booleans, strings and floats are refused (``"5"`` and
    ``5.0`` are not counts of years).

    Raises
    ------
    DataError
        Naming the argument, what must hold and what came.
    """
    import numpy as np

    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        from .errors import DataError

        raise DataError(f"{name!r} must be an integer >= {minimum}{' or None' if optional else ''} "
                        f"(got {value!r} of type {type(value).__name__}); e.g. {name}={max(minimum, 5)}.")
    return int(value)
