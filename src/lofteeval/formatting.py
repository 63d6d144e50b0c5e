"""Plain number and year-span formatting shared by the design's reasons and the report texts."""

from __future__ import annotations

__all__ = ["NBSP", "MINUS", "span", "span_sv", "num_sv", "ratio"]

NBSP = "\u00a0"
MINUS = "\u2212"


def span(years: tuple[int, ...], dash: str = "-") -> str:
    """``(2010, ..., 2022)`` -> ``"2010-2022"``; one year -> ``"2021"``; none -> ``"none"``."""
    return f"{years[0]}{dash}{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "none")


def span_sv(years: tuple[int, ...]) -> str:
    """:func:`span` with an en dash; none -> ``"inga"``."""
    return span(years, "\u2013") if years else "inga"


def num_sv(x: float, fmt: str) -> str:
    """Format ``x`` with ``fmt`` the Swedish way: decimal comma, non-breaking space for thousands."""
    return format(x, fmt).replace(",", NBSP).replace(".", ",")


def ratio(x: float) -> str:
    """Two significant digits below 10, a whole number above (never ``1.2e+02``)."""
    return f"{x:.2g}" if x < 10 else f"{x:.0f}"
