"""Readers for official sources: raw files and API responses → validated tidy frames.

Every reader returns an :class:`ImportResult` ``(frame, report)``: the tidy frame (validated with
``harmonise.schema.validate_tidy``) and a ``harmonise.panel.ImportReport`` that accounts for every
input row (rows in = rows out + rows dropped by reason; flagged rows counted by flag)::

    frame, report = lofteeval.sources.read_bra_kommun_csv("Anmalda brott kommunerna 2024.csv", year=2024)
    print(report.text())

==========================  ==================================================  ===========
function                    input                                               source id
==========================  ==================================================  ===========
``read_bra_kommun_csv``     Brå yearly kommun CSV (totals)                      ``bra``
``read_bra_sol_export``     Brå statistical database export (categories)        ``bra``
``read_bra_sol_file``       SOL table saved by hand (HTML, XLS, XLSX, CSV)      ``bra``
``fetch_sol``               Brå SOL yearly kommun topic (``data/raw/bra_sol``)  ``bra``
``read_kolada_json``        Kolada v3/v2 ``/data`` responses                    ``kolada``
``fetch_kolada``            Kolada API (cached under ``data/raw/kolada``)       ``kolada``
``read_scb_json``           SCB PxWeb json-stat2 / v1 json (population)         ``scb``
``fetch_scb_population``    SCB API v2 TAB638 (cached under ``data/raw/scb``)   ``scb``
``read_survey_csv``         user-kept NTU / trygghetsmätning results            ``survey``
``read_police_extract``     police register extract, one row per report         ``polisen``
==========================  ==================================================  ===========

Downloads go through :func:`cached_download` (checksum + provenance record, atomic writes).
Where each indicator comes from is data in :mod:`.catalogue` (``INDICATOR_SOURCES``,
``fetch_plan``); :func:`fetch_for_loften` fetches a löfte's indicators and writes the panel.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ImportResult": "._finish",
    "read_bra_kommun_csv": ".bra", "read_bra_sol_export": ".bra", "BRA_CATEGORY_MAP": ".bra",
    "fetch_bra_kommun_csv": ".bra", "BRA_CSV_URLS": ".bra",
    "read_kolada_json": ".kolada", "fetch_kolada": ".kolada", "KOLADA_KPIS": ".kolada",
    "read_scb_json": ".scb", "decode_jsonstat2": ".scb", "fetch_scb_population": ".scb",
    "read_survey_csv": ".survey", "SURVEY_ITEMS": ".survey",
    "read_police_extract": ".polisen", "BROTTSKOD_INDICATORS": ".polisen",
    "cached_download": "._cache",
    "fetch_sol": ".sol", "read_bra_sol_file": ".sol_export", "parse_result_page": ".sol_parse",
    "parse_topic_page": ".sol_parse", "INDICATOR_SOURCES": ".catalogue", "fetch_plan": ".catalogue",
    "fetch_for_loften": ".fetch_lofte",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'lofteeval.sources' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
