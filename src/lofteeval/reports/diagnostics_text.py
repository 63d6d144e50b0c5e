"""The diagnostics appendix in words (Swedish and English): one block per evaluated indicator.

Numbers come from :mod:`.diagnostics`; this module only words them, so that a reader without
statistics training can see why the design was chosen and how far its estimate can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..formatting import NBSP
from . import diagnostics as dg
from . import scale as sc
from . import text as tx

__all__ = ["DiagnosticsBlock", "diagnostics_blocks", "design_text", "fit_text", "placebo_time_text",
           "dropped_text", "p_floor_text", "fmt_small_p"]


@dataclass(frozen=True)
class DiagnosticsBlock:
    """One indicator's diagnostics: ``rows`` of (heading, text), an optional event-study plot."""

    label: str
    rows: list[tuple[str, str]]
    plot: str = ""
    plot_caption: str = ""
    notes: list[str] = field(default_factory=list)


HEAD = {"sv": ("Varför metoden valdes", "Anpassning före löftet", "Placebotest i tid",
               "Jämförelsekommuner som lämnades utanför", "Lägsta möjliga p-värde"),
        "en": ("Why this design", "Fit before the promise", "Placebo test in time",
               "Comparison municipalities left out", "Smallest possible p-value")}

_WHY_NOT = {
    "sv": {"several_treated": "löftet omfattar {have} kommuner och metoden kräver en enda",
           "kind": "indikatorn bygger på en enkät, och metoden används bara för anmälda brott",
           "pool": "bara {have} jämförelsekommuner fanns (minst {need} krävs)",
           "pre": "bara {have} år före löftet fanns (minst {need} krävs)"},
    "en": {"several_treated": "the promise covers {have} municipalities and the design needs exactly one",
           "kind": "the indicator comes from a survey, and the design is used for reported offences only",
           "pool": "only {have} comparison municipalities were available (at least {need} needed)",
           "pre": "only {have} years before the promise were available (at least {need} needed)"},
}

_DROP = {
    "sv": {"missing": "saknar värden något år under perioden",
           "contaminated": "med eget löfte inom samma område under perioden",
           "neighbour": "grannkommuner till löfteskommunen (risk för spridning)",
           "other_lan": "i ett annat län", "poor_fit": "följde löfteskommunen för dåligt före löftet",
           "fit_rank": "hörde inte till de bäst anpassade före löftet",
           "not_requested": "fanns inte med i den begärda listan",
           "not_similar": "i en annan kommungrupp eller av en annan storlek än löfteskommunen",
           "missing_estimator": "saknade värden något år och lämnades ute av skattningen",
           "other": "av andra skäl"},
    "en": {"missing": "missing values in some year of the window",
           "contaminated": "with their own promise in the same area during the window",
           "neighbour": "neighbours of the promise municipality (possible spillover)",
           "other_lan": "in another county",
           "poor_fit": "followed the promise municipality too poorly before the promise",
           "fit_rank": "not among the best-fitting before the promise",
           "not_requested": "not in the requested list",
           "not_similar": "in another municipality group or of another size than the promise municipality",
           "missing_estimator": "missing values in some year; left out by the estimator",
           "other": "for other reasons"},
}


def _names(codes: list[str]) -> list[str]:
    from ..harmonise.kommuner import kommuner

    ref = kommuner()
    names = dict(zip(ref["kommun"].astype(str), ref["name"].astype(str)))
    return sorted(names.get(c, c) for c in codes)


def fmt_small_p(p: float, *, lang: str) -> str:
    """A p-value floor with two significant digits: ``1/41`` -> ``"0,024"``."""
    digits = max(2, 1 - int(math.floor(math.log10(p)))) if p > 0 else 3
    return tx.fmt_number(p, lang=lang, digits=digits)


