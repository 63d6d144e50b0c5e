"""Page 1 of a report: the one-page summary for the kommunstyrelse, in plain words.

Per focus area one block: the activities (promised, and how many the follow-up reports done), and
per indicator its development to the latest year in the panel, a verdict (:func:`.scale.verdict`:
*säkerställd minskning/ökning*, *ingen säkerställd förändring*, *kan inte avgöras*) and what the
data can detect, in words and in offences a year.  No method words: the method section explains.
A problem picture gets the same blocks without verdicts (a lägesbild, never an estimate).
Every number is on the report's one scale (:mod:`.scale`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..indicators import focus_area, indicators_for
from . import scale as sc
from ..formatting import NBSP
from .text import fmt_number, status_count

__all__ = ["SummaryRow", "SummaryBlock", "Summary", "build_summary", "treated_series", "about"]


@dataclass(frozen=True)
class SummaryRow:
    """One indicator on page 1 (all strings plain text)."""

    indicator: str
    label: str
    development: str
    unit: str = ""
    points: list[dict[str, str]] = field(default_factory=list)  # {year, value, count} per column
    verdict: str = ""  # a key of scale.VERDICT ("" for a problem picture)
    verdict_text: str = ""
    explanation: str = ""
    note: str = ""
    relative_mde: float | None = None  # the number the explanation states (tests compare it)
    mark: str = ""  # footnote mark of ``note`` (the notes are listed once under the table)


@dataclass(frozen=True)
class SummaryBlock:
    id: str
    label: str
    activities: str
    rows: list[SummaryRow]
    note: str = ""


@dataclass(frozen=True)
class Summary:
    intro: str
    blocks: list[SummaryBlock]
    legend: str
    columns: list[str] = field(default_factory=list)  # headers of the development columns
    column_years: list[str] = field(default_factory=list)  # their years (a cell of another year says so)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (mark, note) under the table
    question: str = ""  # header of the verdict column
    other_activities: str = ""
    verdicts: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dense(self) -> bool:
        """True when the page holds many rows and is set tighter so that it stays one A4 page."""
        return sum(len(b.rows) + 1 for b in self.blocks) >= DENSE_ROWS


DENSE_ROWS = 18
"""Rows (indicators and area headings) from which page 1 is set tighter (Södra Fyrbodal has 23)."""


# -- the treated series ---------------------------------------------------------------------
def treated_series(panel: pd.DataFrame | None, spec: Any, kommuner: Sequence[str]) -> pd.DataFrame:
    """Year-by-year ``value`` (and ``count`` for crime) of the löfte's kommuner taken together.

    Crime: offences and population summed over the kommuner, the rate per 100 000 recomputed (the
    value itself when a count or the population is missing); surveys: the respondent-weighted mean
    (the plain mean without respondents).  Empty without a panel or rows.
    """
    cols = ["year", "value", "count"]
    if panel is None:
        return pd.DataFrame(columns=cols)
    codes = [str(k) for k in kommuner]
    rows = panel[(panel["indicator"] == spec.id) & panel["kommun"].astype(str).isin(codes)]
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    n = rows["n"] if "n" in rows.columns else pd.Series(np.nan, index=rows.index)
    frame = rows.assign(year=rows["year"].astype(int), n=n.astype(float))
    if spec.kind == "crime":
        pop = panel[(panel["indicator"] == "population") & panel["kommun"].astype(str).isin(codes)]
        pop = pop.assign(year=pop["year"].astype(int)).groupby("year")["value"].sum(min_count=1)
        g = frame.groupby("year")
        count = g["n"].sum(min_count=1).where(g["n"].count() == g.size())
        rate = (count / pop.reindex(count.index) * 1e5).where(g.size() == len(codes))
        value = rate.fillna(g["value"].mean()) if len(codes) > 1 else g["value"].mean()
        return pd.DataFrame({"year": value.index, "value": value.to_numpy(),
                             "count": count.to_numpy()}).reset_index(drop=True)
    w = frame["n"].where(frame["n"] > 0)
    frame = frame.assign(_w=w.fillna(1.0), _wv=frame["value"] * w.fillna(1.0))
    g = frame.groupby("year")
    value = g["_wv"].sum() / g["_w"].sum()
    return pd.DataFrame({"year": value.index, "value": value.to_numpy(), "count": np.nan}).reset_index(drop=True)


def about(x: float, *, lang: str = "sv") -> str:
    """A count in round words: ``37`` -> ``"35"``, ``412`` -> ``"410"``, ``3.2`` -> ``"3"``."""
    if not np.isfinite(x):
        return "–"
    if x < 10:
        return fmt_number(max(1.0, round(x)), lang=lang, digits=0)
    if x < 100:
        return fmt_number(5 * round(x / 5), lang=lang, digits=0)
    digits = int(np.floor(np.log10(x))) - 1
    return fmt_number(round(x, -digits), lang=lang, digits=0)


def _level(v: float, spec: Any, lang: str) -> str:
    if not np.isfinite(v):
        return "–"
    digits = 2 if spec.unit == "index" else 0 if abs(v) >= 100 else 1
    return fmt_number(v, lang=lang, digits=digits)


def _unit_text(spec: Any, lang: str) -> str:
    sv = {"per_100k": " per 100 000 invånare", "percent": " procent", "index": "", "count": ""}
    en = {"per_100k": " per 100,000 inhabitants", "percent": " percent", "index": "", "count": ""}
    return (sv if lang == "sv" else en).get(spec.unit, "")


def _short_unit(spec: Any, lang: str) -> str:
    return {"per_100k": "per 100 000 inv." if lang == "sv" else "per 100,000 inhabitants"}.get(spec.unit, "")


def points_of(series: pd.DataFrame, spec: Any, years: Sequence[int], *, lang: str = "sv") -> list[dict[str, str]]:
    """One cell per year: ``{"year": "2022", "value": "831", "count": "492 brott"}`` ('' when missing)."""
    s = series.set_index("year")
    out = []
    for y in years:
        ok = y in s.index and np.isfinite(float(s.loc[y, "value"]))
        count = float(s.loc[y, "count"]) if ok else float("nan")
        word = "brott" if lang == "sv" else "offences"
        pct = (NBSP if lang == "sv" else "") + "%" if spec.unit == "percent" else ""
        out.append({"year": str(y), "value": _level(float(s.loc[y, "value"]), spec, lang) + pct if ok else "–",
                    "count": f"{fmt_number(count, lang=lang, digits=0)} {word}"
                    if ok and spec.kind == "crime" and np.isfinite(count) else ""})
    return out


def development(series: pd.DataFrame, spec: Any, years: Sequence[int], *, lang: str = "sv") -> str:
    """``"2022: 412 → 2024: 380 per 100 000 invånare (245 → 228 anmälda brott)"`` for the given
    years that are in ``series`` (first and last always; '' without data)."""
    s = series.set_index("year")
    have = [int(y) for y in years if y in s.index and np.isfinite(s.loc[y, "value"])]
    if not have:
        return ""
    have = list(dict.fromkeys(have))
    text = " → ".join(f"{y}: {_level(float(s.loc[y, 'value']), spec, lang)}" for y in have)
    text += _unit_text(spec, lang)
    counts = [float(s.loc[y, "count"]) for y in have]
    if spec.kind == "crime" and spec.unit == "per_100k" and all(np.isfinite(counts)):
        word = "anmälda brott" if lang == "sv" else "reported offences"
        text += f" ({' → '.join(fmt_number(c, lang=lang, digits=0) for c in counts)} {word})"
    return text


def _years(series: pd.DataFrame, lofte: Any, picture: bool) -> list[int]:
    """Last year before the löfte (or its first year) -> latest year; a problem picture also five years back."""
    if series.empty:
        return []
    ys = sorted(int(y) for y in series["year"])
    before = [y for y in ys if y < lofte.start_year]
    base = before[-1] if before else ys[0]
    if picture:
        early = [y for y in ys if y <= lofte.start_year - 5]
        return [early[-1] if early else ys[0], min(lofte.start_year, ys[-1]), ys[-1]]
    return [base, ys[-1]]


# -- what the data can detect, in offences a year -------------------------------------------
def mde_counts(result: Any, series: pd.DataFrame) -> float | None:
    """The relative MDE in offences a year: relative MDE × the counterfactual count of the post-period.

    The counterfactual count of a year is the observed count scaled by the path's
    counterfactual/observed ratio (the path may be in counts or in rates; the ratio is the same).
    """
    rel = result.relative_mde
    eff = result.effects
    if rel is None or series.empty or eff is None or not {"time", "observed", "counterfactual"} <= set(eff.columns):
        return None
    eff = eff.assign(time=eff["time"].astype(int))
    post = [int(y) for y in result.diagnostics.get("post_periods", ()) or eff["time"]]
    path = eff[eff["time"].isin(post)].set_index("time")
    counts = series.set_index("year")["count"].reindex(path.index).astype(float)
    ratio = (path["counterfactual"] / path["observed"]).where(path["observed"] > 0)
    cf = (counts * ratio).fillna(counts)
    level = float(cf.mean()) if cf.notna().any() else float("nan")
    return float(rel) * level if np.isfinite(level) and level > 0 else None


_SHORT_NOTE = {
    "sv": {"enforcement": "Antalet styrs till stor del av polisens egen aktivitet.",
           "trust": "Fler anmälningar kan betyda större förtroende, inte mer våld."},
    "en": {"enforcement": "The number largely follows police activity.",
           "trust": "More reports can mean more trust, not more violence."},
}


def _note(spec: Any, lang: str) -> str:
    if spec.enforcement_driven:
        return _SHORT_NOTE[lang]["enforcement"]
    return _SHORT_NOTE[lang]["trust"] if spec.better == "ambiguous" else ""


def _nominal(result: Any, spec: Any, *, lang: str) -> str:
    """A change seen on its own but not after the adjustment for several indicators, in plain words."""
    mag = sc.fmt_display(result, abs(result.estimate), spec, lang=lang, sign=False)
    down = result.estimate < 0
    if lang == "sv":
        return (f"Indikatorn rörde sig, omkring {mag} {'lägre' if down else 'högre'} än väntat, men bland "
                "flera indikatorer kan en sådan förändring uppstå av en slump.")
    return (f"The indicator moved, about {mag} {'lower' if down else 'higher'} than expected, but among several "
            "indicators such a change can arise by chance.")


def explanation(result: Any, spec: Any, series: pd.DataFrame, *, lang: str = "sv") -> str:
    """The verdict in one or two plain sentences (size of a confirmed change, or what is detectable)."""
    sv = lang == "sv"
    v = sc.verdict(result, spec)
    crime_counts = spec.kind == "crime"
    if v == "not_estimated":
        return "Se avsnitt 3." if sv else "See section 3."
    if v in ("decrease", "increase"):
        mag = sc.fmt_display(result, abs(result.estimate), spec, lang=lang, sign=False)
        word = ("lägre" if v == "decrease" else "högre") if sv else ("lower" if v == "decrease" else "higher")
        return (f"Omkring {mag} {word} än den väntade nivån utan löftet." if sv
                else f"About {mag} {word} than the level expected without the promise.")
    if v == "nominal":
        return _nominal(result, spec, lang=lang)
    if v == "undetermined" and sc.few_counts(result) is not None:
        mean = sc.few_counts(result) or float("nan")
        n = fmt_number(mean, lang=lang, digits=0) if np.isfinite(mean) else "–"
        return (f"För få anmälda brott per år (i snitt {n}) för att se en förändring." if sv
                else f"Too few reported offences a year (on average {n}) to see a change.")
    mde = sc.mde_display(result, spec, lang=lang)
    counts = mde_counts(result, series) if crime_counts else None
    if counts is not None and not sc.points(spec):
        size = (f"ca {about(counts)} anmälda brott per år ({mde})" if sv
                else f"about {about(counts, lang='en')} reported offences a year ({mde})")
    else:
        size = (f"ca {mde}" if sv else f"about {mde}")
    return (f"Förändringar mindre än {size} går inte att skilja från slumpen." if sv
            else f"Changes smaller than {size} cannot be told apart from chance.")


def _row(result: Any, spec: Any, series: pd.DataFrame, years: list[int], *, lang: str,
         failure: str = "") -> SummaryRow:
    """One indicator's row; an indicator refused for too few offences reads *kan inte avgöras* (why: the count)."""
    from .text import fmt_number, refused_for_small_counts

    label = spec.label_sv if lang == "sv" else spec.label_en
    v = sc.verdict(result, spec)
    text = explanation(result, spec, series, lang=lang)
    few = refused_for_small_counts(failure) if result is None else None
    if few is not None:
        v, n = "undetermined", fmt_number(few, lang=lang, digits=1)
        text = (f"För få anmälda brott för att pröva en förändring: i snitt {n} per år före löftet." if lang == "sv"
                else f"Too few reported offences to test a change: on average {n} a year before the promise.")
    return SummaryRow(
        indicator=spec.id, label=label, development=development(series, spec, years, lang=lang),
        unit=_short_unit(spec, lang), points=points_of(series, spec, years, lang=lang),
        verdict=v, verdict_text=sc.VERDICT[lang][v], explanation=text,
        note=_note(spec, lang), relative_mde=None if result is None or sc.points(spec) else result.relative_mde)


