"""Metadata extraction from Swedish löfte texts and TOML drafts for the registry.

Public through :mod:`lofteeval.registry`; builds on the segmentation and scores of :mod:`.classify`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from . import lexicon as lx
from .classify import Sentence, classify_focus_areas, segment, sentence_areas

_RISKY_NAMES = {"Vara", "Mark", "Ale", "Kil", "Åre", "Eda", "Hjo", "Lund", "Mora", "Nora", "Sala",
                "Boden", "Bjuv", "Habo", "Håbo", "Heby", "Ydre", "Malå", "Salem", "Tibro", "Laxå",
                "Höör", "Ånge", "Bräcke", "Kumla", "Borgholm", "Lekeberg", "Essunga"}
_LPO = re.compile(r"(?:lokalpolisområde(?:t|s)?|\bLPO)\s+((?:[Vv]ästra |[Öö]stra |[Ss]ödra |[Nn]orra )?"
                  r"[A-ZÅÄÖ][\wåäö-]+(?: [A-ZÅÄÖ][\wåäö-]+)?)")
_LPO_CHEF = re.compile(r"lokalpolisområdeschef (?:för )?((?:västra|östra|södra|norra) [A-ZÅÄÖ][\wåäö-]+)")
_MONTH = "|".join(lx.MONTHS)
_DATE_RANGE = re.compile(rf"(\d{{1,2}}) ({_MONTH}) (20\d\d)\s*(?:-|–|—|till|to)\s*(?:den\s+)?(\d{{1,2}}) ({_MONTH}) (20\d\d)",
                         re.IGNORECASE)
_ISO_RANGE = re.compile(r"(20\d\d-\d\d-\d\d)\s*(?:-|–|—|till)\s*(20\d\d-\d\d-\d\d)")
# "Medborgarlöfte 2018-2019", "medborgarlöften för 2020-2021", "Medborgarlöfte i Landskrona kommun 2018",
# "Medborgarlöftet gäller 2021-2025": up to four words between the word and the year
_LOFTE_YEARS = re.compile(r"[Mm]edborgarlöfte\w*(?:\s+[^\s\d.:;!?]+){0,4}?\s*(?:år\s+)?(20\d\d)"
                          r"(?:\s*(?:-|–|/|och)\s*(20\d\d))?")
_PERIOD_COMMIT = re.compile(r"[Uu]nder (?:den aktuella tidsperioden |perioden |åren )?(20\d\d)"
                            r"(?:\s*(?:-|–)\s*(20\d\d))? (?:ska|kommer)|[Uu]nder åren (20\d\d)\s*(?:-|–)\s*(20\d\d)")
# a kommun name that is a person's surname ("Susanne Norberg (S)") or a newspaper ("Värnamo Nyheter")
_NOT_KOMMUN_AFTER = re.compile(r"\s*\((?:S|M|C|L|KD|V|MP|SD)\)|\s+(?:Nyheter|Tidning\w*|Posten|Allehanda|Kuriren)\b")
_PUBLISHED = re.compile(r"(?:[Pp]ublicerad:?\s*|^)(20\d\d-\d\d-\d\d)", re.MULTILINE)
_NUM = re.compile(r"\b(?:(minst|totalt|ytterligare|sammanlagt)\s+)?(\d{1,3}|" + "|".join(lx.NUMBER_WORDS)
                  + r")\s+([a-zåäö][\wåäö-]*(?:\s+[a-zåäö][\wåäö-]*){0,3})")
_TIME_UNIT = r"(?:timm|tim\b|dygn|dag|veck|månad|år\b|års\b|minut|sekund|procent)"
_UNIT_STOP = {"ha", "har", "ska", "skall", "genomföras", "genomförts", "genomförs", "med", "som", "där",
              "om", "i", "för", "till", "per", "under", "på", "och", "att", "vid", "riktade", "inom"}


@dataclass(frozen=True)
class ExtractedTarget:
    """A numbered or bulleted promise found in a text, with its number when it has one."""

    text: str
    target: int | None
    unit: str | None
    owner: str | None
    deadline: dt.date | None
    focus_area: str | None


@dataclass(frozen=True)
class TextMetadata:
    """What :func:`extract_metadata` could read from a löfte text (``None`` when not found)."""

    title: str | None
    kommuner: tuple[str, ...]
    kommun_mentions: dict[str, int] = field(default_factory=dict)
    lokalpolisomrade: str | None = None
    years: tuple[int, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    published: dt.date | None = None
    period_stated: bool = False
    targets: tuple[ExtractedTarget, ...] = ()


def _name_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from ..harmonise.kommuner import kommuner

    out = []
    for code, name in kommuner()[["kommun", "name"]].itertuples(index=False):
        suffix = r"s? kommun" if name in _RISKY_NAMES or len(name) <= 4 else r"s?(?: kommun)?"
        out.append((code, re.compile(rf"(?<![\wåäöÅÄÖ-]){re.escape(name)}{suffix}(?![\wåäöÅÄÖ])")))
    return out


def _kommun_mentions(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for code, pattern in _name_patterns():
        n = 0
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 25):m.start()].lower()
            if re.search(r"(?:lokalpolisområde\w*|lpo|polisområde)\s+(?:[\w-]+[\s/])?$", before):
                continue  # "lokalpolisområde Falun/Borlänge" names the police area
            if _NOT_KOMMUN_AFTER.match(text, m.end()):
                continue
            n += 1
        if n:
            counts[code] = n
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _lpo(text: str) -> str | None:
    m = _LPO.search(text) or _LPO_CHEF.search(text)
    return m.group(1)[0].upper() + m.group(1)[1:] if m else None


def _period(text: str) -> tuple[tuple[int, ...], dt.date | None, dt.date | None, bool]:
    if m := _DATE_RANGE.search(text):
        d1, m1, y1, d2, m2, y2 = m.groups()
        start = _day(int(y1), lx.MONTHS[m1.lower()], int(d1))
        end = _day(int(y2), lx.MONTHS[m2.lower()], int(d2))
        return tuple(range(start.year, end.year + 1)), start, end, True
    if m := _ISO_RANGE.search(text):
        start, end = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        return tuple(range(start.year, end.year + 1)), start, end, True
    spans = [[int(y) for y in m.groups() if y] for m in _LOFTE_YEARS.finditer(text)]
    spans += [[int(y) for y in m.groups() if y] for m in _PERIOD_COMMIT.finditer(text)]
    if not spans:
        return (), None, None, False
    newest = max(spans, key=max)  # a page listing several löften: the newest one's period
    lo, hi = min(newest), max(newest)
    return tuple(range(lo, hi + 1)), dt.date(lo, 1, 1), dt.date(hi, 12, 31), False


def _day(year: int, month: int, day: int) -> dt.date:
    """A date, with an impossible day ("31 juni", as one real page writes) moved to the month's end."""
    import calendar

    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _number(token: str) -> int:
    return int(token) if token.isdigit() else lx.NUMBER_WORDS[token]


