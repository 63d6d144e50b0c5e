"""Render a :class:`~lofteeval.reports.build.ReportContext` to one self-contained HTML file.

Templates live in ``reports/templates`` (package data).  jinja2 autoescaping is on for every
template, so text from registry or data files (titles, activity texts, notes) cannot inject markup;
plots are embedded as PNG data URIs and tables are real HTML tables.
"""

from __future__ import annotations

import functools
from typing import Any

from ..plots import synthetic_text
from .build import ReportContext
from .text import T

__all__ = ["render_html"]

_STATUS_CLASS = {"uppfyllt": "uppfyllt", "delvis": "delvis", "ej uppfyllt": "ej_uppfyllt",
                 "ej rapporterat": "ej_rapporterat"}


@functools.cache
def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lofteeval.reports", "templates"),
        autoescape=True,  # every template, whatever its file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


_OWNERS = {"sv": {"polisen": "polisen", "kommun": "kommunen", "both": "polis och kommun"},
           "en": {"polisen": "police", "kommun": "municipality", "both": "police and municipality"}}
_REGION_OWNERS = {"sv": {"polisen": "polisen", "kommun": "regionen", "both": "polis och region"},
                  "en": {"polisen": "police", "kommun": "region", "both": "police and region"}}
REGION_KOMMUNER = frozenset({"0980"})
"""Kommuner that are regions (Region Gotland, kommun code 0980): their owner is *regionen*."""


def owners(lofte: Any, lang: str) -> dict[str, str]:
    """Activity owner id -> the words a report shows (Gotland: *polis och region*)."""
    region = bool(set(map(str, getattr(lofte, "kommuner", ()))) & REGION_KOMMUNER)
    return (_REGION_OWNERS if region else _OWNERS)[lang]


def registry_text(text: str, lofte: Any) -> str:
    """Registry prose without the registry's own ids: ``(owner = 'both')`` dropped, focus-area ids in
    brackets dropped, activity ids replaced by the start of the activity's text."""
    import re

    from ..indicators import FOCUS_AREAS

    out = re.sub(r"\s*\(owner\s*=\s*'[^']*'\)", "", str(text))
    ids = "|".join(sorted(map(re.escape, FOCUS_AREAS), key=len, reverse=True))
    out = re.sub(rf"\((?:{ids})(?:\s*;\s*)", "(", out)
    out = re.sub(rf"\s*\((?:{ids})\)", "", out)
    for act in getattr(lofte, "activities", ()):
        words = str(act.text).split()
        short = " ".join(words[:5]) + (" …" if len(words) > 5 else "")
        out = re.sub(rf"(?<![\w-]){re.escape(str(act.id))}(?![\w-])", f"”{short}”", out)
    for other_id, title in _registry_titles().items():
        out = re.sub(rf"(?<![\w/.-]){re.escape(other_id)}(?![\w/.-])", f"”{title}”", out)
    return out


def _quoted_swedish(text: str, *, english: bool) -> Any:
    """English registry prose with its Swedish quotations marked ``lang="sv"`` (escaped HTML):
    the source's words in ``'...'`` and the activities and titles :func:`registry_text` put in
    ``”...”``.  Any other text is returned as it is."""
    if not english:
        return text
    import re

    from markupsafe import Markup, escape

    out = Markup("")
    pos = 0
    for m in re.finditer(r"'([^']+)'|”([^”]+)”", text):
        quote = m.group(1) if m.group(1) is not None else m.group(2)
        out += escape(text[pos:m.start()]) + Markup("‘<span lang=\"sv\">%s</span>’") % quote
        pos = m.end()
    return out + escape(text[pos:])


@functools.cache
def _registry_titles() -> dict[str, str]:
    """Registry id -> title (ids in registry prose are shown as the titles people know)."""
    from ..registry.cache import cached_registry

    try:
        return {str(k): str(v.title) for k, v in cached_registry().items()}
    except Exception:  # noqa: BLE001 - a registry that cannot be read leaves the prose as it is
        return {}


_PARAM_LABELS = {
    "sv": {"lofte_id": "Löfte", "demo": "Demodata", "panel_path": "Panel", "lang": "Språk", "level": "Konfidensnivå",
           "followup_path": "Uppföljningsfil", "through": "Till och med år"},
    "en": {"lofte_id": "Promise", "demo": "Demo data", "panel_path": "Panel", "lang": "Language",
           "level": "Confidence level", "followup_path": "Follow-up file", "through": "Through year"},
}


