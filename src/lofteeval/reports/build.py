"""Assemble everything a report shows into a :class:`ReportContext` (no rendering here).

The evaluation itself is :func:`lofteeval.evaluation.evaluate_areas` (the one loop, also used by
``lofteeval evaluate``); ``build_context`` only turns its results into texts, tables and plot images.  ``build_context`` works on any ``EffectResult`` objects, so the
renderers can be tested with hand-made results.
"""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import DataError, LofteevalError
from ..harmonise.schema import is_synthetic
from ..indicators import INDICATORS, FocusArea, IndicatorSpec, focus_area, indicators_for
from . import scale as sc
from . import text as tx
from .caveats import inference_text, reason_text, technical_groups
from .followup_table import followup_table, normalise_followup
from .per_kommun import per_kommun_rows

__all__ = ["Evaluated", "IndicatorSection", "FocusSection", "ReportContext", "load_report_panel",
           "is_synthetic", "build_context", "results_frame", "followup_table"]

if TYPE_CHECKING:
    from ..evaluation import Evaluated
    from ..registry import Lofte


def __getattr__(name: str) -> Any:
    # ``Evaluated`` on first use: importing the evaluation (and the estimators' scipy.stats) is
    # a second's work that ``lofteeval report``'s own process, which only starts the kernel, skips
    if name == "Evaluated":
        from ..evaluation import Evaluated

        return Evaluated
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class IndicatorSection:
    spec: IndicatorSpec
    label: str
    sentence: str
    result: Any
    numbers: dict[str, str]
    comparison: list[dict[str, str]]
    n_comparison_more: int
    weights: list[dict[str, str]]
    plot_effect: str
    plot_placebo: str
    caveats: list[str]
    comparison_note: str = ""
    more_label: str = ""
    see: str = ""
    windows: list[dict[str, str]] = field(default_factory=list)  # löfte years / years after (--through)
    handling: str = ""  # how several kommuner are combined (the design's treated_handling)
    per_kommun: list[dict[str, str]] = field(default_factory=list)  # supplement: each kommun alone


@dataclass(frozen=True)
class FocusSection:
    id: str
    label: str
    paragraph: str
    indicators: list[IndicatorSection]
    failures: list[tuple[str, str]]
    measurable: bool


@dataclass(frozen=True)
class ReportContext:
    """Everything the HTML, PDF and Excel renderers need; all strings are raw (escaped later)."""

    lang: str
    synthetic: bool
    level: float
    lofte: Lofte
    kommun_names: list[str]
    focus: list[FocusSection]
    followup: pd.DataFrame
    followup_given: bool
    methods: list[str]
    assumptions: list[str]
    data_caveats: list[str]
    technical: list[tuple[str, list[str]]]
    provenance: dict[str, Any]
    results: pd.DataFrame
    forest_plot: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    summary: Any = None  # summary.Summary: page 1
    forest_plot_points: str = ""  # survey shares, in percentage points
    combined: str = ""  # how several kommuner are combined, said once (method section)
    lagesbild: Any = None  # lagesbild_section.LagesbildSection (needs the panel)
    diagnostics: list[Any] = field(default_factory=list)  # diagnostics_text.DiagnosticsBlock per indicator

    @property
    def t(self) -> dict[str, str]:
        return tx.T[self.lang]

    @property
    def synthetic_text(self) -> str:
        from ..plots import synthetic_text

        return synthetic_text(self.lang)


# -- data ----------------------------------------------------------------------------------
def load_report_panel(*, demo: bool = False, panel_path: str | None = None,
                      lofte_id: str | None = None) -> pd.DataFrame:
    """The synthetic demo panel (``demo=True``) or a saved tidy panel; exactly one must be chosen.

    Without ``demo`` and ``panel_path`` the project's ``data/processed/panel.parquet`` (or
    ``panel.csv``) is used; when there is none this raises ``DataError`` naming ``lofteeval data
    fetch --lofte ID`` and ``--demo`` — never the demo panel in silence.
    """
    if demo and panel_path:
        raise DataError("choose either the demo panel or panel_path, not both (got both); "
                        "drop --demo or --panel.")
    if demo:
        from ..datasets import demo_panel

        return demo_panel(seed=0)
    from ..harmonise.panel import load_panel

    if panel_path is None:
        return load_panel(default_panel_path(lofte_id))
    return load_panel(panel_path)