# -- activities -------------------------------------------------------------------------------
def activities_text(statuses: Sequence[str], *, given: bool, lang: str = "sv") -> str:
    """``"3 utlovade – 1 uppfylld, 2 ej rapporterade"``; without a follow-up file, that none is reported."""
    from .text import STATUS_ORDER

    sv = lang == "sv"
    n = len(statuses)
    if n == 0:
        return "Inga aktiviteter knutna till området." if sv else "No activities tied to this area."
    promised = (f"{n} utlovad{'e' if n != 1 else ''}" if sv else f"{n} promised")
    if not given:
        return (f"Aktiviteter: {promised}; ingen uppföljning rapporterad." if sv
                else f"Activities: {promised}; no follow-up reported.")
    counts = [status_count(s, statuses.count(s), lang=lang) for s in STATUS_ORDER if statuses.count(s)]
    return (f"Aktiviteter: {promised} – " if sv else f"Activities: {promised} – ") + ", ".join(counts) + "."


# -- the page --------------------------------------------------------------------------------
def _block_rows(area_id: str, evaluated: Any, lofte: Any, panel: pd.DataFrame | None, shown: dict[str, str],
                *, lang: str, picture: bool) -> tuple[list[SummaryRow], list[str]]:
    """Rows of one area; an indicator shown under an earlier area is only named (``also``)."""
    pairs = {s.id: (r, s) for r, s in evaluated.pairs.get(area_id, ())}
    fails = {s.id: (s, why) for s, why in evaluated.failures.get(area_id, ())}
    specs = indicators_for(area_id) if picture else [*(s for _, s in pairs.values()), *(s for s, _ in fails.values())]
    rows, also = [], []
    for spec in specs:
        label = spec.label_sv if lang == "sv" else spec.label_en
        if spec.id in shown:
            also.append(label[:1].lower() + label[1:])
            continue
        series = treated_series(panel, spec, lofte.kommuner)
        years = _years(series, lofte, picture)
        if picture:
            text = development(series, spec, years, lang=lang)
            if text:
                rows.append(SummaryRow(indicator=spec.id, label=label, development=text, note=_note(spec, lang),
                                       unit=_short_unit(spec, lang),
                                       points=points_of(series, spec, years, lang=lang)))
            else:
                continue
        else:
            rows.append(_row(pairs[spec.id][0] if spec.id in pairs else None, spec, series, years, lang=lang,
                             failure=fails[spec.id][1] if spec.id in fails else ""))
        shown[spec.id] = area_id
    return rows, also