def _param_rows(c: ReportContext) -> list[tuple[str, str]]:
    """The run's parameters with labels in the report language (no code)."""
    labels = dict(_PARAM_LABELS[c.lang])
    picture = getattr(c.lofte, "kind", "lofte") == "problem_picture"
    if picture:  # nothing is estimated: no confidence level, no follow-up year
        labels["lofte_id"] = T[c.lang]["problem_picture"]
    rows = []
    for key, value in (c.provenance.get("parameters") or {}).items():
        if picture and key in ("level", "through", "followup_path"):
            continue
        if isinstance(value, bool):
            shown = T[c.lang]["yes" if value else "no"]
        elif value is None or value == "":
            shown = "–"
        elif key == "level":
            shown = f"{round(100 * float(value))}\u00a0%"
        else:
            shown = str(value)
        rows.append((labels.get(key, key), shown))
    return rows


def _css_string(text: str) -> str:
    """Text safe inside a CSS string literal in a <style> element."""
    return "".join(ch for ch in text if ch not in '"\\<>\n\r')


def _source_text(c: ReportContext) -> str:
    """The löfte text cited by publisher, title, date and address (the cache file stays in provenance)."""
    from .provenance import citations

    if not getattr(c.lofte, "source", None):
        return "–"
    return citations(c.lofte, [], {}, lang=c.lang)[0]["text"]


def _prov_rows(c: ReportContext) -> list[tuple[str, str]]:
    from .provenance import provenance_rows

    return provenance_rows(c.provenance, lang=c.lang, synthetic=c.synthetic)


def _source_rows(c: ReportContext) -> list[dict[str, str]]:
    """Every cited source of the report: the löfte text, the data, each indicator's official source."""
    from .provenance import citations

    shown = c.lagesbild.blocks if c.lagesbild else []  # a problem picture has a lägesbild and no estimates
    ids = list(dict.fromkeys([s.spec.id for f in c.focus for s in f.indicators] + [b.indicator for b in shown]))
    return citations(c.lofte if getattr(c.lofte, "source", None) else None, ids, c.provenance, lang=c.lang)


def _synthetic_summary(c: ReportContext) -> str:
    parts = [n.split(" (")[0] for n in c.kommun_names] or ["–"]
    sep = " och " if c.lang == "sv" else " and "
    names = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + sep + parts[-1]
    if c.lang == "sv":
        return (f"Syntetiska data: påhittade siffror som visar hur rapporten fungerar – de säger ingenting om "
                f"den verkliga utvecklingen i {names}.")
    return (f"Synthetic data: made-up numbers that show how the report works – they say nothing about the "
            f"real development in {names}.")


