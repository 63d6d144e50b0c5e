"""Page context for ``lofte draft``: the title, problem pictures and free registry ids.

Used by :mod:`lofteeval.registry.draft`.  Real pages put image captions ("Mats Rosenqvist Foto: Caroline
Eriksson", "Två personer sitter vid ett bord och skriver."), navigation ("Stäng Meny") and cookie
banners before the löfte's own heading; a situation report (lägesbild, problembild,
samverkansöverenskommelse) looks like a löfte but promises nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import lexicon as lx
from .classify import Sentence

_CAPTION = re.compile(
    r"\b(?:foto|fotograf|bild|bildtext|illustration)\s*:|^(?:foto|fotografi|bild|exempelbild|"
    r"illustration|porträtt)\b|^(?:en|ett|två|tre|fyra|fem|\d+) (?:\w+ )?(?:personer?|poliser?|män|man|"
    r"kvinnor|kvinna|barn|ungdomar|polisbil|polisbuss|bil)\b.*\b(?:sitter|står|håller|går|kör|ler|"
    r"skakar|tittar|samlade|redo)\b|^från vänster\b",
    re.IGNORECASE,
)
_NAV = re.compile(r"^(?:sök|stäng meny|meny|startsida|till startsidan|lyssna|dela|skriv ut)\b", re.IGNORECASE)
_PICTURE_TITLE = re.compile(r"problembild|lägesbild|samverkansöverenskommelse|överenskommelse om samverkan",
                            re.IGNORECASE)
_PROMISE = re.compile(r"\blovar\b|\båtar sig\b|\bförbinder sig\b|\bvi ska\b|\bdet här ska vi\b",
                      re.IGNORECASE)
_PROBLEM = re.compile(r"problemområd\w*|problembild\w*|lägesbild\w*|\bnuläget\b|\bidentifierats\b|"
                      r"samverkansforum\w*|\bproblematik\w*", re.IGNORECASE)


def is_caption(line: str) -> bool:
    """True for an image caption, photo credit or picture description."""
    return bool(_CAPTION.search(line.strip()))


def pick_title(sentences: list[Sentence], text: str) -> str | None:
    """The löfte's heading: a heading naming the löfte, else a long heading, never a caption."""
    heads = [s.text for s in sentences if s.section == "header" and not is_caption(s.text)
             and not _NAV.match(s.text) and not lx.BOILER_LINE.search(s.text)
             and not re.search(r" [>/›»] ", s.text)]  # breadcrumbs
    for h in heads:
        if "löfte" in h.lower():
            return h
    for line in (ln.strip() for ln in text.splitlines()):  # a long first line naming the löfte
        if ("löfte" in line.lower() and len(line.split()) <= 16 and ", " not in line
                and not line.endswith(".") and not is_caption(line) and not lx.BOILER_LINE.search(line)):
            return line
    return next((h for h in heads if len(h.split()) >= 4), heads[0] if heads else None)


def problem_picture(sentences: list[Sentence], title: str | None) -> str | None:
    """Why the text reads as a problem picture, not a löfte (``None`` when it reads as a löfte).

    A problem picture describes problems (lägesbild, problembild, identified problem areas,
    samverkansforum) and promises nothing: no actor "lovar", "åtar sig" or "ska" and no list under a
    promise heading.  Its title may say so; otherwise at least two sentences name the problems.
    """
    body = [s for s in sentences if s.weight > 0 and s.section != "header"]
    promises = [s for s in body if (s.item and s.section == "commit") or (s.weight >= 0.6 and (
        _PROMISE.search(s.text) or lx.STRONG_COMMIT.search(s.text.lower())))]  # quotes weigh < 0.6
    problems = [s for s in body if _PROBLEM.search(s.text)]
    if promises:
        return None
    if title and _PICTURE_TITLE.search(title) and "löfte" not in title.lower():
        return f"titeln '{title}' beskriver en lägesbild/överenskommelse och texten lovar inget"
    if len(problems) >= 2 and not (title and "löfte" in title.lower()):
        return (f"{len(problems)} meningar beskriver problem eller lägesbild och ingen mening lovar "
                "något")
    return None


def free_id(guess: str, taken: Iterable[str]) -> str:
    """``guess``, or ``guess-2``, ``guess-3`` ... when the registry already uses it."""
    used = set(taken)
    if guess not in used:
        return guess
    n = 2
    while f"{guess}-{n}" in used:
        n += 1
    return f"{guess}-{n}"
