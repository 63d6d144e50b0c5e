"""Registry values as people read them: labels instead of ids, never ``<NA>``/``None``/``NaN``.

Used by the CLI (``loften``, ``lofte show``, ``lofte followup``) and the report workbook, so a
focus area, an owner, a kommun or a follow-up status is worded the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["OTHER_AREAS", "REGION_KOMMUNER", "cell", "confidence_label", "focus_area_label", "kommun_label",
           "kommun_names", "other_area_label", "owner_label", "status_label"]

REGION_KOMMUNER = frozenset({"0980"})
"""Kommuner that are also a region and call themselves so (Region Gotland)."""

OTHER_AREAS: dict[str, tuple[str, str]] = {
    "brottsaktiva": ("Brottsaktiva personer", "Prolific offenders"),
    "brottsofferkontakt": ("Kontakt med brottsoffer", "Contact with crime victims"),
    "cykelstold": ("Cykelstölder", "Bicycle theft"),
    "foraldrastod": ("Föräldrastöd", "Parental support"),
    "fortroende": ("Förtroende för polisen", "Confidence in the police"),
    "handelsplats": ("Trygghet på handelsplatser", "Safety at shopping areas"),
    "hat_hot": ("Hat och hot", "Hate and threats"),
    "integration": ("Integration", "Integration"),
    "lokal_brottslighet": ("Brottslighet som påverkar lokalsamhället", "Crime affecting the local community"),
    "mangdbrott": ("Mängdbrott", "Volume crime"),
    "naringsliv": ("Brott mot näringslivet", "Crime against businesses"),
    "natkrankningar": ("Kränkningar på nätet", "Online abuse"),
    "osund_konkurrens": ("Osund konkurrens", "Unfair competition"),
    "prostitution_manniskohandel": ("Prostitution och människohandel", "Prostitution and human trafficking"),
    "seniorer": ("Äldres trygghet", "Safety of older people"),
    "sexualbrott": ("Sexualbrott", "Sexual offences"),
    "sexuella_trakasserier": ("Sexuella trakasserier", "Sexual harassment"),
    "sexuellt_vald_unga": ("Sexuellt våld mot unga", "Sexual violence against young people"),
    "stold": ("Stöld", "Theft"),
    "tillit": ("Tillit", "Trust"),
    "tobak": ("Tobak", "Tobacco"),
    "unga_trygghet": ("Ungas trygghet", "Safety of young people"),
    "utsatta_omraden": ("Utsatta områden", "Vulnerable areas"),
    "valdsbejakande_extremism": ("Våldsbejakande extremism", "Violent extremism"),
}
"""Labels (Swedish, English) of the registry's areas outside the closed vocabulary (``other_areas``)."""

_STATUS = {"uppfyllt": "fulfilled", "delvis": "partly fulfilled", "ej uppfyllt": "not fulfilled",
           "ej rapporterat": "not reported"}
_CONFIDENCE_SV = {"high": "hög", "medium": "medel", "low": "låg"}  # the values of fields.CONFIDENCE


def cell(value: Any, *, empty: str = "") -> str:
    """``value`` as display text: ``None``, ``NaN``, ``pd.NA`` and ``NaT`` become ``empty``;
    whole floats lose their ``.0``; dates are ISO."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return empty
    if isinstance(value, float):
        if math.isnan(value):
            return empty
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    return empty if text in ("", "nan", "NaN", "<NA>", "None", "NaT") else text


def kommun_label(code: str, *, with_code: bool = True) -> str:
    """``"0980"`` -> ``"Gotland (0980)"`` (``"Gotland"`` without the code); the code when unknown."""
    from ..errors import LofteevalError
    from ..harmonise.kommuner import kommun_name

    try:
        name = kommun_name(code)
    except (LofteevalError, KeyError, ValueError, IndexError):
        return str(code)
    return f"{name} ({code})" if with_code else name


def kommun_names(codes: Iterable[str], *, with_code: bool = False) -> str:
    """``["1415", "1421"]`` -> ``"Stenungsund, Orust"``."""
    return ", ".join(kommun_label(c, with_code=with_code) for c in codes)


def focus_area_label(area: str | None, *, lang: str = "sv") -> str:
    """``"vald_nara_relation"`` -> ``"Våld i nära relationer"``; ``""`` for none; an unknown id as it is."""
    from ..indicators import FOCUS_AREAS

    if not area:
        return ""
    fa = FOCUS_AREAS.get(str(area))
    if fa is None:
        return str(area)
    return fa.label_sv if lang == "sv" else fa.label_en


def other_area_label(area: str, *, lang: str = "sv") -> str:
    """``"foraldrastod"`` -> ``"Föräldrastöd"`` (:data:`OTHER_AREAS`); an id without a label is
    shown with spaces for its underscores, first letter capitalised."""
    labels = OTHER_AREAS.get(str(area))
    if labels is None:
        text = str(area).replace("_", " ")
        return text[:1].upper() + text[1:]
    return labels[0] if lang == "sv" else labels[1]


def owner_label(owner: str | None, kommuner: Iterable[str] = (), *, lang: str = "sv") -> str:
    """Who is responsible, in words: ``"both"`` -> ``"Polisen och kommunen"`` (``"Polisen och
    Region Gotland"`` for Gotland, ``"Polisen och kommunerna"`` for several kommuner)."""
    codes = list(kommuner)
    if len(codes) == 1 and codes[0] in REGION_KOMMUNER:
        side = side_en = "Region " + kommun_label(codes[0], with_code=False)
    elif len(codes) > 1:
        side, side_en = "kommunerna", "the municipalities"
    else:
        side, side_en = "kommunen", "the municipality"
    if lang == "sv":
        words = {"polisen": "Polisen", "kommun": side[:1].upper() + side[1:], "both": f"Polisen och {side}"}
    else:
        words = {"polisen": "The police", "kommun": side_en[:1].upper() + side_en[1:],
                 "both": f"The police and {side_en}"}
    return words.get(str(owner or ""), cell(owner))


def status_label(status: str | None, *, lang: str = "sv") -> str:
    """A follow-up status (``uppfyllt``, ``delvis``, ``ej uppfyllt``, ``ej rapporterat``) in ``lang``."""
    text = cell(status)
    return _STATUS.get(text, text) if lang == "en" else text


def confidence_label(confidence: str | None, *, lang: str = "sv") -> str:
    """How well a national entry's source was read (``high``, ``medium``, ``low``) in ``lang``."""
    text = cell(confidence)
    return _CONFIDENCE_SV.get(text, text) if lang == "sv" else text