def render_html(c: ReportContext) -> str:
    """Return the report as an HTML string (UTF-8, self-contained)."""
    sv = c.lang == "sv"
    from markupsafe import Markup

    from .text import status_label

    fu = c.followup.to_dict("records") if c.followup is not None else []
    words = owners(c.lofte, c.lang)
    for r in fu:
        r["owner"] = words.get(str(r.get("owner", "")), r.get("owner", ""))
        r["status_class"] = _STATUS_CLASS.get(str(r.get("status", "")), "ej_rapporterat")
        r["status_text"] = status_label(str(r.get("status", "")), lang=c.lang)
    header = _css_string(c.synthetic_text) if c.synthetic else ""
    level = f"{round(100 * c.level)}"
    lf = c.lofte  # an English report shows the entry's English texts where it has them
    swedish = Markup(' lang="sv"')  # on registry text an English report quotes in Swedish
    english_assumptions = not sv and bool(lf.assumptions_en)
    return _env().get_template("report.html.j2").render(
        c=c, t=T[c.lang], fu_rows=fu, header_text=header,
        source_text=_source_text(c), prov_rows=_prov_rows(c), source_rows=_source_rows(c),
        technical_label="Teknisk uppgift" if sv else "Technical",
        sv_attr="" if sv else swedish,
        assumptions=[_quoted_swedish(registry_text(a, lf), english=english_assumptions)
                     for a in lf.assumptions_in(c.lang)],
        assumptions_attr="" if sv or english_assumptions else swedish,
        notes=registry_text(lf.notes_in(c.lang), lf),
        notes_attr="" if sv or lf.notes_en else swedish,
        targets=list(lf.targets_in(c.lang)),
        targets_attr="" if sv or lf.targets_en else swedish,
        param_rows=_param_rows(c),
        synthetic_sv=synthetic_text("sv"),
        **_result_texts(sv, level),
        forest_caption=(f"Skattade effekter med {level}\u00a0% konfidensintervall; röda = säkerställda."
                        if sv else f"Estimated effects with {level}% confidence intervals; red = significant."),
        inference_label="Osäkerhet skattad med" if sv else "Uncertainty from",
        window_note=_window_note(),
        mde_note=("MDE = minsta effekt som upptäcks med 80\u00a0% sannolikhet." if sv
                  else "MDE = smallest effect detected with 80% probability."),
        placebo_caption=(
            "Placebofördelning: samma metod använd på varje jämförelsekommun som om den haft löftet. "
            "Löfteskommunens skattning (röd linje) måste sticka ut för att räknas som säkerställd."
            if sv else
            "Placebo distribution: the same method applied to every comparison municipality as if it had the "
            "promise. The promise municipality's estimate (red line) must stand out to count as significant."),
        more_label="kommuner till" if sv else "more municipalities",
        see_text=("Samma indikator och skattning som i avsnitt NUM, där figuren, jämförelsekommunerna och "
                  "förbehållen visas." if sv else "The same indicator and estimate as in section NUM, which "
                  "shows the plot, the comparison municipalities and the caveats."),
        synthetic_summary=_synthetic_summary(c),
        reading_guide=(
            f"Så läses siffrorna: effekten är skillnaden mellan utfallet och den skattade utvecklingen "
            f"utan löftet. {level}\u00a0% KI är ett {level}\u00a0% konfidensintervall. En förändring kallas "
            f"säkerställd bara när intervallet inte omfattar noll och justerat p är under {_alpha(c.level, sv)}. "
            "Justerat p tar hänsyn till att flera indikatorer prövas samtidigt. Minsta upptäckbara effekt "
            "(MDE) är den minsta förändring som analysen upptäcker med 80\u00a0% sannolikhet."
            if sv else
            f"How to read the numbers: the effect is the difference between the outcome and the estimated "
            f"path without the promise. {level}% CI is a {level}% confidence interval. A change is called "
            f"significant only when the interval excludes zero and adjusted p is below {_alpha(c.level, sv)}. "
            "Adjusted p accounts for testing several indicators at once. The minimum detectable effect (MDE) "
            "is the smallest change the analysis detects with 80% probability."),
        pvalue_note=_pvalue_note(sv, c.level),
        problem_text=(
            "Detta är en problembild, inte ett löfte: den beskriver läget inför ett löfte och "
            "bedöms därför inte. Rapporten visar hur indikatorerna har utvecklats."
            if sv else
            "This is a problem picture, not a promise: it describes the situation before a promise and is "
            "therefore not assessed. The report shows how the indicators have developed."),
    )


def _alpha(level: float, sv: bool) -> str:
    """``1 - level`` as the text writes it: ``"0,05"`` / ``"0.05"``."""
    text = f"{1 - level:.3f}".rstrip("0")
    return text.replace(".", ",") if sv else text


def _pvalue_note(sv: bool, level: float) -> str:
    """The method section's paragraph on p-values: the adjustment, the verdict's rule, the floor."""
    alpha = _alpha(level, sv)
    if sv:
        return ("Justerade p-värden tar hänsyn till att flera utfall prövas för samma löfte "
                "(Benjamini–Hochberg); en indikator som hör till flera fokusområden räknas en gång. En förändring "
                f"kallas säkerställd när intervallet utesluter noll och det justerade p-värdet är under "
                f"{alpha}. p-värdet kommer från en jämförelse av löfteskommunens skattning med "
                "samma beräkning för jämförelsekommunerna och kan aldrig bli mindre än 1 delat med antalet "
                "jämförelser (bilagan anger denna gräns för varje indikator). När bara en indikator sticker ut "
                "blir dess justerade p-värde så många gånger större som antalet prövade indikatorer: med en "
                "kommun, 70 jämförelsekommuner och fem indikatorer minst 5/71 ≈ 0,07, och då kan den "
                "förändringen inte bli säkerställd, hur stor den än är. Skattningarna visar samband i tid; andra "
                "händelser samma år kan ha påverkat utfallen.")
    return ("Adjusted p-values account for testing several outcomes for the same promise (Benjamini–Hochberg); "
            "an indicator that belongs to several focus areas counts once. A change is called significant when "
            f"the interval excludes zero and the adjusted p-value is below {alpha}. The p-value compares the "
            "promise municipality's estimate with the same calculation for the comparison municipalities and "
            "can never be smaller than 1 divided by the number of comparisons (the appendix gives this floor "
            "for each indicator). When only one indicator stands out, its adjusted p-value is its p-value times "
            "the number of indicators: with one municipality, 70 comparison municipalities and five indicators "
            "at least 5/71 ≈ 0.07, and then that change cannot be significant, however large. Estimates show "
            "associations in time; other events in the same years may have affected outcomes.")