def _target(sentence: str) -> tuple[int | None, str | None]:
    low = sentence.lower()
    for m in _NUM.finditer(low):
        qualifier, token, rest = m.groups()
        if token in ("en", "ett") and not qualifier:
            continue
        if token.isdigit() and (len(token) == 4 or re.match(r"\s*(?:%|procent)", low[m.end(2):])):
            continue
        if re.search(r"(?:inom|under|efter|senast|över|än|från|till)\s+$", low[:m.start()]) or \
                re.match(_TIME_UNIT, rest):
            continue  # a duration or an age, not a promised count
        words = []
        for w in rest.split():
            if w in _UNIT_STOP:
                break
            words.append(w)
        if words:
            return _number(token), " ".join(words)
    return None, None


def _deadline(sentence: str, end: dt.date | None) -> dt.date | None:
    if m := re.search(rf"senast (?:den )?(\d{{1,2}}) ({_MONTH})(?: (20\d\d))?", sentence, re.IGNORECASE):
        year = int(m.group(3)) if m.group(3) else (end.year if end else None)
        return dt.date(year, lx.MONTHS[m.group(2).lower()], int(m.group(1))) if year else None
    if m := re.search(r"[Uu]nder (20\d\d)\b", sentence):
        return dt.date(int(m.group(1)), 12, 31)
    return end