def design_text(result: Any, kind: str, *, lang: str) -> str:
    """Why the design was chosen (``method="auto"``'s rules) and how several kommuner are combined."""
    g = dg.design_grounds(result, kind)
    sv = lang == "sv"
    names = tx.METHOD_NAME[lang]
    name = names.get(result.method, result.method)
    if g["requested"]:
        out = [f"Metoden {name} valdes uttryckligen vid körningen." if sv else f"{name[:1].upper() + name[1:]} "
               "was requested explicitly for this run."]
    else:
        out = [(f"{name[:1].upper() + name[1:]} valdes automatiskt." if sv else
                f"{name[:1].upper() + name[1:]} was chosen automatically.")]
        for method, why, need, have in g["passed_over"]:
            other = names.get(method, method)
            out.append(f"{other[:1].upper() + other[1:]} användes inte: " if sv else
                       f"{other[:1].upper() + other[1:]} was not used: ")
            out[-1] += _WHY_NOT[lang][why].format(need=need, have=have) + "."
        need_pool, need_pre = g["needs"]
        if result.method == "before_after":
            out.append("Utan tillräckligt många jämförelsekommuner jämförs löfteskommunen bara med sin egen "
                       "utveckling före löftet." if sv else "Without enough comparison municipalities the "
                       "promise municipality is compared with its own development before the promise only.")
        elif need_pool and need_pre:
            out.append(f"Metoden kräver minst {need_pool} jämförelsekommuner och {need_pre} år före löftet; här "
                       f"fanns {g['n_pool']} kommuner och {g['n_pre']} år." if sv else
                       f"The design needs at least {need_pool} comparison municipalities and {need_pre} years before "
                       f"the promise; there were {g['n_pool']} municipalities and {g['n_pre']} years.")
        elif need_pool:
            out.append(f"Metoden kräver minst {need_pool} jämförelsekommuner; här fanns {g['n_pool']}." if sv
                       else f"The design needs at least {need_pool} comparison municipalities; there were {g['n_pool']}.")
    handling = tx.handling_text(result, lang)
    if handling:
        out.append(str(handling)[:1].upper() + str(handling)[1:] + ".")
    return " ".join(out)


def fit_text(result: Any, spec: Any, *, lang: str) -> str:
    """Pre-period fit: mean gap between observed and counterfactual, before and during the löfte."""
    fit = dg.pre_fit(result)
    sv = lang == "sv"
    if fit is None:
        return ("Metoden ger ingen utveckling utan löftet år för år att jämföra med." if sv else
                "The design gives no year-by-year path without the promise to compare with.")
    n = int(fit["n"])
    if spec.kind == "crime":
        before, during = fit["mape"], fit["post_gap"]
        unit = NBSP + "%" if sv else "%"
        what = "i procent av det observerade" if sv else "in percent of the observed level"
    else:
        before, during = fit["mae"], fit["post_mae"]
        unit = NBSP + ("procentenheter" if spec.unit == "percent" else "indexenheter") if sv else \
            " " + ("percentage points" if spec.unit == "percent" else "index points")
        what = ""
    digits = 2 if spec.kind != "crime" and spec.unit == "index" else 1
    b, d = tx.fmt_number(before, lang=lang, digits=digits), tx.fmt_number(during, lang=lang, digits=digits)
    if sv:
        out = (f"Under de {n} åren före löftet avvek den skattade utvecklingen utan löftet från det observerade "
               f"med i genomsnitt {b}{unit} per år{' (' + what + ')' if what else ''}; under löftesåren "
               f"är avvikelsen {d}{unit}.")
    else:
        out = (f"In the {n} years before the promise the estimated path without the promise differed from "
               f"the observed by {b}{unit} a year on average{' (' + what + ')' if what else ''}; in the "
               f"promise years the gap is {d}{unit}.")
    if not (math.isfinite(before) and math.isfinite(during)):
        return out
    if during <= 1.25 * before:
        return out + (" Avvikelsen under löftet är inte tydligt större än före – den kan vara vanlig "
                      "variation mellan åren." if sv else " The gap during the promise is not clearly larger "
                      "than before – it may be ordinary year-to-year variation.")
    return out + (" Avvikelsen under löftet är tydligt större än före." if sv else
                  " The gap during the promise is clearly larger than before.")


def placebo_time_text(outcome: Any, result: Any, spec: Any, *, lang: str) -> str:
    """The placebo-in-time re-estimate (``diagnostics.placebo_in_time``'s return) in words."""
    sv = lang == "sv"
    start = int(result.diagnostics["treatment_start"])
    if outcome == "short":
        return (f"Kan inte göras: för få år före {start} för att flytta starten två år bakåt och ändå ha "
                "minst "
                "tre år före den." if sv else f"Not possible: too few years before {start} to move the start "
                "two years back and keep at least three years before it.")
    if isinstance(outcome, str):
        return ("Kunde inte skattas på de kortare åren." if sv else "Could not be estimated on the shorter window.")
    res, fake = outcome
    # on the report's one scale (percent of the level expected without the löfte; surveys in pe)
    eff, lo, hi = (sc.fmt_display(res, v, spec, lang=lang) for v in (res.estimate, res.ci_low, res.ci_high))
    lvl = f"{round(100 * res.level)}{NBSP if sv else ''}%"
    p = tx.fmt_p(res.p_value, lang=lang)
    if sv:
        out = (f"Samma metod skattad som om löftet hade börjat {fake} i stället för {start}, med bara åren före "
               f"{start}: effekt {eff} ({lvl} KI {lo} … {hi}, p = {p}). Inget löfte fanns då, så skattningen "
               "bör ligga nära noll.")
        return out + (" Testet ger ett säkerställt utslag fast inget löfte fanns; metoden fångar här troligen "
                      "andra förändringar, och huvudresultatet ska läsas med försiktighet." if res.significant
                      else " Inget säkerställt utslag: inget tyder på att metoden hittar effekter som inte finns.")
    out = (f"The same design estimated as if the promise had started in {fake} instead of {start}, using only "
           f"the years before {start}: effect {eff} ({lvl} CI {lo} … {hi}, p = {p}). There was no promise then, "
           "so the estimate should be near zero.")
    return out + (" The test finds a significant effect although there was no promise; the design probably "
                  "picks up other changes here, so read the main result with caution." if res.significant
                  else " No significant effect: nothing suggests that the design finds effects that are not there.")


