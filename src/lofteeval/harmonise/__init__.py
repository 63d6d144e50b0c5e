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
from .panel import ImportReport, build_panel, load_panel, panel_gaps, save_panel
from .rates import add_rates, per_100k
from .schema import IDENTITY, OPTIONAL_COLUMNS, TIDY_COLUMNS, empty_tidy, validate_tidy

__all__ = [
    "IDENTITY",
    "OPTIONAL_COLUMNS",
    "TIDY_COLUMNS",
    "ImportReport",
    "add_rates",
    "build_panel",
    "load_panel",
    "panel_gaps",
    "per_100k",
    "save_panel",
    "code_history",
    "empty_tidy",
    "kommun_code",
    "kommun_codes",
    "kommun_name",
    "kommuner",
    "lan_of",
    "neighbours",
    "population",
    "validate_tidy",
]