def _mentioned_owner(text: str) -> str | None:
    low = text.lower()
    police, kommun = "polis" in low, bool(re.search(r"kommun|region", low))
    if police and kommun:
        return "both"
    if re.match(r"polisen\b", low):
        return "polisen"
    return "kommun" if re.match(r"(?:kommun(?:en|erna)|regionen)\b", low) else None


def _targets(sentences: list[Sentence], end: dt.date | None) -> tuple[ExtractedTarget, ...]:
    out = []
    lead_owner: str | None = None  # owner named in the paragraph that introduces a list
    lead_area: str | None = None
    for s in sentences:
        if s.weight <= 0 or s.section == "header":
            lead_owner = lead_area = None if s.section == "header" else lead_owner
            continue
        areas = sentence_areas(s.text)
        area = max(areas, key=areas.__getitem__) if areas else None
        if not s.item:
            lead_owner = _mentioned_owner(s.text) or lead_owner
            lead_area = area or lead_area
        promise = s.numbered or (s.item and s.section == "commit") or bool(re.search(r"\bska\b|\bskall\b|\bkommer att\b|\blovar\b",
                                                s.text.lower()))
        number, unit = _target(s.text) if promise else (None, None)
        if not (s.numbered or (s.item and s.section == "commit")
                or (number is not None and s.weight >= 0.6)):
            continue
        owner = _mentioned_owner(s.text) or s.owner or (lead_owner if s.item else None)
        out.append(ExtractedTarget(s.text, number, unit, owner, _deadline(s.text, end),
                                   area or (lead_area if s.item else None)))
    return tuple(out)


def _title(sentences: list[Sentence], text: str = "") -> str | None:
    from .draft_context import pick_title

    return pick_title(sentences, text)


def extract_metadata(text: str) -> TextMetadata:
    """Read kommuner, period, lokalpolisområde and promised activities from a löfte text.

    Kommun names (short, long or genitive: "Gislaveds kommun", "Region Gotland") are resolved to
    codes with :mod:`lofteeval.harmonise.kommuner`; a name right after "lokalpolisområde" is the
    police area, not a kommun.  Number words ("fem", "fyra", "tre", "två") become ints.
    """
    sentences = segment(text)
    years, start, end, stated = _period(text)
    title = _title(sentences, text)
    if not years and title and (named := re.findall(r"\b(20[12]\d)\b", title)):
        years = (int(named[-1]),)  # "Lägesbild för Eksjö kommun 2023": the id's year, the period stays TODO
    published = None
    if m := _PUBLISHED.search(text):
        published = dt.date.fromisoformat(m.group(1))
    mentions = _kommun_mentions(text)
    return TextMetadata(
        title=title, kommuner=tuple(mentions), kommun_mentions=mentions,
        lokalpolisomrade=_lpo(text), years=years, start=start, end=end, published=published,
        period_stated=stated, targets=_targets(sentences, end),
    )


# --------------------------------------------------------------------------- TOML draft
def _q(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _slug(text: str) -> str:
    table = str.maketrans("åäöéÅÄÖÉ", "aaoeaaoe")
    text = re.sub(r"(?i)\bhåbo\b", "haabo", text)  # the registry's spelling, never confused with Habo
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(table)).strip("-")