def _also_text(also: list[str], lang: str) -> str:
    if not also:
        return ""
    return ("Också " if lang == "sv" else "Also ") + ", ".join(also) + (" (se ovan)." if lang == "sv" else " (see above).")


def build_summary(lofte: Any, evaluated: Any, followup: pd.DataFrame, *, lang: str = "sv",
                  panel: pd.DataFrame | None = None, followup_given: bool = False,
                  kommun_names: Sequence[str] = ()) -> Summary:
    """The page-1 summary of ``lofte`` (see the module docstring)."""
    picture = getattr(lofte, "kind", "lofte") == "problem_picture"
    sv = lang == "sv"
    shown: dict[str, str] = {}
    blocks = []
    status = followup.groupby("focus_area")["status"].apply(list).to_dict() if len(followup) else {}
    no_activities = not getattr(lofte, "activities", ())  # said once below, not under every area
    for area_id in evaluated.areas:
        area = focus_area(area_id)
        rows, also = _block_rows(area_id, evaluated, lofte, panel, shown, lang=lang, picture=picture)
        note = _also_text(also, lang)
        if not area.measurable:
            note = ("Området mäts inte med brotts- eller trygghetsdata; det följs upp genom aktiviteterna."
                    if sv else "This area is not measured with crime or survey data; it is followed up "
                    "through the activities.")
        acts = "" if picture or no_activities else activities_text([str(s) for s in status.get(area_id, [])],
                                                                   given=followup_given, lang=lang)
        blocks.append(SummaryBlock(id=area_id, label=area.label_sv if sv else area.label_en,
                                   activities=acts, rows=rows, note=note))
    other = [str(s) for a, ss in status.items() if a not in evaluated.areas for s in ss]
    other_text = ""
    if other and not picture:
        body = activities_text(other, given=followup_given, lang=lang).split(": ", 1)[-1]
        other_text = ("Övriga aktiviteter (samverkan, arbetssätt): " if sv else
                      "Other activities (collaboration, ways of working): ") + body
    elif not picture and no_activities and (n_targets := len(lofte.targets)):
        one = n_targets == 1
        other_text = ("Löftets aktiviteter finns inte i registret, så deras uppföljning visas inte här; "
                      f"{'det åtagande' if one else f'de {n_targets} åtaganden'} som den nationella listan "
                      "nämner står i avsnitt 2." if sv else
                      "The promise's activities are not in the registry, so their follow-up is not shown here; "
                      f"the {'commitment' if one else f'{n_targets} commitments'} the national list names "
                      f"{'is' if one else 'are'} in section 2.")
    elif not picture and no_activities:
        other_text = ("Löftets aktiviteter finns inte i registret; här visas bara indikatorerna." if sv else
                      "The promise's activities are not in the registry; only the indicators are shown here.")
    blocks, notes = _marked(blocks)
    return Summary(intro=_intro(lofte, kommun_names, lang=lang, picture=picture), blocks=blocks, notes=notes,
                   legend=_legend(lang, picture), other_activities=other_text, verdicts=not picture,
                   columns=(cols := _columns(blocks, lang, picture)),
                   column_years=(_column_years(blocks) + [""] * len(cols))[:len(cols)],
                   question="Gjorde löftet skillnad?" if sv else "Did the promise make a difference?")