def default_panel_path(lofte_id: str | None = None) -> Path:
    """``data/processed/panel.parquet`` (or ``.csv``) when it exists, else one clear ``DataError``."""
    from ..config import processed_dir

    for name in ("panel.parquet", "panel.csv"):
        if (processed_dir() / name).is_file():
            return processed_dir() / name
    lid = lofte_id or "ID"
    raise DataError(
        "no panel at data/processed/panel.parquet (nor panel.csv). "
        f"Fetch the official data with `lofteeval data fetch --lofte {lid}`, pass --panel PATH, or use "
        "--demo for the synthetic demo panel (numbers for demonstration only).")


def kommun_label(code: str) -> str:
    """``"0980"`` -> ``"Gotland (0980)"``; the code alone when the name is unknown."""
    try:
        from ..harmonise.kommuner import kommun_name

        return f"{kommun_name(code)} ({code})"
    except (LofteevalError, ImportError, KeyError, ValueError):
        return str(code)


# -- results -------------------------------------------------------------------------------
def results_frame(evaluated: Evaluated, *, lang: str = "sv") -> pd.DataFrame:
    """Tidy results (``results.FRAME_COLUMNS`` + focus area and indicator label), one row per pair."""
    frames = []
    for area in evaluated.areas:
        for res, spec in evaluated.pairs.get(area, ()):
            row = res.to_frame()
            row.insert(0, "focus_area", area)
            row.insert(4, "indicator_label", spec.label_sv if lang == "sv" else spec.label_en)
            frames.append(row)
    if not frames:
        from ..results import FRAME_COLUMNS

        return pd.DataFrame(columns=["focus_area", *FRAME_COLUMNS[:3], "indicator_label", *FRAME_COLUMNS[3:]])
    return pd.concat(frames, ignore_index=True)


