"""Hedged report sentences in Swedish and English, tied to the numbers of an :class:`EffectResult`.

The rules (tested in ``tests/reports/test_text.py``):

- A change is *claimed* ("minskade med 18 %") only when the interval excludes zero **and** the
  p-value is below ``1 - level``; when the result is part of a family and the multiplicity-adjusted
  p-value is not below ``1 - level`` the text says the sign does not hold after adjustment.
- Otherwise the text says *ingen säkerställd förändring*; a direction is only named as
  "en minskning som är förenlig med slumpmässig variation".
- When the data cannot detect a change of realistic size (:func:`lofteeval.reports.scale.undetermined`:
  relative MDE >= 25 %, a share's MDE >= 5 percentage points, or too few offences a year) and
  nothing is claimed, the text says that whether the löfte made a difference *kan inte avgöras*.
- Every number is on the one display scale of :mod:`.scale`: percent of the counterfactual over
  the evaluated post-period, survey shares in percentage points.
- Indicators whose level moves with police activity or trust (``better == "ambiguous"``) always get
  their caveat from ``IndicatorSpec.caveats_sv`` / ``caveats_en``.
- The summary (:func:`focus_area_paragraph`) is one short paragraph per focus area: a verdict
  sentence, one clause per indicator (effect with interval, or *kan inte avgöras (MDE X %)*; a
  direction word only for a change that holds after the multiplicity adjustment), and each
  ambiguity caveat once.  The full sentences of :func:`describe_result` are in section 3.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any
from ..formatting import MINUS, NBSP
from . import scale as sc
from .scale import LARGE_MDE, UNBOUNDED, claimed, holds

__all__ = [
    "LARGE_MDE",
    "failure_reason",
    "refused_for_small_counts",
    "fmt_number",
    "fmt_effect",
    "fmt_p",
    "claimed",
    "describe_result",
    "holds",
    "summary_clause",
    "focus_area_paragraph",
    "activity_sentence",
    "METHOD_TEXT",
    "METHOD_NAME",
    "WARNING_TEXT",
    "T",
]

# Short UI strings (headings, table headers) in both languages.
T: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Utvärdering av medborgarlöfte", "summary": "Sammanfattning", "lofte": "Löftet",
        "results": "Resultat per fokusområde", "method": "Metod och förbehåll",
        "provenance": "Proveniens", "kommuner": "Kommuner", "kommun_one": "Kommun", "lpo": "Lokalpolisområde",
        "period": "Period", "signed": "Undertecknat", "focus_areas": "Fokusområden",
        "source": "Källa", "activities": "Aktiviteter och uppföljning", "activity": "Aktivitet",
        "owner": "Ansvar", "target": "Mål", "done": "Genomfört", "status": "Status",
        "deadline": "Senast", "indicator": "Indikator", "effect": "Effekt", "interval": "Intervall",
        "p": "p-värde", "p_adj": "Justerat p", "mde": "MDE", "design": "Design",
        "comparison": "Jämförelsekommuner", "reason": "Varför vald", "weight": "Vikt",
        "comp_group": "Kommungrupp", "comp_size": "Storlek", "comp_rank": "Rang före löftet",
        "kommun": "Kommun", "key": "Uppgift", "value": "Värde", "not_estimated": "Kunde inte skattas",
        "caveats": "Förbehåll", "assumptions": "Antaganden", "designs": "Designer",
        "data_caveats": "Förbehåll som data ger upphov till", "parameters": "Parametrar",
        "sources": "Datakällor", "generated": "Skapad", "page": "Sida", "of": "av",
        "placebo": "Placebofördelning", "weights": "Syntetiska vikter",
        "problem_picture": "Problembild", "notes": "Anteckningar",
        "targets": "Åtaganden (som den nationella listan sammanfattar källan)", "no_followup": (
            "Ingen uppföljningsfil angavs; alla aktiviteter visas som ej rapporterade."),
        "tech": "Tekniska meddelanden från skattningen", "yes": "ja", "no": "nej",
        "registry_assumptions": "Tolkningar vid registreringen av löftet",
        "registry_assumptions_pp": "Tolkningar vid registreringen av problembilden",
        "data_heading": "Data och förbehåll",
    },
    "en": {
        "title": "Evaluation of a citizen promise", "summary": "Summary", "lofte": "The promise",
        "results": "Results by focus area", "method": "Method and caveats",
        "provenance": "Provenance", "kommuner": "Municipalities", "kommun_one": "Municipality", "lpo": "Local police area",
        "period": "Period", "signed": "Signed", "focus_areas": "Focus areas", "source": "Source",
        "activities": "Activities and follow-up", "activity": "Activity", "owner": "Owner",
        "target": "Target", "done": "Done", "status": "Status", "deadline": "Deadline",
        "indicator": "Indicator", "effect": "Effect", "interval": "Interval", "p": "p-value",
        "p_adj": "Adjusted p", "mde": "MDE", "design": "Design", "comparison": "Comparison municipalities",
        "reason": "Why chosen", "weight": "Weight",
        "comp_group": "Group", "comp_size": "Size", "comp_rank": "Pre-period rank", "kommun": "Municipality", "key": "Item",
        "value": "Value", "not_estimated": "Could not be estimated", "caveats": "Caveats",
        "assumptions": "Assumptions", "designs": "Designs",
        "data_caveats": "Caveats raised by the data", "parameters": "Parameters",
        "sources": "Data sources", "generated": "Generated", "page": "Page", "of": "of",
        "placebo": "Placebo distribution", "weights": "Synthetic weights",
        "problem_picture": "Problem picture", "notes": "Notes",
        "targets": "Commitments (as the national list summarises the source)", "no_followup": (
            "No follow-up file was given; every activity is shown as not reported."),
        "tech": "Technical messages from the estimation", "yes": "yes", "no": "no",
        "registry_assumptions": "Interpretations made when the promise was registered",
        "registry_assumptions_pp": "Interpretations made when the problem picture was registered",
        "data_heading": "Data and caveats",
    },
}

METHOD_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "before_after": "Före–efter: nivån under löftet jämförs med nivån före, utan jämförelsegrupp. "
        "Det visar förändring, inte orsak.",
        "its": "Avbrutna tidsserier: trenden före löftet förlängs och jämförs med utfallet under löftet.",
        "did": "Skillnad-i-skillnader: förändringen i löfteskommunen jämförs med förändringen i "
        "jämförelsekommuner under samma år.",
        "synth": "Syntetisk kontroll: en viktad kombination av jämförelsekommuner som följer "
        "löfteskommunen före löftet visar den troliga utvecklingen utan löftet.",
        "sdid": "Syntetisk skillnad-i-skillnader: kombinerar vikter för kommuner och år med en "
        "skillnad-i-skillnader-jämförelse.",
        "staggered": "Skillnad-i-skillnader med olika startår (Callaway & Sant'Anna).",
    },
    "en": {
        "before_after": "Before–after: the level during the promise is compared with the level before, "
        "without a comparison group. It shows change, not cause.",
        "its": "Interrupted time series: the pre-promise trend is extended and compared with the outcome.",
        "did": "Difference-in-differences: the change in the promise municipality is compared with the change "
        "in comparison municipalities over the same years.",
        "synth": "Synthetic control: a weighted combination of comparison municipalities that tracks the "
        "promise municipality before the promise shows the likely path without it.",
        "sdid": "Synthetic difference-in-differences: unit and time weights combined with a "
        "difference-in-differences comparison.",
        "staggered": "Difference-in-differences with staggered start years (Callaway & Sant'Anna).",
    },
}

METHOD_NAME: dict[str, dict[str, str]] = {
    "sv": {"before_after": "före–efter", "its": "avbruten tidsserie", "did": "skillnad-i-skillnader",
           "synth": "syntetisk kontroll", "sdid": "syntetisk skillnad-i-skillnader",
           "staggered": "skillnad-i-skillnader (olika startår)"},
    "en": {"before_after": "before–after", "its": "interrupted time series", "did": "difference-in-differences",
           "synth": "synthetic control", "sdid": "synthetic DiD", "staggered": "staggered DiD"},
}

ASSUMPTIONS: dict[str, tuple[str, ...]] = {
    "sv": (
        "Parallella trender: utan löftet hade löfteskommunen och jämförelsen utvecklats likadant.",
        "Ingen föregripande effekt: inget förändrades redan innan löftet började gälla.",
        "Ingen spridning: jämförelsekommunerna påverkades inte av löftet (t.ex. av förflyttad "
        "brottslighet).",
    ),
    "en": (
        "Parallel trends: without the promise the promise municipality and the comparison would have moved alike.",
        "No anticipation: nothing changed before the promise took effect.",
        "No spillover: the comparison municipalities were not affected by the promise (e.g. displaced crime).",
    ),
}

# SKR's kommungrupper in English (our translation of SKR's Swedish names, ``kommungrupp_label``)
KOMMUNGRUPP_EN = {
    "A1": "large city", "A2": "commuter municipality near a large city", "B3": "medium-sized town",
    "B4": "commuter municipality near a medium-sized town",
    "B5": "low-commuting municipality near a medium-sized town", "C6": "small town",
    "C7": "commuter municipality near a small town", "C8": "rural municipality",
    "C9": "rural municipality with tourism",
}


WARNING_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "ShortPrePeriodWarning": "Kort förperiod: få år före löftet gör jämförelsen svår att pröva.",
        "FewDonorsWarning": "Få jämförelsekommuner: placebobaserade p-värden kan inte bli små.",
        "PoorPreFitWarning": "Den skattade utvecklingen följer inte löfteskommunen väl före löftet.",
        "ZeroCountsWarning": "Små tal: enstaka händelser ger stora procentuella hopp.",
        "EnforcementDrivenWarning": "Indikatorn påverkas av polisens egen aktivitet.",
        "CovidYearsWarning": "Analysperioden omfattar minst ett av pandemiåren 2020–2021, då brotts- och "
        "anmälningsmönster förändrades i hela landet.",
        "LowPowerWarning": "Låg statistisk styrka: ett resultat utan säkerställd förändring säger lite.",
    },
    "en": {
        "ShortPrePeriodWarning": "Short pre-period: few years before the promise make the comparison hard to test.",
        "FewDonorsWarning": "Few comparison municipalities: placebo-based p-values cannot become small.",
        "PoorPreFitWarning": "The estimated path does not track the promise municipality well before the promise.",
        "ZeroCountsWarning": "Small counts: single events cause large percentage jumps.",
        "EnforcementDrivenWarning": "The indicator is driven by police activity.",
        "CovidYearsWarning": "The window includes the COVID years 2020–2021, when crime shifted everywhere.",
        "LowPowerWarning": "Low power: a result without a confirmed change says little.",
    },
}

_UNIT = {
    "sv": {"per_100k": "per 100 000 invånare", "percent": "procentenheter", "index": "indexenheter",
           "count": ""},
    "en": {"per_100k": "per 100,000 inhabitants", "percent": "percentage points", "index": "index points",
           "count": ""},
}


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def fmt_number(x: float, *, lang: str = "sv", digits: int = 1, sign: bool = False) -> str:
    """``-12.34`` -> ``"−12,3"`` (sv, decimal comma, true minus) or ``"-12.3"`` (en)."""
    if not _finite(x):
        return "–"
    s = f"{x:{'+' if sign else ''},.{digits}f}"
    if lang == "sv":
        s = s.replace(",", NBSP).replace(".", ",").replace("-", MINUS)
    return s


def fmt_effect(x: float, *, scale: str, unit: str = "", lang: str = "sv", sign: bool = True) -> str:
    """An effect on its scale: relative -> ``"−18 %"``; absolute -> ``"−2,1 procentenheter"``."""
    if not _finite(x):
        return "–"
    if scale == "relative":
        return sc.fmt_pct(x, lang=lang, sign=sign)
    if abs(x) >= UNBOUNDED:
        return sc.infinite(x, lang=lang)
    u = _UNIT["en" if lang == "en" else "sv"].get(unit, unit)
    digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 1 else 2
    return f"{fmt_number(x, lang=lang, digits=digits, sign=sign)}{(NBSP + u) if u else ''}"


def fmt_p(p: float | None, *, lang: str = "sv") -> str:
    """``0.0312`` -> ``"0,03"``; below 0.001 -> ``"< 0,001"``."""
    if p is None or not _finite(p):
        return "–"
    if p < 0.001:
        return "<" + NBSP + fmt_number(0.001, lang=lang, digits=3)
    return fmt_number(p, lang=lang, digits=2 if p >= 0.01 else 3)


def _interval(result: Any, spec: Any, lang: str, *, level: bool = True) -> str:
    """``"95 % KI −30 % till +6,9 %"`` (shares: ``"−3,4 till +5,5 procentenheter"``)."""
    lo = sc.fmt_display(result, result.ci_low, spec, lang=lang, unit=not sc.points(spec))
    hi = sc.fmt_display(result, result.ci_high, spec, lang=lang)
    word = " till " if lang == "sv" else " to "
    if not level:
        return f"{lo}{word}{hi}"
    lvl = f"{round(100 * result.level)}{NBSP if lang == 'sv' else ''}%"
    return (f"{lvl} KI {lo}{word}{hi}" if lang == "sv" else f"{lvl} CI {lo}{word}{hi}")


def _p_part(result: Any, lang: str) -> str:
    if _finite(result.p_adjusted):
        return ("justerat p = " if lang == "sv" else "adjusted p = ") + fmt_p(result.p_adjusted, lang=lang)
    return "p = " + fmt_p(result.p_value, lang=lang)


def _claimed_sentence(result: Any, spec: Any, label: str, sv: bool, lang: str) -> str:
    """A change that is significant (with or without the multiplicity adjustment)."""
    est = sc.fmt_display(result, result.estimate, spec, lang=lang)
    ci = _interval(result, spec, lang)
    down = result.estimate < 0
    mag = sc.fmt_display(result, abs(result.estimate), spec, lang=lang, sign=False)
    if not holds(result):
        if sv:
            return (f"{label}: tecken på en {'minskning' if down else 'ökning'} ({est}; {ci}; "
                    f"p = {fmt_p(result.p_value)}), men den är inte säkerställd när man tar hänsyn "
                    f"till att flera utfall prövats (justerat p = {fmt_p(result.p_adjusted)}).")
        return (f"{label}: signs of {'a decrease' if down else 'an increase'} ({est}; {ci}; "
                f"p = {fmt_p(result.p_value, lang='en')}), but it does not hold once several "
                f"outcomes are taken into account (adjusted p = {fmt_p(result.p_adjusted, lang='en')}).")
    verb = ("minskade" if down else "ökade") if sv else ("decreased" if down else "increased")
    if sv:
        s = (f"{label} {verb} med {mag} jämfört med den skattade utvecklingen utan löftet "
             f"({ci}; {_p_part(result, lang)}). Förändringen är statistiskt säkerställd")
    else:
        s = (f"{label} {verb} by {mag} compared with the estimated path without the promise "
             f"({ci}; {_p_part(result, lang)}). The change is statistically significant")
    direction = _direction(spec, down, sv)
    return s + (f", {direction}." if direction else ".")


def undetermined_why(result: Any, spec: Any, lang: str) -> str:
    """Why the question cannot be answered: too few offences a year, or the MDE."""
    sv = lang == "sv"
    mean = sc.few_counts(result)
    if mean is not None:
        n = fmt_number(mean, lang=lang, digits=0 if not _finite(mean) or mean >= 10 else 1)
        return (f"för få anmälda brott per år (i snitt {n})" if sv
                else f"too few reported offences a year (on average {n})")
    mde = sc.mde_display(result, spec, lang=lang)
    return (f"minsta upptäckbara effekt är {mde}, och mindre förändringar än så upptäcks oftast inte" if sv
            else f"the minimum detectable effect is {mde}, and smaller changes usually go unnoticed")


def describe_result(result: Any, spec: Any, *, lang: str = "sv") -> str:
    """One or two hedged sentences about ``result`` for indicator ``spec`` (an ``IndicatorSpec``).

    See the module docstring for the rules; the numbers quoted are those of ``result`` on the
    display scale of :mod:`.scale`.
    """
    sv = lang == "sv"
    label = spec.label_sv if sv else spec.label_en
    if not _finite(result.estimate):
        return f"{label}: " + ("kunde inte skattas." if sv else "could not be estimated.")
    if claimed(result):
        return _claimed_sentence(result, spec, label, sv, lang)
    est = sc.fmt_display(result, result.estimate, spec, lang=lang)
    ci = _interval(result, spec, lang)
    if sc.undetermined(result, spec):
        why = undetermined_why(result, spec, lang)
        if sv:
            return (f"{label}: om löftet påverkade indikatorn kan inte avgöras – {why}. Skattningen "
                    f"({est}; {ci}) kan varken visa eller utesluta en effekt av rimlig storlek.")
        return (f"{label}: whether the promise changed this indicator cannot be determined – {why}. The "
                f"estimate ({est}; {ci}) can neither show nor rule out an effect of plausible size.")
    if sv:
        if abs(result.estimate) < 1e-12:
            shape = f"skattningen är {est}"
        else:
            shape = (f"skattningen, {est}, är en {'minskning' if result.estimate < 0 else 'ökning'} "
                     "som är förenlig med slumpmässig variation")
        s = f"{label}: ingen säkerställd förändring – {shape} ({ci}; {_p_part(result, lang)})."
    else:
        shape = (f"the estimate, {est}, is {'a decrease' if result.estimate < 0 else 'an increase'} "
                 "that is compatible with random variation")
        s = f"{label}: no confirmed change – {shape} ({ci}; {_p_part(result, lang)})."
    mde = sc.mde_display(result, spec, lang=lang)
    if mde != "–":
        s += (f" Minsta upptäckbara effekt är {mde}." if sv else f" The minimum detectable effect is {mde}.")
    return s


def _direction(spec: Any, down: bool, sv: bool) -> str:
    if spec.better == "ambiguous":
        return ""
    good = (spec.better == "lower") == down
    if sv:
        return "i önskad riktning" if good else "i oönskad riktning"
    return "in the desired direction" if good else "in the undesired direction"


def ambiguity_note(spec: Any, *, lang: str = "sv") -> str:
    """The caveat for indicators that rise with police activity or trust ('' for the others)."""
    if spec.better != "ambiguous" and not spec.enforcement_driven:
        return ""
    caveats = spec.caveats_sv if lang == "sv" else spec.caveats_en
    head = "Observera" if lang == "sv" else "Note"
    label = spec.label_sv if lang == "sv" else spec.label_en
    body = caveats[0] if caveats else (
        "nivån påverkas av polisens aktivitet." if lang == "sv" else "the level moves with police activity.")
    return f"{head} ({label.lower()}): {body}"


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def summary_clause(result: Any, spec: Any, *, lang: str = "sv") -> str:
    """One short clause: the effect with its interval, or that the question cannot be determined.

    A direction word is used only when the change holds after adjustment (:func:`holds`); every
    other clause gives the numbers alone (the area's lead sentence says that nothing is confirmed).
    """
    sv = lang == "sv"
    label = _lower_first(spec.label_sv if sv else spec.label_en)
    if not _finite(result.estimate):
        return f"{label} " + ("kunde inte skattas" if sv else "could not be estimated")
    ci = _interval(result, spec, lang, level=False)
    est = sc.fmt_display(result, result.estimate, spec, lang=lang)
    if holds(result):
        down = result.estimate < 0
        mag = sc.fmt_display(result, abs(result.estimate), spec, lang=lang, sign=False)
        direction = _direction(spec, down, sv)
        if sv:
            return (f"{label} {'minskade' if down else 'ökade'} med {mag} ({ci}), säkerställt"
                    + (f" och {direction}" if direction else ""))
        return (f"{label} {'decreased' if down else 'increased'} by {mag} ({ci}), significant"
                + (f" and {direction}" if direction else ""))
    if claimed(result):  # significant alone, not after adjustment
        return f"{label} {est} ({ci}), " + ("inte säkerställt efter justering" if sv else
                                            "not significant after adjustment")
    if sc.undetermined(result, spec):
        few = sc.few_counts(result) is not None
        why = (("för få brott" if sv else "too few offences") if few
               else f"MDE {sc.mde_display(result, spec, lang=lang)}")
        return f"{label}: " + (f"om löftet gjorde skillnad kan inte avgöras ({why})" if sv else
                               f"whether the promise made a difference cannot be determined ({why})")
    return f"{label} {est} ({ci})"


def focus_area_paragraph(area: Any, pairs: Sequence[tuple[Any, Any]], *, lang: str = "sv",
                         failures: Sequence[tuple[Any, str]] = ()) -> str:
    """A short plain-language paragraph for one focus area (the report's summary).

    A verdict sentence over the area's indicators, then one clause per indicator
    (:func:`summary_clause`), then the caveat of each indicator that moves with police activity or
    trust, once.  The full hedged sentences (:func:`describe_result`) belong to section 3.

    Parameters
    ----------
    area : FocusArea
    pairs : sequence of (EffectResult, IndicatorSpec)
    failures : sequence of (IndicatorSpec, reason)
        Indicators that could not be estimated (the reason is shown in section 3).
    """
    sv = lang == "sv"
    if not pairs and not failures:
        if sv:
            return ("Fokusområdet kan inte mätas med brotts- eller trygghetsdata; det följs upp genom "
                    "aktiviteterna i avsnitt 2.")
        return "This focus area cannot be measured with crime or survey data; see the activities in section 2."
    parts = [p for p in [_area_lead(pairs, failures, sv)] if p]
    clauses = [summary_clause(r, s, lang=lang) for r, s in pairs]
    clauses += [_lower_first(s.label_sv if sv else s.label_en)
                + (" kunde inte skattas (se avsnitt 3)" if sv else " could not be estimated (see section 3)")
                for s, _ in failures]
    if clauses:
        lvl = f"{round(100 * pairs[0][0].level)}{NBSP if sv else ''}%" if pairs else ""
        head = (f"Skattad effekt ({lvl} KI)" if sv else f"Estimated effect ({lvl} CI)") if pairs else ""
        body = "; ".join(clauses)
        parts.append(f"{head}: {body}." if head else body[:1].upper() + body[1:] + ".")
    parts += _grouped_notes([s for _, s in pairs] + [s for s, _ in failures], lang=lang)
    return " ".join(parts)


def _grouped_notes(specs: Sequence[Any], *, lang: str) -> list[str]:
    """Each ambiguity caveat once, naming every indicator it concerns (drug and traffic offences
    share the police-activity caveat)."""
    by_body: dict[str, list[str]] = {}
    for spec in specs:
        note = ambiguity_note(spec, lang=lang)
        if note:
            label = (spec.label_sv if lang == "sv" else spec.label_en).lower()
            labels = by_body.setdefault(note.split("): ", 1)[1], [])
            if label not in labels:
                labels.append(label)
    head = "Observera" if lang == "sv" else "Note"
    return [f"{head} ({', '.join(labels)}): {body}" for body, labels in by_body.items()]


_STATUS_EN = {"uppfyllt": "met", "delvis": "partly met", "ej uppfyllt": "not met", "ej rapporterat": "not reported"}
STATUS_ORDER = ("uppfyllt", "delvis", "ej uppfyllt", "ej rapporterat")
_STATUS_SV = {  # (one activity, several): "1 uppfylld", "2 uppfyllda"
    "uppfyllt": ("uppfylld", "uppfyllda"), "delvis": ("delvis uppfylld", "delvis uppfyllda"),
    "ej uppfyllt": ("ej uppfylld", "ej uppfyllda"), "ej rapporterat": ("ej rapporterad", "ej rapporterade"),
}


def status_label(status: str, *, lang: str = "sv") -> str:
    """A follow-up status as a table shows it (``"ej rapporterat"`` / ``"not reported"``)."""
    return status if lang == "sv" else _STATUS_EN.get(status, status)


def status_count(status: str, n: int, *, lang: str = "sv") -> str:
    """``"1 uppfylld"``, ``"2 uppfyllda"``, ``"3 not reported"``: a count of activities with agreement."""
    if lang == "sv":
        one, many = _STATUS_SV.get(status, (status, status))
        return f"{n} {one if n == 1 else many}"
    return f"{n} {_STATUS_EN.get(status, status)}"


def activity_sentence(statuses: Any, *, lang: str = "sv") -> str:
    """`` Aktiviteter: 2 uppfyllda, 1 delvis uppfylld (av 3).`` from the follow-up statuses of one focus area."""
    values = [str(v) for v in statuses]
    if not values:
        return ""
    counts = [(s, values.count(s)) for s in STATUS_ORDER if values.count(s)]
    body = ", ".join(status_count(s, n, lang=lang) for s, n in counts)
    if lang == "sv":
        return f" Aktiviteter: {body} (av {len(values)})."
    return f" Activities: {body} (of {len(values)})."


def _area_lead(pairs: Sequence[tuple[Any, Any]], failures: Sequence[tuple[Any, str]], sv: bool) -> str:
    """A one-sentence verdict over a focus area's indicators ('' when none could be estimated)."""
    n = len(pairs) + len(failures)
    if not pairs:
        return ""
    n_claim = sum(holds(r) for r, _ in pairs)
    n_unclear = sum(sc.undetermined(r, s) for r, s in pairs)
    words = {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio"}
    if len(pairs) == 1:
        if sv:
            one = "Den indikator som kunde skattas" if failures else "Indikatorn"
            return (f"{one} visar en statistiskt säkerställd förändring." if n_claim else
                    "Osäkerheten är för stor för att avgöra om löftet gjorde skillnad." if n_unclear else
                    "Ingen säkerställd förändring under löftesperioden.")
        one = "The one indicator that could be estimated" if failures else "The indicator"
        return (f"{one} shows a statistically significant change." if n_claim else
                "The uncertainty is too large to tell whether the promise made a difference." if n_unclear else
                "No confirmed change during the promise period.")
    if sv:
        total = f"de {words.get(n, n)} indikatorerna" if n == len(pairs) else f"de {len(pairs)} indikatorer som kunde skattas"
        if n_claim == 0:
            lead = f"Ingen av {total} visar en säkerställd förändring under löftesperioden"
            if n_unclear == len(pairs):
                lead += (f"; för {'båda' if n_unclear == 2 else 'alla'} är osäkerheten för stor för att "
                         "avgöra om löftet gjorde skillnad")
            elif n_unclear:
                lead += (f"; för {words.get(n_unclear, 'en') if n_unclear > 1 else 'en'} av dem är "
                         "osäkerheten för stor för att avgöra saken")
            return lead + "."
        return (f"{words.get(n_claim, n_claim) if n_claim > 1 else 'En'} av {total} visar en statistiskt "
                "säkerställd förändring.").capitalize()
    total = f"the {len(pairs)} indicators" + ("" if n == len(pairs) else " that could be estimated")
    if n_claim == 0:
        lead = f"None of {total} shows a confirmed change during the promise period"
        if n_unclear == len(pairs):
            lead += "; for all of them the uncertainty is too large to tell whether the promise made a difference"
        elif n_unclear:
            lead += f"; for {n_unclear} of them the uncertainty is too large to tell"
        return lead + "."
    return f"{n_claim} of {total} show{'s' if n_claim == 1 else ''} a statistically significant change."


def handling_text(result: Any, lang: str) -> str:
    """How several kommuner are combined (``diagnostics["treated_handling"]``), as the report says it.

    The evaluation's English names kommuner by their Swedish word (a term of the library); the
    English report says *municipalities*.  ``""`` for a single kommun.
    """
    import re

    diag = getattr(result, "diagnostics", {}) or {}
    text = str(diag.get("treated_handling_sv" if lang == "sv" else "treated_handling", "") or "")
    if lang == "sv" or not text:
        return text
    return re.sub(r"\bkommun(er)?\b", lambda m: "municipalities" if m.group(1) else "municipality", text)


def refused_for_small_counts(why: str) -> float | None:
    """The treated kommuner's mean count a year when ``why`` is the small-count refusal
    (a :class:`~lofteeval.errors.Refusal` of a ``SmallCountsError``), else None."""
    return getattr(why, "mean_count", None)


def failure_reason(why: str, lang: str = "sv") -> str:
    """Why an indicator (or one kommun of it) could not be estimated, in the report's language.

    ``why`` is the evaluation's record of the failure, ``"ErrorClass: first clause"`` (or a reason
    already in ``lang``, such as "saknas i panelen").  The known refusals are worded for a reader
    (the small-count rule, no counts at all); any other refusal gets a plain sentence in Swedish and
    its own first clause, without the class name, in English — never an error class or code.
    """
    sv = lang == "sv"
    kind, sep, message = why.partition(": ")
    if not sep or not kind.endswith("Error"):
        return why  # already a reader's reason (e.g. the indicator is not in the panel)
    few = refused_for_small_counts(why)
    if few is not None:
        n = fmt_number(few, lang=lang, digits=1)
        return (f"för få anmälda brott per år före löftet – i snitt {n}, minst 10 behövs" if sv
                else f"too few reported offences a year before the promise – on average {n}, at least 10 needed")
    if "zero counts in the whole" in message:
        return ("inga anmälda brott under hela perioden före eller efter löftet" if sv
                else "no reported offences in the whole period before or after the promise")
    return "metoden kunde inte tillämpas på uppgifterna" if sv else message