def _marked(blocks: list[SummaryBlock]) -> tuple[list[SummaryBlock], list[tuple[str, str]]]:
    """Give each distinct row note a mark (``*``, ``†``, ...) so it is said once under the table."""
    import dataclasses

    marks: dict[str, str] = {}
    symbols = "*†‡§"
    out = []
    for b in blocks:
        rows = []
        for r in b.rows:
            if r.note and r.note not in marks:
                marks[r.note] = symbols[len(marks) % len(symbols)]
            rows.append(dataclasses.replace(r, mark=marks.get(r.note, "")))
        out.append(dataclasses.replace(b, rows=rows))
    return out, [(m, n) for n, m in marks.items()]


def _column_years(blocks: list[SummaryBlock]) -> list[str]:
    """The most common year of each development column."""
    from collections import Counter

    cols: list[Counter[str]] = []
    for r in (r for b in blocks for r in b.rows):
        for i, p in enumerate(r.points):
            while len(cols) <= i:
                cols.append(Counter())
            if p["value"] != "–":
                cols[i][p["year"]] += 1
    return [c.most_common(1)[0][0] if c else "" for c in cols]


def _columns(blocks: list[SummaryBlock], lang: str, picture: bool) -> list[str]:
    """Headers of the development columns (the years of the first row; each cell repeats its year)."""
    sv = lang == "sv"
    if picture:
        return ["Fem år före" if sv else "Five years before", "Problembilden" if sv else "Problem picture",
                "Senast" if sv else "Latest"]
    return ["Före löftet" if sv else "Before", "Senast" if sv else "Latest"]


