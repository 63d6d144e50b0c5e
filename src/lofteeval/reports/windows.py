"""Two follow-up windows of one result: the löfte's own years and the years after it.

With ``--through YEAR`` the post period of a design runs past the löfte's end; the report then
shows, per window, the mean observed value, the mean counterfactual and the mean difference from
the result's per-period ``effects`` (point values; the interval and p-value in the numbers table
are for the whole post period).
"""

from __future__ import annotations

from typing import Any

__all__ = ["WINDOW_NOTE", "window_rows"]

WINDOW_NOTE = {
    "sv": ("Medelvärden per år i varje fönster (observerat, kontrafaktiskt, skillnad). Intervall och "
           "p-värde ovan gäller hela uppföljningsperioden."),
    "en": ("Yearly means in each window (observed, counterfactual, difference). The interval and "
           "p-value above are for the whole follow-up period."),
}


def _span(years: list[int]) -> str:
    return f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"


def window_rows(result: Any, period: tuple[int, int], *, lang: str = "sv") -> list[dict[str, str]]:
    """Rows ``window, years, observed, counterfactual, difference`` — empty without years after the löfte."""
    from ..indicators import INDICATORS
    from . import scale as sc
    from . import text as tx

    spec = INDICATORS.get(str(result.indicator))

    post = [int(y) for y in result.diagnostics.get("post_periods", ())]
    after = [y for y in post if y > period[1]]
    eff = getattr(result, "effects", None)
    if not after or eff is None or eff.empty or not {"time", "observed", "counterfactual"} <= set(eff.columns):
        return []
    own = [y for y in post if period[0] <= y <= period[1]]
    names = {"sv": ("Löftesåren", "Åren efter löftet"), "en": ("The promise's years", "Years after the promise")}[lang]
    rows = []
    for name, years in zip(names, (own, after)):
        if not years:
            continue
        sub = eff[eff["time"].astype(int).isin(years)]
        obs, cf = float(sub["observed"].mean()), float(sub["counterfactual"].mean())
        # the report's one scale: percent of the window's counterfactual, survey shares in points
        diff = (sc.fmt_pe(obs - cf, lang=lang, sign=True) if sc.points(spec)
                else sc.fmt_pct(obs / cf - 1.0, lang=lang, sign=True) if cf else "–")
        rows.append({"window": name, "years": _span(years), "observed": tx.fmt_number(obs, lang=lang),
                     "counterfactual": tx.fmt_number(cf, lang=lang), "difference": diff})
    return rows