def dropped_text(groups: list[tuple[str, list[str]]], result: Any, *, lang: str) -> str:
    """How many kommuner were left out of the comparison, by reason (names when few)."""
    sv = lang == "sv"
    n_used = int(result.diagnostics.get("n_comparison", 0) or 0)
    if not groups:
        return (f"Ingen kommun lämnades utanför; alla {n_used} användes." if sv else
                f"No municipality was left out; all {n_used} were used.")
    parts = []
    for cat, codes in groups:
        listed = f" ({', '.join(_names(codes))})" if len(codes) <= 8 else ""
        parts.append(f"{len(codes)} {_DROP[lang][cat]}{listed}")
    head = (f"{n_used} kommuner användes som jämförelse. Utanför lämnades: " if sv else
            f"{n_used} municipalities were used for comparison. Left out: ")
    return head + "; ".join(parts) + "."


def p_floor_text(result: Any, *, lang: str) -> str:
    """The smallest p-value the test can give, and what it means for a significant result."""
    sv = lang == "sv"
    floor = dg.p_floor(result)
    if floor is None:
        return ("P-värdet bygger på en statistisk modell av variationen, inte på en rangordning bland "
                "jämförelsekommuner, och har därför inget sådant golv." if sv else
                "The p-value comes from a statistical model of the variation, not from a ranking among "
                "comparison municipalities, so it has no such floor.")
    p, b = floor
    alpha = 1 - result.level
    n_treated = int(result.diagnostics.get("n_treated", 1) or 1)
    what = (("jämförelsekommuner" if n_treated == 1 else "placebotilldelningar") if sv else
            ("comparison municipalities" if n_treated == 1 else "placebo assignments"))
    ps = fmt_small_p(p, lang=lang)
    who_sv = "löftets kommun jämförs" if n_treated == 1 else "löftets kommuner jämförs som grupp"
    who_en = ("the promise municipality is compared" if n_treated == 1 else
              "the promise's municipalities are compared as a group")
    if sv:
        out = (f"Med {b} {what} kan testet som lägst ge p = {ps}: {who_sv} med var och en av dem, och "
               f"p-värdet är platsen i rangordningen (som bäst 1 av {b + 1}).")
        return out + (f" Testet kan därför aldrig visa en säkerställd förändring på "
                      f"{tx.fmt_number(100 * alpha, lang=lang, digits=0)}{NBSP}%-nivån, hur stor förändringen än "
                      "är." if p >= alpha else "")
    out = (f"With {b} {what} the test can give p = {ps} at the lowest: {who_en} with each of them, and the "
           f"p-value is the place in the ranking (at best 1 of {b + 1}).")
    return out + (f" The test can therefore never show a significant change at the "
                  f"{tx.fmt_number(100 * alpha, lang=lang, digits=0)}% level, however large the change."
                  if p >= alpha else "")


def _event_caption(spec: Any, *, lang: str, n_treated: int = 1) -> str:
    unit = {"sv": ("i procent av genomsnittet åren före löftet (en pre-trendkontroll, inte effektskalan)" if spec.kind == "crime" else
                   "i procentenheter" if spec.unit == "percent" else "i indexenheter"),
            "en": ("in percent of the average of the years before the promise (a pre-trend check, not the effect "
                   "scale)" if spec.kind == "crime" else
                   "in percentage points" if spec.unit == "percent" else "in index points")}[lang]
    group = n_treated > 1
    if lang == "sv":
        return (f"{'Löftets kommuners gemensamma' if group else 'Löfteskommunens'} avvikelse från "
                f"jämförelsekommunernas utveckling år för år, {unit} (0 = samma utveckling). Bandet visar var de "
                "mittersta 90 % av jämförelsekommunerna hamnar när samma beräkning görs för var och en av dem"
                + (" (en enskild kommun varierar mer än flera tillsammans, så bandet är brett i jämförelse)"
                   if group else "") + ". Före löftet bör linjen ligga nära noll och inom bandet; en tydlig "
                "trend redan före starten talar emot antagandet om parallella trender.")
    who = "The combined gap of the promise's municipalities" if group else "The promise municipality's gap"
    return (f"{who} to the comparison municipalities' development, year by year, {unit} (0 = the same "
            "development). The band shows where the middle 90% of the comparison municipalities fall when the "
            "same calculation is made for each of them"
            + (" (a single municipality varies more than several combined, so the band is wide by comparison)"
               if group else "") + ". Before the promise the line should stay near zero and inside the band; a "
            "clear trend before the start speaks against the parallel-trends assumption.")


