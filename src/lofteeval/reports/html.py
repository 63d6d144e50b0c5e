"""Render a :class:`~lofteeval.reports.build.ReportContext` to one self-contained HTML file.

Templates live in ``reports/templates`` (package data).  jinja2 autoescaping is on for every
template, so text from registry or data files (titles, activity texts, notes) cannot inject markup;
plots are embedded as PNG data URIs and tables are real HTML tables.
"""

from __future__ import annotations

import functools
from typing import Any

from .build import ReportContext
from .text import T

__all__ = ["render_html"]

_STATUS_CLASS = {"uppfyllt": "uppfyllt", "delvis": "delvis", "ej uppfyllt": "ej_uppfyllt",
                 "ej rapporterat": "ej_rapporterat"}


@functools.cache
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("lofteeval.reports", "templates"),
        autoescape=True,  # every template, whatever its file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_OWNERS = {"sv": {"polisen": "polisen", "kommun": "kommunen", "both": "polis och kommun"},
           "en": {"polisen": "police", "kommun": "kommun", "both": "police and kommun"}}


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

    ids = [s.spec.id for f in c.focus for s in f.indicators]
    return citations(c.lofte if getattr(c.lofte, "source", None) else None, ids, c.provenance, lang=c.lang)


def _synthetic_summary(c: ReportContext) -> str:
    parts = [n.split(" (")[0] for n in c.kommun_names] or ["–"]
    sep = " och " if c.lang == "sv" else " and "
    names = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + sep + parts[-1]
    if c.lang == "sv":
        return ("Rapporten bygger på syntetiska data: påhittade siffror som bara visar hur metoden och "
                f"rapporten fungerar. Resultaten nedan säger ingenting om den verkliga utvecklingen i {names}.")
    return ("This report uses synthetic data: made-up numbers that only show how the method and the report "
            f"work. The results below say nothing about the real development in {names}.")


def render_html(c: ReportContext) -> str:
    """Return the report as an HTML string (UTF-8, self-contained)."""
    sv = c.lang == "sv"
    fu = c.followup.to_dict("records") if c.followup is not None else []
    owners = _OWNERS[c.lang]
    for r in fu:
        r["owner"] = owners.get(str(r.get("owner", "")), r.get("owner", ""))
        r["status_class"] = _STATUS_CLASS.get(str(r.get("status", "")), "ej_rapporterat")
    header = _css_string(c.synthetic_text) if c.synthetic else ""
    level = f"{round(100 * c.level)}"
    return _env().get_template("report.html.j2").render(
        c=c, t=T[c.lang], fu_rows=fu, header_text=header,
        source_text=_source_text(c), prov_rows=_prov_rows(c), source_rows=_source_rows(c),
        technical_label="Teknisk uppgift" if sv else "Technical",
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
            "Placebo distribution: the same method applied to every comparison kommun as if it had the "
            "löfte. The löfte kommun's estimate (red line) must stand out to count as significant."),
        more_label="kommuner till" if sv else "more kommuner",
        see_text=("Samma indikator och skattning som i avsnitt NUM, där figuren, jämförelsekommunerna och "
                  "förbehållen visas." if sv else "The same indicator and estimate as in section NUM, which "
                  "shows the plot, the comparison kommuner and the caveats."),
        synthetic_summary=_synthetic_summary(c),
        reading_guide=(
            f"Så läses siffrorna: effekten är skillnaden mellan utfallet och den skattade utvecklingen "
            f"utan löftet. {level}\u00a0% KI är ett {level}\u00a0% konfidensintervall. En förändring kallas "
            "säkerställd bara när intervallet inte omfattar noll. Justerat p tar hänsyn till att flera "
            "indikatorer prövas samtidigt. Minsta upptäckbara effekt (MDE) är den minsta förändring som "
            "analysen upptäcker med 80\u00a0% sannolikhet."
            if sv else
            f"How to read the numbers: the effect is the difference between the outcome and the estimated "
            f"path without the löfte. {level}% CI is a {level}% confidence interval. A change is called "
            "significant only when the interval excludes zero. Adjusted p accounts for testing several "
            "indicators at once. The minimum detectable effect (MDE) is the smallest change the analysis "
            "detects with 80% probability."),
        pvalue_note=(
            "Justerade p-värden tar hänsyn till att flera utfall prövas för samma löfte "
            "(Benjamini–Hochberg). En förändring kallas säkerställd bara när intervallet utesluter noll. "
            "Skattningarna visar samband i tid; andra händelser samma år kan ha påverkat utfallen."
            if sv else
            "Adjusted p-values account for testing several outcomes for the same löfte "
            "(Benjamini–Hochberg). A change is called significant only when the interval excludes zero. "
            "Estimates show associations in time; other events in the same years may have affected outcomes."),
        problem_text=(
            "Detta är en problembild, inte ett löfte: den beskriver läget inför ett löfte och "
            "utvärderas därför inte. Rapporten visar sammanhanget."
            if sv else
            "This is a problem picture, not a löfte: it describes the situation before a löfte and is "
            "therefore not evaluated. The report shows the context."),
    )


def _window_note() -> dict[str, str]:
    from .windows import WINDOW_NOTE

    return WINDOW_NOTE