def _header_lines(meta: TextMetadata, lofte_id: str | None, taken: set[str],
                  picture: str | None) -> list[str]:
    from .draft_context import free_id
    from ..harmonise.kommuner import kommun_name

    names = [kommun_name(k) for k in meta.kommuner]
    guess = lofte_id or (f"{_slug(names[0])}-{meta.years[0]}" if names and meta.years else None)
    if guess and picture and not lofte_id:
        guess += "-problembild"
    free = free_id(guess, taken) if guess else None
    note = (f"  # TODO: {guess!r} is already registered; check it is not the same löfte"
            if free and free != guess else "" if free else "  # TODO: <kommun>-<first year>")
    kind = (f'kind = "problem_picture"  # {picture}; use "lofte" if it promises something' if picture
            else 'kind = "lofte"  # or "problem_picture" when the text is a situation report, not a promise')
    lines = ["# DRAFT made by `lofteeval lofte draft`: review every line, then remove the TODO comments.",
             f"id = {_q(free or 'TODO')}{note}", kind, f"title = {_q(meta.title or 'TODO')}"]
    todo = "  # TODO: check; several kommuner mentioned" if len(meta.kommuner) > 1 else ""
    lines.append(f"kommuner = {json.dumps(list(meta.kommuner))}  # {', '.join(names) or 'TODO: none found'}{todo}")
    lines.append(f"lokalpolisomrade = {_q(meta.lokalpolisomrade or '')}"
                 + ("" if meta.lokalpolisomrade else "  # TODO: not named in the text"))
    lines.append("# signed = YYYY-MM-DD  # TODO: signing date"
                 + (f" (page published {meta.published})" if meta.published else ""))
    if meta.start and meta.end:
        note = "" if meta.period_stated else "  # TODO: assumed calendar year(s); record why in assumptions"
        lines += [f"start = {meta.start.isoformat()}{note}", f"end = {meta.end.isoformat()}"]
    else:
        lines += ["start = 2000-01-01  # TODO: period not found", "end = 2000-12-31  # TODO"]
    return lines


def draft_lofte(text: str, *, lofte_id: str | None = None, source_document: str | None = None,
                publisher: str | None = None, url: str | None = None,
                registry_ids: set[str] | None = None) -> str:
    """Draft a TOML registry entry from a löfte text, with TODO comments where unsure.

    The draft parses as TOML; it is for a person to review, never to register unread.  It never
    proposes an id in ``registry_ids`` (default: the ids of :func:`lofteeval.registry.load_registry`),
    marks a problem picture as ``kind = "problem_picture"`` and takes the title from the text's
    headings, never from an image caption.
    """
    from .draft_context import problem_picture
    from .fields import id_problem

    if lofte_id is not None and (msg := id_problem(lofte_id)):
        from ..errors import RegistryError

        raise RegistryError(f"lofte draft --id: {msg}.")
    if registry_ids is None:
        from .lofte import load_registry

        registry_ids = set(load_registry())
    meta = extract_metadata(text)
    hits = classify_focus_areas(text, include_weak=True)
    picture = problem_picture(segment(text), meta.title)
    lines = _header_lines(meta, lofte_id, registry_ids, picture)
    lines.append(f"focus_areas = {json.dumps([h.focus_area for h in hits if h.hit])}")
    for h in hits:
        mark = "found" if h.hit else "weak, NOT included (TODO: check)"
        lines.append(f"#   {h.focus_area} ({mark}, score {h.score:.2f}): {h.evidence[0][:100]}")
    lines += ['notes = ""', 'assumptions = []  # TODO: why the period and any choice the text leaves open',
              "", "[source]", f"document = {_q(source_document or 'TODO: file name and title')}",
              f"publisher = {_q(publisher or 'TODO')}"]
    lines.append(f"date = {meta.published.isoformat()}" if meta.published else "# date = YYYY-MM-DD  # TODO")
    lines.append(f"url = {_q(url or '')}" + ("" if url else "  # TODO: the page's address"))
    for i, t in enumerate(meta.targets, 1):
        lines += ["", "[[activities]]", f'id = "a{i}"', f"text = {_q(t.text)}",
                  f"owner = {_q(t.owner or 'both')}" + ("" if t.owner else "  # TODO: polisen, kommun or both")]
        if t.target is not None:
            lines += [f"target = {t.target}", f"unit = {_q(t.unit)}  # TODO: check unit"]
        if t.deadline:
            lines.append(f"deadline = {t.deadline.isoformat()}")
        lines.append(f"focus_area = {_q(t.focus_area or 'ej_matbart')}"
                     + ("" if t.focus_area else "  # TODO: no area named"))
    return "\n".join(lines) + "\n"