def _result_texts(sv: bool, level: str) -> dict[str, str]:
    """Captions and notes of section 3 and the one definition of the scale (method section)."""
    from .scale import LARGE_MDE, LARGE_MDE_POINTS

    big, big_pe = round(100 * LARGE_MDE), f"{LARGE_MDE_POINTS:g}"
    if sv:
        return {
            "forest_caption_points": (f"Enkätandelar: skattade effekter i procentenheter med {level}\u00a0% "
                                      "konfidensintervall; röda = säkerställda."),
            "scale_note": "Procent = andel av den skattade nivån utan löftet under uppföljningsåren.",
            "scale_note_points": "Effekt, intervall och MDE i procentenheter (pe).",
            "handling_label": "Så slås kommunerna ihop", "verdict_label": "Bedömning",
            "per_kommun_label": "Tillägg: varje kommun för sig",
            "per_kommun_note": ("Tillägg, inte huvudresultat: samma design med en kommun i taget som löfteskommun "
                                "och löftets övriga kommuner utanför jämförelsegruppen. Inte justerat för att "
                                "flera utfall prövas; med färre brott per kommun är skattningarna osäkrare."),
            "scale_heading": "En skala i hela rapporten", "combined_heading": "Flera kommuner",
            "scale_definition": (
                "Alla relativa tal – effekt, intervall och minsta upptäckbara effekt (MDE) – är procent av den "
                "skattade nivån utan löftet (den kontrafaktiska utvecklingen), i genomsnitt över de utvärderade "
                "åren efter starten. Samma definition gäller i sammanfattningen, texterna, tabellerna, "
                "figurerna och arbetsboken. Enkätandelar anges alltid i procentenheter (pe), aldrig i procent. "
                "Om löftet gjorde "
                f"skillnad sägs inte kunna avgöras när MDE är minst {big}\u00a0% (enkätandelar: minst "
                f"{big_pe.replace('.', ',')} procentenheter) eller när det anmäls för få brott per år."),
        }
    return {
        "forest_caption_points": (f"Survey shares: estimated effects in percentage points with {level}% "
                                  "confidence intervals; red = significant."),
        "scale_note": "Percent = share of the estimated level without the promise in the follow-up years.",
        "scale_note_points": "Effect, interval and MDE in percentage points (pp).",
        "handling_label": "How the municipalities are combined", "verdict_label": "Assessment",
        "per_kommun_label": "Supplement: each municipality on its own",
        "per_kommun_note": ("A supplement, not the main result: the same design with one municipality at a time "
                            "as the promise municipality and the promise's other municipalities left out of the "
                            "comparison group. Not adjusted for testing several outcomes; with fewer offences "
                            "each, the estimates are less certain."),
        "scale_heading": "One scale throughout the report", "combined_heading": "Several municipalities",
        "scale_definition": (
            "Every relative number – effect, interval and minimum detectable effect (MDE) – is a percentage of "
            "the estimated level without the promise (the counterfactual), averaged over the evaluated years "
            "after the start. The same definition holds in the summary, the texts, the tables, the figures and "
            "the workbook. "
            "Survey shares are always in percentage points (pp), never in percent. Whether the promise made a "
            f"difference is said to be undeterminable when the MDE is at least {big}% (survey shares: at least "
            f"{big_pe} percentage points) or when too few offences are reported a year."),
    }


def _window_note() -> dict[str, str]:
    from .windows import WINDOW_NOTE

    return WINDOW_NOTE