def _block(panel: pd.DataFrame, lofte: Any, result: Any, spec: Any, *, lang: str, synthetic: bool,
           registry: Any, excluded: pd.DataFrame | None, figure: Callable[..., str],
           pivots: Any = None) -> DiagnosticsBlock:
    from .. import plots

    head = HEAD[lang]
    rows = [(head[0], design_text(result, spec.kind, lang=lang)), (head[1], fit_text(result, spec, lang=lang)),
            (head[2], placebo_time_text(dg.placebo_in_time(panel, lofte, result, registry=registry,
                                                           pivots=pivots), result, spec, lang=lang)),
            (head[3], dropped_text(dg.dropped_counts(excluded, result), result, lang=lang)),
            (head[4], p_floor_text(result, lang=lang))]
    plot = caption = ""
    if result.method in ("did", "sdid"):
        frame = dg.event_study_frame(panel, result, kind=spec.kind, pivots=pivots)
        if frame is not None:
            start = int(result.diagnostics["treatment_start"])
            title = {"sv": "Avvikelse från jämförelsekommunerna", "en": "Gap to the comparison municipalities"}[lang]
            n_treated = int(result.diagnostics.get("n_treated", 1) or 1)
            who = None if n_treated == 1 else ("Löftets kommuner" if lang == "sv" else "The promise's municipalities")
            plot = figure(lambda ax: plots.plot_event_study(frame, ax=ax, lang=lang, start=start, ylabel=title,
                                                            treated_label=who, synthetic=synthetic),
                          size=(6.4, 2.3), dpi=100, margins={"left": 0.1, "right": 0.98, "top": 0.88,
                                                             "bottom": 0.32})
            caption = _event_caption(spec, lang=lang, n_treated=n_treated)
    return DiagnosticsBlock(label=spec.label_sv if lang == "sv" else spec.label_en, rows=rows, plot=plot,
                            plot_caption=caption)


def _excluded(panel: pd.DataFrame, lofte: Any, res: Any, spec: Any, *, registry: Any,
              pivots: Any) -> pd.DataFrame | None:
    """The kommuner the design evaluate() built left out and why (``kommun, reason``).

    :func:`lofteeval.evaluation.evaluate` keeps them in ``diagnostics["excluded"]``; a result made
    elsewhere gets the design rebuilt by the same rules (None when it cannot be).
    """
    from ..design import make_design
    from ..errors import LofteevalError

    kept = res.diagnostics.get("excluded")
    if kept is not None:
        return pd.DataFrame(list(kept), columns=["kommun", "reason"])
    post = res.diagnostics.get("post_period", ())
    try:
        return make_design(panel, lofte, spec.id, registry=registry, post_years=len(post) or None,
                           pivots=pivots).excluded
    except LofteevalError:
        return None


def diagnostics_blocks(panel: pd.DataFrame, lofte: Any, evaluated: Any, *, lang: str = "sv",
                       synthetic: bool = False, pivots: Any = None) -> list[DiagnosticsBlock]:
    """One :class:`DiagnosticsBlock` per evaluated indicator (each indicator once).

    ``pivots``: the :class:`~lofteeval.design.pivots.PanelPivots` of ``panel`` the evaluation
    used (shared; built when None).
    """
    from ..design.pivots import PanelPivots
    from ..registry.cache import cached_registry
    from .build import figure_uri

    registry = cached_registry()
    pivots = PanelPivots.of(panel, pivots)
    seen: dict[str, tuple[Any, Any]] = {}
    for area in evaluated.areas:
        for res, spec in evaluated.pairs.get(area, ()):
            seen.setdefault(spec.id, (res, spec))
    blocks = []
    for res, spec in seen.values():
        excluded = _excluded(panel, lofte, res, spec, registry=registry, pivots=pivots)
        blocks.append(_block(panel, lofte, res, spec, lang=lang, synthetic=synthetic, registry=registry,
                             excluded=excluded, figure=figure_uri, pivots=pivots))
    return blocks
