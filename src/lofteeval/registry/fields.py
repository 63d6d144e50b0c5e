"""Registry fields for löften at national scale: id, confidence, scope, renewals, other areas.

:func:`lofteeval.registry.parse_lofte` reads the core fields; this module reads and checks the fields
added for the national list (``docs/registry.md``)::

    confidence = "high"                 # high | medium | low (how well the source was read)
    scope = "district"                  # kommun (default) | district
    district = "Lundby"                 # required when scope = "district"
    renews = "goteborg-2019"            # id of the löfte this one renews (same kommun, earlier)
    other_areas = ["seniorer"]          # areas outside the closed vocabulary ([a-z0-9_] words)
    targets = ["..."]                   # quantified commitments as stated by the source (Swedish)
    targets_en = ["..."]                # the same in English, one for one (optional)
    end_stated = false                  # the source names no end year; the end is an assumption

    [source]
    url = "https://..."                 # the page the facts come from
    other_urls = ["https://..."]        # further pages

Every problem is appended to the caller's list of problems, so one file gives one error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CONFIDENCE = ("high", "medium", "low")
SCOPES = ("kommun", "district")
FIELDS = ("confidence", "scope", "district", "renews", "other_areas", "targets", "targets_en", "end_stated")
_OTHER_AREA = re.compile(r"[a-z0-9_]+")


def id_problem(value: object) -> str | None:
    """A problem with a löfte id, or ``None`` when it uses only ``a-z``, ``0-9`` and inner ``-``."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return None
    return (f"field 'id' must use only lower-case a-z, digits 0-9 and single '-' between them, "
            f"e.g. \"halmstad-2018\" (got {value!r}); write å/ä as a and ö as o")


def _str_list(data: Mapping[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"field {key!r} must be a list of strings (got {value!r})")
        return ()
    return tuple(v.strip() for v in value)


def parse_fields(data: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    """Check the national-scale fields of one entry; return them as :class:`Lofte` keyword arguments."""
    if "id" in data and (msg := id_problem(data["id"])):
        problems.append(msg)
    confidence = data.get("confidence")
    if confidence is not None and confidence not in CONFIDENCE:
        problems.append(f"field 'confidence' must be one of {CONFIDENCE} (got {confidence!r})")
    scope = data.get("scope", "kommun")
    district = data.get("district")
    if scope not in SCOPES:
        problems.append(f"field 'scope' must be one of {SCOPES} (got {scope!r})")
    elif scope == "district" and not (isinstance(district, str) and district.strip()):
        problems.append("field 'district' must name the district when scope = \"district\" "
                        "(e.g. district = \"Lundby\")")
    elif scope == "kommun" and district is not None:
        problems.append(f"field 'district' ({district!r}) needs scope = \"district\"; "
                        "remove it or set the scope")
    renews = data.get("renews")
    if renews is not None and (msg := id_problem(renews)):
        problems.append(msg.replace("field 'id'", "field 'renews'"))
    elif renews is not None and renews == data.get("id"):
        problems.append(f"field 'renews' names the entry itself ({renews!r}); name the earlier löfte")
    others = _str_list(data, "other_areas", problems)
    for i, word in enumerate(others):
        if not _OTHER_AREA.fullmatch(word):
            problems.append(f"field 'other_areas[{i}]' must be one lower-case word with a-z, 0-9 "
                            f"and '_' (got {word!r})")
    targets = _str_list(data, "targets", problems)
    targets_en = _str_list(data, "targets_en", problems)
    if targets_en and len(targets_en) != len(targets):
        problems.append(f"field 'targets_en' must translate 'targets' one for one (got {len(targets_en)} "
                        f"English for {len(targets)} Swedish); give one English text per Swedish one, in "
                        "the same order, or leave targets_en out")
    end_stated = data.get("end_stated", True)
    if not isinstance(end_stated, bool):
        problems.append(f"field 'end_stated' must be true or false (got {end_stated!r})")
    return {"confidence": confidence, "scope": scope,
            "district": district.strip() if isinstance(district, str) else None,
            "renews": renews, "other_areas": others, "targets": targets,
            "targets_en": targets_en, "end_stated": end_stated is not False}


def parse_urls(raw: Mapping[str, Any], problems: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """``source.url`` and ``source.other_urls``, each checked to be an http(s) address."""
    url = raw.get("url") or None
    others = raw.get("other_urls", [])
    if not isinstance(others, list) or not all(isinstance(u, str) for u in others):
        problems.append(f"field 'source.other_urls' must be a list of strings (got {others!r})")
        others = []
    for name, value in [("source.url", url)] + [(f"source.other_urls[{i}]", u)
                                                 for i, u in enumerate(others)]:
        if value is not None and not re.match(r"https?://\S+$", str(value)):
            problems.append(f"field {name!r} must be an http(s) address without spaces (got {value!r})")
    return url, tuple(others)
