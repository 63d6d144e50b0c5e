"""Where each indicator's numbers come from, as data: :data:`INDICATOR_SOURCES` and :func:`fetch_plan`.

Every indicator names its real source — SOL label paths in Brå's yearly kommun topic
("Årsvis - Kommun och storstädernas stadsområden 1996-"), a Kolada KPI, an SCB table, or a
survey — with the years it covers, its breaks, and what cannot be fetched at kommun level and why.
``lofteeval data plan ID`` prints :func:`fetch_plan` for a löfte; ``lofteeval data fetch`` fetches
what it lists as fetchable.

Label paths are Brå's own (SOURCES.md §3.2, §3.4; the chapter and 4 kap. paths as listed in the
public copy of SOL's yearly category tree, Lulea-statistik/BR-brottsstatistik
``data/annual_all/categories_annual.csv``).  Paths ending in ``~pattern`` match the last segment by a
regular expression where the exact wording of a sub-category is not verified (misshandel,
ofredande, bostadsinbrott); the fetcher stops with the closest labels if nothing matches, and
with the candidates if the pattern matches several sibling categories (sub-categories of a match
are ignored: the offence total is used).

Breaks every crime series carries:

- **2015**: from 2015 kommun figures include only offences attributable to the kommun (police
  reorganisation); earlier years also held offences in the police district not tied to a kommun.
- **2017 and 2019**: SOL's category tree became much finer (757 → 887 → 1 101 categories);
  sub-categories are not comparable across those years, so indicators use chapter totals or
  offence totals (e.g. *Grov kvinnofridskränkning (4 a §)*, not its victim-relation splits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "INDICATOR_SOURCES",
    "SOL_TOPIC",
    "SOL_TOPIC_URL",
    "IndicatorSource",
    "crime_break_note",
    "fetch_plan",
    "plan_text",
    "source_of",
]

SOL_TOPIC = "Årsvis - Kommun och storstädernas stadsområden 1996-"
SOL_TOPIC_URL = "https://statistik.bra.se/solwebb/action/anmalda/urval/urval?menyid=101"
SOL_FIRST_YEAR = 1996
SOL_COVERAGE = ("SOL:s kommuntabell: 288 kommuner 1996–2000 (utan Knivsta och Nykvarn), 289 2001–2002 "
                "(utan Knivsta), alla 290 från 2003")

_BRB_PERSON = "Brott mot brottsbalken, 3-7 kap. Brott mot person"
_BRB_GODS = "Brott mot brottsbalken, 8-12 kap. Brott mot förmögenhet"
_SPEC = "Brott mot specialstraffrättsliga författningar"
BREAKS_CRIME = (
    "2015: kommunfördelningen ändrades (polisens omorganisation) – nivåbrott; jämför helst 2015–",
    "2017/2019: Brå:s brottskategorier blev finare; serien använder kapitel-/brottstotaler som är jämförbara",
)


@dataclass(frozen=True)
class IndicatorSource:
    """The real source of one indicator.

    ``kind``: ``sol`` (Brå statistikdatabas), ``kolada``, ``scb``, ``survey`` or ``register``
    (police extracts on request).  ``sol_paths`` are summed when several (disjoint offences).
    ``fetchable`` says whether ``lofteeval data fetch`` can get it at kommun level; when not,
    ``reason`` says why and ``how`` what the user can do instead.
    """

    indicator: str
    kind: str
    first_year: int | None
    sol_paths: tuple[str, ...] = ()
    kolada: str | None = None
    scb: str | None = None
    breaks: tuple[str, ...] = ()
    fetchable: bool = True
    reason: str = ""
    how: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        """One line naming the source."""
        if self.kind == "sol":
            alt = f"; även Kolada {self.kolada}" if self.kolada else ""
            return f"Brå statistikdatabas (SOL), {SOL_TOPIC}: " + " + ".join(
                p.replace("~", "") for p in self.sol_paths) + alt
        if self.kind == "scb":
            return f"SCB {self.scb}" + (f"; även Kolada {self.kolada}" if self.kolada else "")
        if self.kind == "kolada":
            return f"Kolada {self.kolada}"
        return self.name or {"survey": "enkät", "register": "polisens registerutdrag"}.get(self.kind, self.kind)


def _sol(ind: str, *paths: str, kolada: str | None = None, extra: tuple[str, ...] = (),
         first_year: int = SOL_FIRST_YEAR) -> IndicatorSource:
    return IndicatorSource(ind, "sol", first_year, tuple(paths), kolada=kolada, breaks=BREAKS_CRIME + extra)


_NTU_WHY = ("NTU redovisas inte per kommun och år: kommunnivå finns bara i sammanslagna tvåårsanalyser "
            "(2017+2018, 2019+2020) som interaktiv karta utan nedladdningsbar fil; metodbyte 2017")
_TM_WHY = ("Polisens trygghetsmätning publiceras som PDF/webbsidor per kommun/lokalpolisområde utan API "
           "och görs inte i alla regioner och år")
_SURVEY_HOW = "för in resultaten i en CSV och kör `lofteeval import survey FILE` (se docs/real_data.md)"
_REG_HOW = "beställ ett registerutdrag från Polisen och kör `lofteeval import polisen FILE`"

INDICATOR_SOURCES: dict[str, IndicatorSource] = {s.indicator: s for s in (
    _sol("reported_crimes_total", "Totalt antal brott", kolada="N07540"),
    _sol("reported_drug_offences", f"{_SPEC}, Brott mot narkotikastrafflagen", kolada="N07544"),
    _sol("reported_traffic_offences", f"{_SPEC}, Brott mot trafikbrottslagen", kolada="N07548"),
    _sol("reported_assault", f"{_BRB_PERSON}, 3 kap. Brott mot liv och hälsa, ~misshandel inkl\\. grov"),
    _sol("reported_robbery", f"{_BRB_GODS}, 8 kap. Stöld, rån m.m., ~rån inkl\\. grovt"),
    _sol("reported_domestic_violence",
         f"{_BRB_PERSON}, 4 kap. Brott mot frihet och frid, Grov kvinnofridskränkning (4 a §)",
         f"{_BRB_PERSON}, 4 kap. Brott mot frihet och frid, Grov fridskränkning (4 a §)", kolada="N07402",
         extra=("1998: brottet grov kvinnofrids-/fridskränkning infördes (4 kap. 4 a § BrB); serien börjar 1998",),
         first_year=1998),
    _sol("reported_unlawful_threats", f"{_BRB_PERSON}, 4 kap. Brott mot frihet och frid, ~olaga hot"),
    _sol("reported_molestation", f"{_BRB_PERSON}, 4 kap. Brott mot frihet och frid, ~ofredande"),
    _sol("reported_criminal_damage", f"{_BRB_GODS}, 12 kap. Skadegörelsebrott", kolada="U07452"),
    _sol("reported_residential_burglary", f"{_BRB_GODS}, 8 kap. Stöld, rån m.m., ~(inbrottsstöld|stöld genom inbrott).*bostad",
         kolada="N07546"),
    _sol("reported_fraud", f"{_BRB_GODS}, 9 kap. Bedrägeri och annan oredlighet",
         extra=("2019: bedrägerier delas upp efter modus; kapiteltotalen används",)),
    IndicatorSource("reported_violent_crimes", "kolada", 2010, kolada="N07403", breaks=BREAKS_CRIME[:1]),
    IndicatorSource("population", "scb", 1968, scb="TAB638 (BE0101N1, folkmängd 31 december)", kolada="N01951"),
    *(IndicatorSource(i, "survey", 2006, fetchable=False, reason=_NTU_WHY, how=_SURVEY_HOW,
                      name="Brå, Nationella trygghetsundersökningen (NTU)",
                      breaks=("2017: NTU bytte metod (telefon → post/webb)",))
      for i in ("unsafe_outdoors_night", "worry_crime")),
    *(IndicatorSource(i, "survey", None, fetchable=False, reason=_TM_WHY, how=_SURVEY_HOW,
                      name="Polisens trygghetsmätning / kommunala trygghetsenkäter")
      for i in ("saw_drug_dealing", "problem_drugs", "problem_youth_disorder", "problem_traffic")),
    *(IndicatorSource(i, "register", None, fetchable=False,
                      reason="per brottskod finns inga öppna kommundata; Polisen lämnar ut registerutdrag på begäran",
                      how=_REG_HOW, name="Polisen, registerutdrag per brottskod")
      for i in ("reported_arson_damage", "reported_car_fires", "reported_sabotage_emergency",
                "reported_riot_offences", "reported_violence_against_police")),
)}


def source_of(indicator: str) -> IndicatorSource:
    """The :class:`IndicatorSource` of ``indicator`` (``DataError`` for an unknown id)."""
    from ..errors import DataError
    from ..indicators import indicator as spec

    spec(indicator)
    try:
        return INDICATOR_SOURCES[indicator]
    except KeyError:
        raise DataError(f"no source recorded for indicator {indicator!r}; add it to "
                        "lofteeval.sources.catalogue.INDICATOR_SOURCES.") from None


def crime_break_note(years: tuple[int, ...] | list[int]) -> str | None:
    """A Swedish note when a crime series spans the 2015 break, else ``None``."""
    ys = list(years)
    return BREAKS_CRIME[0] if ys and min(ys) < 2015 <= max(ys) else None


def as_lofte(lofte: Any) -> Any:
    """``lofte`` itself when it is a löfte (an object with ``id``, ``kommuner`` and ``focus_areas``).

    The sources layer sits beside the registry and never reads it: pass
    ``lofteeval.load_lofte(id)``, not the id.
    """
    from ..errors import DataError

    if isinstance(lofte, str) or not all(hasattr(lofte, a) for a in ("id", "kommuner", "focus_areas")):
        raise DataError(f"expected a löfte (lofteeval.load_lofte(...)), got {lofte!r}; e.g. "
                        f"fetch_plan(lofteeval.load_lofte({str(lofte)!r})).")
    return lofte


def fetch_plan(lofte: Any, *, years: list[int] | None = None) -> pd.DataFrame:
    """One row per (focus area, indicator) of ``lofte``: source, years, breaks, fetchable and why not.

    Columns ``focus_area, indicator, label, kind, source, years, breaks, fetchable, reason``.
    Non-measurable focus areas get one row with the reason.  Population (SCB) is always added:
    rates need it.
    """
    from ..indicators import FOCUS_AREAS, indicators_for

    lf = as_lofte(lofte)
    rows = []
    for area in lf.focus_areas:
        fa = FOCUS_AREAS[area]
        if not fa.measurable:
            rows.append({"focus_area": area, "indicator": "", "label": fa.label_sv, "kind": "",
                         "source": "", "years": "", "breaks": "", "fetchable": False,
                         "reason": fa.note or "inte mätbart med brotts- eller trygghetsdata"})
            continue
        for spec in indicators_for(area):
            rows.append(_row(area, spec.id, spec.label_sv, years))
    rows.append(_row("(alla)", "population", "Folkmängd 31 december", years))
    return pd.DataFrame(rows)


def _row(area: str, ind: str, label: str, years: list[int] | None) -> dict[str, Any]:
    src = source_of(ind)
    span = ""
    if src.first_year is not None:
        lo = max(src.first_year, min(years)) if years else src.first_year
        span = f"{lo}–{max(years)}" if years else f"{lo}–senaste"
    return {"focus_area": area, "indicator": ind, "label": label, "kind": src.kind, "source": src.label,
            "years": span, "breaks": "; ".join(src.breaks), "fetchable": src.fetchable,
            "reason": "" if src.fetchable else f"{src.reason}. Gör så här: {src.how}"}


def plan_text(lofte: Any, *, years: list[int] | None = None) -> str:
    """:func:`fetch_plan` as readable Swedish text (what ``lofteeval data plan`` prints)."""
    lf = as_lofte(lofte)
    plan = fetch_plan(lf, years=years)
    lines = [f"{lf.id}: {lf.title}",
             (f"Kommuner: {', '.join(lf.kommuner)}; löftesår {lf.start_year}–{lf.end_year}; "
              "jämförelsekommuner: alla övriga kommuner (urvalet görs vid utvärderingen)"),
             f"Täckning: {SOL_COVERAGE}.", ""]
    for area, grp in plan.groupby("focus_area", sort=False):
        lines.append(f"[{area}]")
        for _, r in grp.iterrows():
            mark = "hämtas" if r["fetchable"] else "HÄMTAS INTE"
            head = f"  {r['indicator'] or '-'} ({r['label']}): {mark}"
            lines.append(head + (f", år {r['years']}" if r["years"] and r["fetchable"] else ""))
            if r["source"]:
                lines.append(f"      källa: {r['source']}")
            if r["breaks"]:
                lines.append(f"      brott i serien: {r['breaks']}")
            if r["reason"]:
                lines.append(f"      varför inte: {r['reason']}")
    n = int(plan["fetchable"].sum())
    lines += ["", f"{n} av {len(plan)} rader kan hämtas med `lofteeval data fetch --lofte {lf.id}`."]
    return "\n".join(lines)
