"""Swedish löfte text → focus areas, metadata and a registry draft.

The classifier reads a web page or press release as published.  Context counts more than keywords:

1. **Segmentation.** Lines are joined into paragraphs, list items and sentences.  Page furniture
   (addresses, phone numbers, e-mail, "Publicerad", cookie and navigation text, captions "På
   bilden ...", contact lists under "Kontakt"/"Om ...") gets weight 0.
2. **Sections.** Short heading lines set the kind of what follows: commitment ("Det här lovar vi",
   "Polisen lovar", "Fokusområden", "Aktiviteter"), background ("Bakgrund", "Lägesbild",
   "Uppföljning") or neutral.
3. **Sentence cues.** Commitments ("ska", "kommer att", "lovar", "åtar sig", numbered targets) weigh
   more; statistics and past developments ("har ökat", "visar att"), example lists ("t.ex.",
   "bland annat"), quotes ("..., säger X") and generic descriptions of what a medborgarlöfte is
   weigh less.
4. **Terms.** Stems and compound parts per focus area (:mod:`lofteeval.registry.lexicon`), each with a
   weight; generic phrases ("brottsförebyggande och trygghetsskapande arbete") are removed first;
   generic "våld" is read as domestic violence in a paragraph that names it.
5. **Evidence.** An area is a hit when the weighted sum over sentences reaches ``threshold`` (0.8)
   and its best sentence contributes at least ``min_best`` (0.5): one clear commitment, or several
   weaker mentions.

Metadata extraction and :func:`~lofteeval.registry.draft.draft_lofte` live in
:mod:`lofteeval.registry.draft`, which builds on this module (never the other way round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import lexicon as lx
from ..indicators import FOCUS_AREAS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FocusAreaHit", "Sentence", "classify_focus_areas", "hits_to_frame", "segment",
           "sentence_areas"]

SectionKind = str  # "commit" | "background" | "neutral" | "boilerplate" | "header"
_BASE = {"commit": 1.0, "neutral": 0.6, "background": 0.25, "boilerplate": 0.0}
_ITEM_BASE = {"commit": 1.0, "neutral": 0.9, "background": 0.35, "boilerplate": 0.0}
_BULLET = re.compile(r"^(?:[•\-\*–·▪●◦]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+")
_ITEM_LABEL = re.compile(r"(?:Syfte|Ansvarig|Ansvar|Mål|Målgrupp|Effekt|Åtgärd|Genomförande)\s*:\s")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9–\-\"”»])")
_OWNER_HEAD = (
    (re.compile(r"tillsammans|gemensam|vi lovar|båda parter"), "both"),
    (re.compile(r"polisen (?:lovar|ska|åtar)|lovar polisen|polisens (?:löfte|åtagande)"), "polisen"),
    (re.compile(r"kommun\w* (?:lovar|ska|åtar)|lovar kommun\w*|kommunens (?:löfte|åtagande)|"
                r"regionen (?:lovar|ska)"), "kommun"),
)


@dataclass(frozen=True)
class Sentence:
    """A sentence with the context the classifier weighs it by."""

    text: str
    section: SectionKind
    weight: float
    paragraph: int
    item: bool = False
    numbered: bool = False
    owner: str | None = None


@dataclass(frozen=True)
class FocusAreaHit:
    """A focus area found in a text: its score and the sentences that are the evidence."""

    focus_area: str
    label_sv: str
    score: float
    evidence: tuple[str, ...]
    n_sentences: int
    hit: bool = True


# --------------------------------------------------------------------------- segmentation
def _normalise(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\u200b", "")
    return [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]


def _is_boiler_line(line: str) -> bool:
    if re.match(r"(?:på bilden|på fotot|foto|bild|bildtext|fotograf)\b", line, re.IGNORECASE):
        return True  # captions, whatever their length
    return len(line) < 150 and bool(lx.BOILER_LINE.search(line)) or bool(
        re.search(r"(?:telefon|tel|växel)\.?:?\s*[+\d]", line, re.IGNORECASE))


def _is_header(line: str) -> bool:
    words = line.split()
    if not words or _BULLET.match(line):
        return False
    if line.endswith(":"):
        return len(words) <= 16
    return len(words) <= 10 and not line.endswith((".", "?", ",", ";"))


def _header_kind(line: str, current: SectionKind) -> SectionKind:
    low = line.lower()
    if lx.BOILER_HEAD.search(low):
        return "boilerplate"
    if lx.BACKGROUND_HEAD.search(low):
        return "background"
    if lx.COMMIT_HEAD.search(low):
        return "commit"
    if low.endswith(":") and current in ("commit", "neutral"):
        return current  # "1 juni 2019 - juni 2020 är:" continues the heading before it
    return "boilerplate" if current == "boilerplate" else "neutral"


def _header_owner(line: str, current: str | None) -> str | None:
    low = line.lower()
    for pattern, owner in _OWNER_HEAD:
        if pattern.search(low):
            return owner
    return current if low.endswith(":") or lx.COMMIT_HEAD.search(low) is None else None


def _blocks(lines: list[str]) -> list[tuple[str, str]]:
    """Group lines into ``(kind, text)`` blocks: header, item, boiler, para."""
    blocks: list[tuple[str, str]] = []
    for line in lines:
        if not line:
            blocks.append(("break", ""))
            continue
        prev = blocks[-1] if blocks else ("break", "")
        if line[0].islower() and prev[0] in ("item", "para") or (prev[0] == "item" and _ITEM_LABEL.match(line)):
            blocks[-1] = (prev[0], f"{prev[1]} {line}")  # continuation, or "Syfte: ..." under a bullet
        elif _is_boiler_line(line):
            blocks.append(("boiler", line))
        elif _BULLET.match(line) and not lx.QUOTE.search(line):
            blocks.append(("item", line))
        elif _is_header(line):
            blocks.append(("header", line))
        elif prev[0] == "para" and not re.match(r"^[–\-]", line):
            blocks[-1] = ("para", f"{prev[1]} {line}")
        else:
            blocks.append(("para", line))
    return [b for b in blocks if b[0] != "break"]


def _sentence_weight(text: str, base: float, section: SectionKind, quote: bool, *,
                     past: bool = False, item: bool = False) -> float:
    low = text.lower()
    if base == 0.0:
        return 0.0
    if lx.DEFINITION.search(low):
        return 0.1
    if lx.PAST.search(low):  # an earlier löfte, or work outside this one
        return round(0.2 * base, 3)
    if past and not lx.PRESENT.search(low):  # rest of a paragraph about an earlier löfte
        return round(0.3 * base, 3)
    w = base
    commit = bool(lx.COMMIT.search(low))
    promised = re.search(r"\bska\b|\bskall\b|\bkommer att\b|\blovar\b", low)
    if lx.OUTCOME.search(lx.DRAWN_UP.sub(" ", low)) and not promised:
        return round(0.3 * w, 3)  # a result already reported, not a promise
    if commit and section == "neutral":
        w = max(w, 1.0 if lx.STRONG_COMMIT.search(low) else 0.9)
    elif commit and section == "background":  # an actor binding itself promises under any heading
        w = max(w, 0.8 if lx.STRONG_COMMIT.search(low) else 0.5)
    if lx.BACKGROUND.search(low) and not commit:
        w *= 0.6
    if lx.EXAMPLES.search(low):  # in an item "bland annat genom X" names the means, not examples
        w *= 0.85 if item else 0.6
    if quote or lx.QUOTE.search(low):
        w *= 0.5
    return round(w, 3)


def _lofte_heading_year(kind: str, block: str) -> int | None:
    """The last year a short heading line names when it names a löfte ("Medborgarlöfte 2018-2019")."""
    if kind not in ("header", "para") or len(block.split()) > 12 or "löfte" not in block.lower():
        return None
    years = [int(y) for y in re.findall(r"\b(20[12]\d)\b", block)]
    return max(years) if years else None


def segment(text: str) -> list[Sentence]:
    """Split a löfte text into weighted sentences (see the module notes).

    A page that lists several löften under headings with years ("Medborgarlöfte 2022/2023",
    "Medborgarlöften 2020-2021", "Medborgarlöfte 2016-2017") is read as the newest löfte: text
    under an older löfte's heading weighs 0.15 of its usual weight.
    """
    section: SectionKind = "neutral"
    owner: str | None = None
    lead = False  # the block before announced a list of priorities or promises
    out: list[Sentence] = []
    blocks = _blocks(_normalise(text))
    newest = _newest_year(blocks)
    earlier = False  # under the heading of an older löfte than the page's newest
    aims = False  # the items list the generic aims of every medborgarlöfte
    for p, (kind, block) in enumerate(blocks):
        aims = kind == "item" and aims or bool(lx.DEFINITION_LEAD.search(block.lower()))
        if aims and kind == "item":
            out.append(Sentence(_BULLET.sub("", block), section, 0.1, p, True))
            continue
        if (year := _lofte_heading_year(kind, block)) is not None:
            earlier = newest is not None and year < newest
        if kind == "boiler":
            out.append(Sentence(block, "boilerplate", 0.0, p))
            continue
        if kind == "header":
            section = _header_kind(block, section)
            owner = _header_owner(block, owner)
            lead = section != "boilerplate" and bool(lx.LIST_COMMIT_LEAD.search(block.lower()))
            # a heading naming the löfte ("Medborgarlöfte för ett tryggare X") is its own evidence
            w = 0.0 if section == "boilerplate" else (
                0.9 if section == "commit" and "löfte" in block.lower() else 0.4)
            w = _sentence_weight(block, w, "neutral", False)
            out.append(Sentence(block, "header", round(0.15 * w, 3) if earlier else w, p))
            continue
        if section == "boilerplate" and kind == "para" and len(block.split()) >= 20:
            section = "neutral"  # page furniture comes in short lines: prose is content again
        item = kind == "item"
        numbered = bool(_NUMBERED.match(block))
        body = _BULLET.sub("", block) if item else block
        quote = bool(re.match(r"^[–\-]\s?[A-ZÅÄÖ]", body)) and bool(lx.QUOTE.search(body))
        base = _ITEM_BASE["commit" if lead else section] if item else _BASE[section]
        lead = (lead and item) or (not item and bool(lx.LIST_COMMIT_LEAD.search(block.lower())))
        for sent, w in _weighted(body.lstrip("–- ") if quote else body, base, section, quote, item):
            w = round(0.15 * w, 3) if earlier else w
            out.append(Sentence(sent, section, w, p, item, numbered, owner))
    return out


def _newest_year(blocks: list[tuple[str, str]]) -> int | None:
    """The newest löfte a page names: in a heading ("Medborgarlöfte 2022/2023") or a sentence."""
    years = [y for k, b in blocks if (y := _lofte_heading_year(k, b))]
    years += [max(int(y) for y in re.findall(r"20[12]\d", m)) for k, b in blocks if k != "boiler"
              for m in lx.LOFTE_YEAR.findall(b.lower())]
    return max(years, default=None)


def _weighted(body: str, base: float, section: SectionKind, quote: bool,
              item: bool) -> list[tuple[str, float]]:
    """The sentences of one paragraph or item with their weights.

    A sentence opening a paragraph about an earlier löfte makes the rest of it past; one stating
    this löfte's direction ("Inriktningen för löftet är ...") makes the rest of it a promise.
    """
    out = []
    past = opened = False
    for sent in _SPLIT.split(body):
        if sent.strip():
            w = _sentence_weight(sent, max(base, 0.9) if opened else base, section, quote,
                                 past=past, item=item)
            out.append((sent.strip(), w))
            past = past or bool(lx.PAST_OPENER.search(sent.lower()))
            opened = opened or (not past and bool(lx.LOFTE_OPENER.search(sent.lower())))
    return out


# --------------------------------------------------------------------------- scoring
def sentence_areas(text: str, *, dv_context: bool = False) -> dict[str, float]:
    """Term weight per focus area named in one sentence (0-1; generic phrases removed)."""
    low = lx.DRIVING.sub(" trafiknykterhet ", lx.GENERIC.sub(" ", text.lower()))
    low = lx.TRAFFIC_SAFETY.sub(" trafiksäkerhet ", low)
    found: dict[str, float] = {}
    for area, terms in lx.COMPILED.items():
        best = max((w for pat, w in terms if pat.search(low)), default=0.0)
        if best:
            found[area] = best
    if "trygghet" in found and (aim := lx.AIM.search(low)):
        found["trygghet"] = _trygghet_with_aim(low[:aim.start()], found["trygghet"])
    if lx.YOUTH.search(low) and lx.CRIME.search(low):
        found["ungdomsbrottslighet"] = max(found.get("ungdomsbrottslighet", 0.0), lx.YOUTH_CRIME_WEIGHT)
    if (dv_context or "vald_nara_relation" in found) and found.get("vald_offentlig_miljo", 0) < 1.0:
        found.pop("vald_offentlig_miljo", None)  # generic "våld" next to domestic violence
    return found


def _trygghet_with_aim(head: str, weight: float) -> float:
    """``trygghet``'s weight when it may be only an aim ("insatser mot narkotika för att öka tryggheten").

    ``head`` is the sentence before the aim marker (the promise).  When it names another area,
    safety named after the marker is that promise's aim and weighs ``TRYGG_AIM_FACTOR``.
    """
    if not any(pat.search(head) for area, terms in lx.COMPILED.items() if area != "trygghet"
               for pat, _ in terms):
        return weight
    in_head = max((w for pat, w in lx.COMPILED["trygghet"] if pat.search(head)), default=0.0)
    return max(in_head, round(weight * lx.TRYGG_AIM_FACTOR, 3))


def _scores(sentences: list[Sentence]) -> dict[str, list[tuple[float, str]]]:
    dv_paragraphs = {s.paragraph for s in sentences
                     if s.weight > 0 and "vald_nara_relation" in sentence_areas(s.text)}
    contrib: dict[str, list[tuple[float, str]]] = {}
    for s in sentences:
        if s.weight <= 0:
            continue
        for area, w in sentence_areas(s.text, dv_context=s.paragraph in dv_paragraphs).items():
            contrib.setdefault(area, []).append((round(s.weight * w, 3), s.text))
    return contrib


def classify_focus_areas(text: str, *, threshold: float = 0.8, min_best: float = 0.5,
                         n_evidence: int = 3, include_weak: bool = False) -> list[FocusAreaHit]:
    """Return the focus areas a Swedish löfte text names, with scores and evidence sentences.

    Parameters
    ----------
    text : str
        The text as published (web page, press release); boilerplate may be left in.
    threshold : float, keyword-only
        Minimum summed evidence for a hit (one clear commitment sentence scores about 1).
    min_best : float, keyword-only
        Minimum contribution of the single best sentence.
    n_evidence : int, keyword-only
        How many evidence sentences to keep per area (strongest first).
    include_weak : bool, keyword-only
        Also return areas below the threshold, with ``hit=False`` (for review and drafts).

    Returns
    -------
    list of FocusAreaHit
        Strongest first.  Areas come from :data:`lofteeval.indicators.FOCUS_AREAS`.

    Examples
    --------
    >>> hits = classify_focus_areas("Det här lovar vi\\n• Polisen ska genomföra riktade insatser mot narkotika.")
    >>> [h.focus_area for h in hits]
    ['narkotika']
    """
    out = []
    for area, items in _scores(segment(text)).items():
        items.sort(key=lambda t: -t[0])
        score = round(sum(w for w, _ in items), 3)
        hit = score >= threshold and items[0][0] >= min_best
        if hit or include_weak:
            evidence = tuple(dict.fromkeys(t for w, t in items if w > 0))[:n_evidence]
            out.append(FocusAreaHit(area, FOCUS_AREAS[area].label_sv, score, evidence,
                                    len(items), hit))
    return sorted(out, key=lambda h: (-h.hit, -h.score))


def hits_to_frame(hits: list[FocusAreaHit]) -> pd.DataFrame:
    """A table of hits: ``focus_area, label_sv, score, hit, n_sentences, evidence`` (joined by " | ")."""
    import pandas as pd

    return pd.DataFrame(
        [{"focus_area": h.focus_area, "label_sv": h.label_sv, "score": h.score, "hit": h.hit,
          "n_sentences": h.n_sentences, "evidence": " | ".join(h.evidence)} for h in hits],
        columns=["focus_area", "label_sv", "score", "hit", "n_sentences", "evidence"],
    )