# -- plots ---------------------------------------------------------------------------------
def figure_uri(draw: Any, *, size: tuple[float, float] = (6.4, 3.2), dpi: int = 150,
               margins: Mapping[str, float] | None = None) -> str:
    """Call ``draw(ax)`` on a fresh Figure and return it as a PNG data URI.

    PNG at 150 dpi prints sharply at the report's 15 cm width and renders in WeasyPrint several
    times faster than SVG (whose text matplotlib writes as paths).  The PNG is RGB (the plots are
    opaque; WeasyPrint would otherwise split off an alpha mask for the PDF) and lightly compressed
    (WeasyPrint recompresses it for the PDF anyway).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=size, dpi=dpi, layout=None if margins else "constrained")
    if margins:  # fixed margins: much faster than constrained layout
        fig.subplots_adjust(**margins)
    draw(fig.add_subplot())
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=1, dpi=(dpi, dpi))
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _unit_label(spec: IndicatorSpec, lang: str) -> str:
    sv = {"per_100k": "per 100 000 invånare", "percent": "procent", "index": "index", "count": "antal"}
    en = {"per_100k": "per 100,000 inhabitants", "percent": "percent", "index": "index", "count": "count"}
    return (sv if lang == "sv" else en)[spec.unit]


# -- sections ------------------------------------------------------------------------------
_STRUCTURED = {"kommungrupp", "kommungrupp_label", "same_group", "size_ratio", "fit_rank", "requested"}


def _reason_rows(shown: pd.DataFrame, comp: pd.DataFrame, *, weighted: bool,
                 lang: str) -> tuple[list[dict[str, str]], str]:
    """One ``reason`` sentence a row; a first clause every row shares is said once in the note."""
    reasons = [reason_text(r, lang=lang) for _, r in comp.iterrows()]
    first = {r.split("; ")[0] for r in reasons}
    note = ""
    if len(comp) > 1 and len(first) == 1 and all("; " in r for r in reasons):
        shared = first.pop()
        note = (f"Alla {len(comp)} jämförelsekommuner: {shared[:1].lower() + shared[1:]}." if lang == "sv"
                else f"All {len(comp)} comparison municipalities: {shared}.")
        reasons = [r.split("; ", 1)[1] for r in reasons]
    rows = [{"kommun": kommun_label(r["_code"]), "reason": why[:1].upper() + why[1:],
             "weight": tx.fmt_number(r["_w"], lang=lang, digits=3) if weighted else ""}
            for (_, r), why in zip(shown.iterrows(), reasons)]
    return rows, note


def _structured_rows(shown: pd.DataFrame, comp: pd.DataFrame, *, weighted: bool, lang: str,
                     several: bool = False) -> tuple[list[dict[str, str]], str]:
    """Why each comparison kommun was chosen, as short columns (kommungrupp, size, pre-period rank)
    and one note that says once what the columns mean and names the kommungrupper."""
    sv = lang == "sv"
    other = " (annan)" if sv else " (other)"
    rows = [{"kommun": kommun_label(r["_code"]),
             "group": f"{r['kommungrupp']}{'' if bool(r['same_group']) else other}",
             "size": f"{tx.fmt_number(float(r['size_ratio']), lang=lang, digits=2)}\u00a0×",
             "rank": "–" if pd.isna(r["fit_rank"]) else str(int(r["fit_rank"])),
             "weight": tx.fmt_number(r["_w"], lang=lang, digits=3) if weighted else ""}
            for _, r in shown.iterrows()]
    groups = comp.drop_duplicates("kommungrupp").sort_values("kommungrupp")
    names = "; ".join(f"{g} {lab if sv else tx.KOMMUNGRUPP_EN.get(str(g), '')}".strip()
                      for g, lab in zip(groups["kommungrupp"], groups["kommungrupp_label"]))
    same = bool(comp["same_group"].all())
    n = len(comp)
    if sv:
        whose, mean = (("löfteskommunernas", "genomsnittliga folkmängd") if several else
                       ("löfteskommunens", "folkmängd"))
        who = "Valda av användaren. " if bool(comp["requested"].all()) else ""
        some = "någon av " if several else ""
        group = f"samma som {some}{whose}" if same else f"”(annan)” = en annan än {some}{whose}"
        note = (f"{who}{n} jämförelsekommuner. Kommungrupp (SKR): {names}; {group}. Storlek: kommunens "
                f"folkmängd delad med {whose} {mean}. Rang: hur nära kommunen följde {whose} utveckling "
                "åren före löftet (1 = närmast).")
    else:
        whose = "the promise municipalities'" if several else "the promise municipality's"
        who = "Named by the user. " if bool(comp["requested"].all()) else ""
        group = (f"the same as {'one of ' if several else ''}{whose}" if same else
                 f"“(other)” = not {'any of ' if several else ''}{whose}")
        note = (f"{who}{n} comparison municipalities. Municipality group (SKR): {names}; {group}. Size: the "
                f"municipality's population over {whose} {'mean ' if several else ''}population. Rank: how "
                f"closely it followed {whose} development in the years before the promise (1 = closest).")
    return rows, note


def _comparison_rows(res: Any, *, lang: str = "sv",
                     limit: int = 10) -> tuple[list[dict[str, str]], int, str, str]:
    """Comparison kommuner with why they were chosen and their synthetic weight (largest first).

    With weights only the kommuner that carry weight are listed (at least five); a reason every
    kommun shares (e.g. the kommungrupp) is said once in the returned note instead of on every row.
    """
    comp = res.comparison
    if comp is None or len(comp) == 0:
        return [], 0, "", ""
    comp = comp.assign(_code=comp["kommun"].astype(str))  # results.COMPARISON_COLUMNS
    weighted = res.weights is not None and len(res.weights) > 0
    if weighted:
        w = pd.Series(res.weights, dtype=float)
        w.index = w.index.astype(str)
        comp = comp.assign(_w=comp["_code"].map(w).fillna(0.0)).sort_values("_w", ascending=False, kind="stable")
        limit = min(12, max(5, int((comp["_w"] >= 5e-4).sum())))
    if _STRUCTURED <= set(comp.columns):
        several = len([k for k in str(res.kommun or "").split(",") if k]) > 1
        rows, note = _structured_rows(comp.head(limit), comp, weighted=weighted, lang=lang, several=several)
    else:  # a frame not made by lofteeval.design: the reason sentence as it is
        rows, note = _reason_rows(comp.head(limit), comp, weighted=weighted, lang=lang)
    rest = comp.iloc[limit:]
    zero = weighted and len(rest) and float(rest["_w"].max()) < 5e-4
    more = (("kommuner till med vikt 0" if zero else "kommuner till") if lang == "sv"
            else ("more municipalities with weight 0" if zero else "more municipalities"))
    return rows, max(0, len(comp) - limit), note, more


def _weight_rows(res: Any, *, lang: str = "sv", limit: int = 8) -> list[dict[str, str]]:
    if res.weights is None or len(res.weights) == 0:
        return []
    w = pd.Series(res.weights, dtype=float).sort_values(ascending=False)
    w = w[w > 1e-4].head(limit)
    return [{"kommun": kommun_label(str(k)), "weight": tx.fmt_number(v, lang=lang, digits=3)} for k, v in w.items()]


def _numbers(res: Any, spec: IndicatorSpec, lang: str) -> dict[str, str]:
    """The numbers table on the report's one scale (:mod:`.scale`); an absolute-scale crime or
    index result also in its own unit (``native``)."""
    bare = not sc.points(spec)  # shares: the unit (pe) is in the column header
    lo = sc.fmt_display(res, res.ci_low, spec, lang=lang, unit=bare)
    hi = sc.fmt_display(res, res.ci_high, spec, lang=lang, unit=bare)
    native = ""
    if res.scale != "relative" and not sc.points(spec):
        nlo = tx.fmt_effect(res.ci_low, scale=res.scale, lang=lang)
        nhi = tx.fmt_effect(res.ci_high, scale=res.scale, lang=lang)
        native = f"{tx.fmt_effect(res.estimate, scale=res.scale, lang=lang)} ({nlo} … {nhi})"
    return {
        "method": tx.METHOD_NAME[lang].get(res.method, res.method),
        "inference": inference_text(res, lang=lang),
        "effect": sc.fmt_display(res, res.estimate, spec, lang=lang, unit=bare),
        "unit": sc.unit_word(spec, lang=lang, short=True),
        "interval": f"{lo} … {hi}",
        "level": f"{round(100 * res.level)} %",
        "p": tx.fmt_p(res.p_value, lang=lang), "p_adj": tx.fmt_p(res.p_adjusted, lang=lang),
        "mde": sc.mde_display(res, spec, lang=lang, unit=False),
        "native": native, "native_unit": _unit_label(spec, lang) if native else "",
        "verdict": sc.VERDICT[lang][sc.verdict(res, spec)],
        "n_comparison": str(res.diagnostics.get("n_comparison", "–")),
    }


def window_rows(res: Any, period: tuple[int, int], *, lang: str) -> list[dict[str, str]]:
    """The two follow-up windows of ``res`` (see :mod:`.windows`)."""
    from .windows import window_rows as rows

    return rows(res, period, lang=lang)


def _path_unit(res: Any, spec: IndicatorSpec, lang: str) -> str:
    """The unit of the plotted path: count models (relative scale on a crime indicator) fit the
    offences themselves (summed over the kommuner), the other designs the rate or share."""
    if spec.kind == "crime" and res.scale == "relative":
        return "anmälda brott per år" if lang == "sv" else "reported offences a year"
    return _unit_label(spec, lang)


def _indicator_section(res: Any, spec: IndicatorSpec, *, lang: str, synthetic: bool,
                       period: tuple[int, int], per_kommun: list[dict[str, str]] | None = None) -> IndicatorSection:
    from .. import plots

    label = spec.label_sv if lang == "sv" else spec.label_en
    comp, more, comp_note, more_label = _comparison_rows(res, lang=lang)
    caveats = list(spec.caveats_sv if lang == "sv" else spec.caveats_en)
    warn = tx.WARNING_TEXT[lang]
    # the spec's own caveat already says why an ambiguous indicator moves (police activity or trust)
    kinds = [w.kind for w in res.warnings]
    caveats += [warn[k] for k in kinds if k in warn and k != "EnforcementDrivenWarning"]
    return IndicatorSection(
        spec=spec, label=label, sentence=tx.describe_result(res, spec, lang=lang), result=res,
        numbers=_numbers(res, spec, lang), comparison=comp, n_comparison_more=more, comparison_note=comp_note,
        more_label=more_label,
        weights=_weight_rows(res, lang=lang),
        plot_effect=figure_uri(lambda ax: plots.plot_effect(
            # the unit as a title above the axis: fixed margins never clip it, whatever the tick widths
            res, ax=ax, lang=lang, period=period, title=_path_unit(res, spec, lang), synthetic=synthetic),
            margins={"left": 0.1, "right": 0.98, "top": 0.9, "bottom": 0.27}),
        # a histogram without fine detail: 120 dpi (130 dpi in print) is enough and cheaper to draw and embed
        plot_placebo=figure_uri(lambda ax: plots.plot_placebo(res, ax=ax, lang=lang, synthetic=synthetic),
                                size=(6.4, 2.4), dpi=120, margins={"left": 0.1, "right": 0.98, "top": 0.9,
                                                          "bottom": 0.2}) if res.placebo is not None and len(res.placebo) else "",
        caveats=list(dict.fromkeys(caveats)),
        windows=window_rows(res, period, lang=lang),
        handling=tx.handling_text(res, lang),
        per_kommun=list(per_kommun or []),
    )


def _context_paragraph(area: FocusArea, *, lang: str) -> str:
    specs = indicators_for(area.id)
    labels = ", ".join((s.label_sv if lang == "sv" else s.label_en).lower() for s in specs)
    if lang == "sv":
        return (f"Problembilden tar upp {area.label_sv.lower()}. "
                + (f"Indikatorer som kan följa området: {labels}." if labels else
                   "Området kan inte mätas med brotts- eller trygghetsdata."))
    return (f"The problem picture names {area.label_en.lower()}. "
            + (f"Indicators that can follow it: {labels}." if labels else
               "The area cannot be measured with crime or survey data."))


def _focus_section(area_id: str, evaluated: Evaluated, *, lang: str, synthetic: bool,
                   period: tuple[int, int], context_only: bool = False, number: int = 0,
                   seen: dict[str, str] | None = None,
                   per_kommun: Mapping[str, list[tuple[str, Any]]] | None = None) -> FocusSection:
    """One focus area; an indicator already shown under an earlier area (``seen``: id -> section
    number) gets its sentence and numbers with a pointer there instead of repeated plots and tables."""
    area: FocusArea = focus_area(area_id)
    pairs = evaluated.pairs.get(area_id, ())
    fails = evaluated.failures.get(area_id, ())
    seen = {} if seen is None else seen
    sections = []
    for j, (r, s) in enumerate(pairs, start=1):
        if s.id in seen:
            sections.append(IndicatorSection(
                spec=s, label=s.label_sv if lang == "sv" else s.label_en, result=r,
                sentence=tx.describe_result(r, s, lang=lang), numbers=_numbers(r, s, lang), comparison=[],
                n_comparison_more=0, weights=[], plot_effect="", plot_placebo="", caveats=[], see=seen[s.id]))
        else:
            seen[s.id] = f"3.{number}.{j}"
            rows = per_kommun_rows(per_kommun[s.id], s, lang=lang) if per_kommun and s.id in per_kommun else []
            sections.append(_indicator_section(r, s, lang=lang, synthetic=synthetic, period=period, per_kommun=rows))
    return FocusSection(
        id=area_id, label=area.label_sv if lang == "sv" else area.label_en,
        paragraph=(_context_paragraph(area, lang=lang) if context_only
                   else tx.focus_area_paragraph(area, pairs, lang=lang, failures=fails)),
        indicators=sections,
        failures=[(s.label_sv if lang == "sv" else s.label_en, tx.failure_reason(why, lang)) for s, why in fails],
        measurable=area.measurable,
    )


def provenance_first_year(provenance: Mapping[str, Any]) -> int:
    """First data year from ``provenance["data_years"]`` (``"2010–2024"``); 0 when unknown."""
    years = str(provenance.get("data_years") or "")
    head = years.replace("-", "–").split("–")[0]
    return int(head) if head.isdigit() else 0


def _real_data_caveats(lofte: Any, used: list[Any], *, lang: str, provenance: Mapping[str, Any]) -> list[str]:
    """A fetched panel: the 2015 kommun-attribution break and preliminary years (sidecar vintage)."""
    out: list[str] = []
    vintage = str(provenance.get("data_vintage") or "")
    if not vintage:
        return out
    sv = lang == "sv"
    first = provenance_first_year(provenance)
    if any(s.kind == "crime" for s in used) and 0 < first < 2015 <= lofte.start_year:
        out.append("Brå ändrade 2015 hur brott knyts till kommun; åren före 2015 i förperioden ligger på en annan "
                   "nivå. Pröva gärna med förperiod från 2015." if sv else
                   "Brå changed in 2015 how offences are tied to kommuner; pre-period years before 2015 are on "
                   "another level. Consider a pre period from 2015.")
    if "preliminär" in vintage:
        out.append(f"Källa och årgång: {vintage}. Preliminära siffror kan revideras när Brå publicerar de slutliga."
                   if sv else f"Source and vintage: {vintage}. Preliminary figures may be revised when Brå "
                   "publishes the final ones.")
    return out


def data_caveats(lofte: Any, evaluated: Evaluated, *, lang: str, provenance: Mapping[str, Any]) -> list[str]:
    """Caveats raised by the data: short pre-period, small counts, COVID, NTU 2017, vintage."""
    sv = lang == "sv"
    out: list[str] = []
    warn = tx.WARNING_TEXT[lang]
    results = evaluated.results()
    kinds = {w.kind for r in results for w in r.warnings}
    n_pre = [int(r.diagnostics["n_pre"]) for r in results if "n_pre" in r.diagnostics]
    if "ShortPrePeriodWarning" in kinds or (n_pre and min(n_pre) < 5):
        out.append(warn["ShortPrePeriodWarning"])
    if "ZeroCountsWarning" in kinds:
        out.append(warn["ZeroCountsWarning"])
    if getattr(lofte, "kind", "lofte") == "problem_picture":
        if set(lofte.years) & {2020, 2021}:
            out.append("Problembilden gäller pandemiåren, då brotts- och anmälningsmönster förändrades i hela landet."
                       if sv else "The problem picture falls in the pandemic years, when crime and reporting "
                       "patterns changed across the country.")
    elif set(lofte.years) & {2020, 2021} or "CovidYearsWarning" in kinds:
        out.append(warn["CovidYearsWarning"])
    ntu_sv, ntu_en = INDICATORS["worry_crime"].caveats_sv[0], INDICATORS["worry_crime"].caveats_en[0]
    used = [s for a in evaluated.areas for _, s in evaluated.pairs.get(a, ())]
    if any(ntu_sv in s.caveats_sv for s in used) and min(lofte.years) >= 2017 > provenance_first_year(provenance):
        out.append(ntu_sv if sv else ntu_en)
    out += _real_data_caveats(lofte, used, lang=lang, provenance=provenance)
    years = provenance.get("data_years")
    if years:
        out.append((f"Dataårgång: panelen täcker {years}; senare revideringar av källorna kan ändra siffrorna."
                    if sv else f"Data vintage: the panel covers {years}; later revisions of the sources can "
                    "change the numbers."))
    return out


def build_context(lofte: Any, evaluated: Evaluated, *, lang: str = "sv", level: float = 0.95,
                  synthetic: bool = False, followup: pd.DataFrame | str | None = None,
                  provenance: Mapping[str, Any] | None = None, panel: pd.DataFrame | None = None,
                  per_kommun: Mapping[str, list[tuple[str, Any]]] | None = None,
                  pivots: Any = None) -> ReportContext:
    """Turn evaluation results into a :class:`ReportContext` for the renderers.

    ``followup`` is a follow-up table, a follow-up file path, or ``None`` (every activity then
    shows as *ej rapporterat*).  ``panel`` (optional) gives page 1 the indicators' development to
    the latest year, the lägesbild and (for a löfte) the diagnostics appendix; ``per_kommun``
    (:func:`.per_kommun.evaluate_per_kommun`) the supplement rows; ``pivots`` (optional) the
    :class:`~lofteeval.design.pivots.PanelPivots` of ``panel`` the evaluation used (shared).
    """
    from .overview import combined_text, forest_plots, indicator_label, low_power_caveats
    from .summary import build_summary

    if followup is not None and not isinstance(followup, pd.DataFrame):
        followup = followup_table(lofte, str(followup), lang=lang)
    elif followup is not None and "activity" not in followup.columns:  # a lofteeval.follow_up() frame
        followup = normalise_followup(followup)
    assert followup is None or isinstance(followup, pd.DataFrame)  # a path was read above
    prov = dict(provenance or {})
    period = (lofte.start_year, lofte.end_year)
    context_only = getattr(lofte, "kind", "lofte") == "problem_picture"
    seen: dict[str, str] = {}
    focus = [_focus_section(a, evaluated, lang=lang, synthetic=synthetic, period=period,
                            context_only=context_only, number=i, seen=seen, per_kommun=per_kommun)
             for i, a in enumerate(evaluated.areas, start=1)]
    if followup is not None:
        focus = [dataclasses.replace(f, paragraph=f.paragraph + tx.activity_sentence(
            followup.loc[followup["focus_area"] == f.id, "status"], lang=lang)) for f in focus]
    fu = followup if followup is not None else followup_table(lofte, None, lang=lang)
    results = evaluated.results()
    forest, forest_points = forest_plots(results, lang=lang, synthetic=synthetic)
    # the COVID caveat is said once in the data caveats (and once per indicator), not again here
    tech_warnings = ([w for w in low_power_caveats(r) if getattr(w, "kind", "") != "CovidYearsWarning"]
                     for r in results)
    tech = technical_groups(zip((indicator_label(r.indicator, lang) for r in results), tech_warnings),
                            lang=lang, enforcement={k: s.caveats_sv[0] for k, s in INDICATORS.items() if s.caveats_sv})
    names = [kommun_label(k) for k in lofte.kommuner]
    return ReportContext(
        lang=lang, synthetic=synthetic, level=level, lofte=lofte, kommun_names=names, focus=focus,
        followup=fu, followup_given=followup is not None,
        methods=[tx.METHOD_TEXT[lang].get(m, m) for m in sorted({r.method for r in results})],
        assumptions=list(tx.ASSUMPTIONS[lang]),
        data_caveats=data_caveats(lofte, evaluated, lang=lang, provenance=prov),
        technical=tech, provenance=prov, results=results_frame(evaluated, lang=lang), forest_plot=forest,
        summary=build_summary(lofte, evaluated, fu, lang=lang, panel=panel, followup_given=followup is not None,
                              kommun_names=names),
        forest_plot_points=forest_points, combined=combined_text(lofte, lang=lang),
        **_situation(panel, lofte, evaluated, lang=lang, synthetic=synthetic, pivots=pivots),
    )


def _situation(panel: pd.DataFrame | None, lofte: Any, evaluated: Evaluated, *, lang: str,
               synthetic: bool, pivots: Any = None) -> dict[str, Any]:
    """The lägesbild and diagnostics fields of the context (empty without a panel)."""
    if panel is None:
        return {}
    from ..design.pivots import PanelPivots
    from .diagnostics_text import diagnostics_blocks
    from .lagesbild_section import lagesbild_section

    shared = PanelPivots.of(panel, pivots)
    return {"lagesbild": lagesbild_section(panel, lofte, lang=lang, synthetic=synthetic, pivots=shared),
            "diagnostics": diagnostics_blocks(panel, lofte, evaluated, lang=lang, synthetic=synthetic,
                                              pivots=shared)}