def _names(kommun_names: Sequence[str], lang: str) -> str:
    parts = [n.split(" (")[0] for n in kommun_names]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + (" och " if lang == "sv" else " and ") + parts[-1]


def _intro(lofte: Any, kommun_names: Sequence[str], *, lang: str, picture: bool) -> str:
    sv = lang == "sv"
    names = _names(kommun_names, lang)
    if picture:
        return (f"En problembild beskriver läget; den är inget löfte och bedöms därför inte. Nedan visas "
                f"hur indikatorerna för {names} har utvecklats." if sv else
                f"A problem picture describes the situation; it is not a promise and is therefore not "
                f"assessed. Below is how the indicators for {names} have developed.")
    head = ("Per fokusområde: vad som lovades, hur indikatorerna utvecklats till det senaste året och om "
            "löftet gjorde skillnad." if sv else
            "Per focus area: what was promised, how the indicators developed to the latest year and whether "
            "the promise made a difference.")
    if len(kommun_names) > 1:
        head += (" Kommunerna redovisas tillsammans; varje kommun för sig finns i avsnitt 3." if sv else
                 " The municipalities are reported together; each one on its own is in section 3.")
    return head


def _legend(lang: str, picture: bool) -> str:
    if picture:
        return ("Värdena gäller hela kommunen; för anmälda brott per 100 000 invånare, för enkätfrågor andelen "
                "(procent) eller indexvärdet." if lang == "sv" else
                "The values are for the whole municipality: reported offences per 100,000 inhabitants, for "
                "survey questions the share (percent) or the index value.")
    if lang == "sv":
        return ("Säkerställd: förändringen är för stor för att vara slumpens verk, jämfört med den väntade "
                "nivån utan löftet. Kan inte avgöras: uppgifterna räcker inte för att se en förändring av "
                "rimlig storlek. Hur bedömningarna görs beskrivs i avsnittet Metod och förbehåll.")
    return ("Confirmed: the change is too large to be chance, compared with the level expected without the "
            "promise. Cannot be determined: the data cannot show a change of plausible size. The section "
            "Method and caveats describes how the assessments are made.")
