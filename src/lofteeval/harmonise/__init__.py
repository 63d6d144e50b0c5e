"""Harmonisation: the kommun reference, the tidy schema, rates per 100 000 and the panel builder."""

from __future__ import annotations

from .kommuner import (
    code_history,
    kommun_code,
    kommun_codes,
    kommun_name,
    kommuner,
    lan_of,
    neighbours,
    population,
)

__all__ = [
    "code_history",
    "kommun_code",
    "kommun_codes",
    "kommun_name",
    "kommuner",
    "lan_of",
    "neighbours",
    "population",
]
