"""Report-wide parts of the results on the report's one scale (:mod:`.scale`).

The forest plots (crime and index indicators in percent of the counterfactual, survey shares in
percentage points), the low-power caveat restated on that scale, and the sentence saying how
several kommuner are combined.
"""

from __future__ import annotations

from typing import Any

from ..indicators import INDICATORS
from . import scale as sc

__all__ = ["forest_plots", "indicator_label", "low_power_caveats", "combined_text"]


def forest_plots(results: list[Any], *, lang: str, synthetic: bool) -> tuple[str, str]:
    """The forest plots: crime and index indicators in percent of the counterfactual, survey shares
    in percentage points (never on one axis)."""
    from ..plots import plot_results

    from .build import figure_uri

    def one(group: list[Any], points: bool) -> str:
        if not group:
            return ""
        labels = [indicator_label(r.indicator, lang) for r in group]
        red = [sc.holds(r) for r in group]  # red = säkerställd, as the caption and the verdict say
        return figure_uri(lambda ax: plot_results(group, ax=ax, lang=lang, labels=labels, synthetic=synthetic,
                                                  points=points, highlight=red), size=(6.4, 1.0 + 0.5 * len(group)))

    shares = [r for r in results if r.indicator in INDICATORS and sc.points(INDICATORS[r.indicator])]
    return one([r for r in results if r not in shares], False), one(shares, True)


def indicator_label(indicator: Any, lang: str) -> str:
    spec = INDICATORS.get(str(indicator))
    return (spec.label_sv if lang == "sv" else spec.label_en) if spec else str(indicator)


def low_power_caveats(res: Any) -> tuple[Any, ...]:
    """``res.warnings`` with the low-power caveat restated on the report's one scale (:mod:`.scale`):
    the relative MDE, or percentage points for a survey share (never a percentage of a share)."""
    from ..errors import Caveat

    spec = INDICATORS.get(str(res.indicator))
    mde = sc.mde_value(res, spec) if spec is not None else None
    out = []
    for w in res.warnings:
        if getattr(w, "kind", "") == "LowPowerWarning" and spec is not None and mde is not None:
            shown = sc.mde_display(res, spec, lang="en")
            w = Caveat("LowPowerWarning", f"the minimum detectable effect at 80 % power is {shown}; smaller "
                       "true effects would usually go unnoticed, so a null result says little.",
                       {"mde": mde, "relative": not sc.points(spec), "points": sc.points(spec)})
        out.append(w)
    return tuple(out)


def combined_text(lofte: Any, *, lang: str) -> str:
    """How several kommuner are combined, said once (empty for one kommun)."""
    n = len(lofte.kommuner)
    if n < 2:
        return ""
    if lang == "sv":
        return (f"Löftet gäller {n} kommuner, som utvärderas tillsammans som ett område. Utvecklingen i "
                "sammanfattningen bygger på antal anmälda brott och folkmängd summerade över kommunerna "
                "(enkätandelar: medelvärde vägt med antalet svarande). Hur varje design slår ihop kommunerna "
                "står vid varje indikator; där finns också, som tillägg, skattningen för varje kommun för sig "
                "med samma design (utan justering för att flera utfall prövas, och med färre brott per kommun "
                "blir den osäkrare).")
    return (f"The promise covers {n} municipalities, evaluated together as one area. The development in the "
            "summary uses reported offences and population summed over the municipalities (survey shares: the "
            "mean weighted by respondents). How each design combines them is stated with each indicator, "
            "which also shows, as a supplement, the estimate for each municipality on its own with the same "
            "design (not adjusted for testing several outcomes, and less certain with fewer offences each).")
