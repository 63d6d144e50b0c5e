"""Technical caveats and comparison reasons in the report language.

Estimators record caveats as :class:`lofteeval.errors.Caveat` values: the English string
``"<WarningClass>: message"`` with its ``kind`` and the numbers it states (``values``).  design.py
explains each comparison kommun in English and, where available, in Swedish (``reason_sv``).  A
Swedish report must not show the English texts, so this module

- words each caveat in Swedish from its kind and its values (:func:`caveat_text`); nothing is
  parsed out of the English message;
- groups the caveats of a report by indicator, without duplicates (:func:`technical_groups`);
- gives the reason a comparison kommun was chosen (:func:`reason_text`): design.py's
  ``reason_sv`` in Swedish (a frame without it shows the English reason as it is).

A caveat of unknown kind, or a design note without a known topic, is shown as it is: a caveat is
never dropped.  English reports keep the English texts (de-duplicated and grouped the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import SYNTHETIC_DATA, Caveat
from .text import NBSP, fmt_number

__all__ = ["caveat_text", "technical_groups", "reason_text", "inference_text", "split_caveat",
           "SYNTHETIC_CLASS"]

SYNTHETIC_CLASS = SYNTHETIC_DATA
"""The caveat kind evaluation.py adds to every result on the demo panel."""

_Values = Mapping[str, Any]


def _n(x: float) -> str:
    """A number in Swedish style, about three significant digits (``137.5`` -> ``"138"``)."""
    x = float(x)
    a = abs(x)
    digits = 0 if a >= 10 or x == int(x) else 1 if a >= 1 else 2 if a >= 0.01 else 3
    return fmt_number(x, lang="sv", digits=digits)


def _join_sv(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


# -- one Swedish sentence per caveat kind, from its values -----------------------------------
def _poor_fit(v: _Values) -> str:
    head = "Före löftet följer den skattade utvecklingen inte löfteskommunen väl"
    if "share" in v and "threshold" in v:
        return (f"{head} (avvikelse före löftet {_n(100 * v['share'])}{NBSP}% av nivån; gränsen är "
                f"{_n(100 * v['threshold'])}{NBSP}%).")
    if "rmspe" not in v or "sd" not in v:
        return head + "."
    return f"{head} (avvikelse före löftet, RMSPE, {_n(v['rmspe'])} mot utfallets standardavvikelse {_n(v['sd'])})."


def _covid(v: _Values) -> str:
    years = [str(y) for y in v.get("years") or (2020, 2021)]
    noun = "covid-året" if len(years) == 1 else "covid-åren"
    return (f"Analysperioden omfattar {noun} {_join_sv(years)}, då brotts- och anmälningsmönster "
            "förändrades i hela landet.")


def _short_pre(v: _Values) -> str:
    if "n_pre" not in v or "need" not in v:
        return "Kort förperiod: få år före löftet gör jämförelsen svår att pröva."
    return (f"Kort förperiod: {v['n_pre']} år före löftet; designen behöver minst {v['need']} "
            "för att jämförelsen ska gå att pröva.")


def _few_donors(v: _Values) -> str:
    if "assignments" in v:
        return (f"Bara {v['assignments']} möjliga placebotilldelningar: minsta möjliga p-värde är "
                f"{fmt_number(float(v['min_p']), lang='sv', digits=3)}, så testet kan inte visa en "
                "säkerställd förändring och intervallet blir brett (ibland obegränsat).")
    if "comparison" in v:
        return (f"Bara {v['comparison']} jämförelsekommuner (färre än {v['need']}): "
                "permutationstestet blir grovt.")
    if "donors" in v:
        return (f"Bara {v['donors']} jämförelsekommuner: placebo-p-värdet kan inte bli lägre än "
                f"{fmt_number(float(v['min_p']), lang='sv', digits=3)}.")
    return "Få jämförelsekommuner: placebobaserade p-värden kan inte bli små."


def _zero_counts(v: _Values) -> str:
    tail = (f" (i snitt {_n(v['mean'])} per år; gränsen är {_n(v['threshold'])})"
            if "mean" in v and "threshold" in v else "")
    return ("Små tal: löfteskommunen har något år utan händelser eller få händelser per år"
            f"{tail}; kvoter och procentuella förändringar blir instabila.")


def _low_power(v: _Values) -> str:
    from .scale import fmt_pct, fmt_pe

    what = ""
    if "mde" in v and v.get("points"):  # a survey share: percentage points (the report's one scale)
        what = fmt_pe(float(v["mde"]), lang="sv", sign=False)
    elif "mde" in v and v.get("relative"):
        what = fmt_pct(float(v["mde"]), lang="sv", sign=False)
    elif "mde" in v and "share" in v:
        what = f"{_n(v['mde'])} ({fmt_pct(float(v['share']), lang='sv', sign=False)} av den skattade nivån utan löftet)"
    return ("Låg statistisk styrka: minsta upptäckbara effekt" + (f" är {what}" if what else " är stor")
            + "; mindre verkliga effekter skulle oftast inte märkas, så ett resultat utan säkerställd "
            "förändring säger lite.")


_DESIGN_SV: dict[str, Callable[[_Values], str]] = {
    "no_comparison": lambda v: (
        "Ingen jämförelsegrupp: kommunens egen historik är enda vägledningen. Regionala och "
        "nationella förändringar efter starten räknas som osäkerhet men tas inte bort, så en "
        "förändring som inte liknar kommunens tidigare svängningar tillskrivs löftet. Designen "
        "visar förändring, inte orsak."),
    "cluster": lambda v: (
        f"Klusterrobusta standardfel med {v['n_treated']} löfteskommun(er) ger för ofta falskt "
        "säkerställda resultat; permutationsbaserad osäkerhet är att föredra."),
    "small_cohorts": lambda v: (
        f"Startårskohorterna {_join_sv([str(y) for y in v['cohorts']])} har färre än {v['min_units']} "
        "kommuner; standardfelen underskattar osäkerheten."),
    "pretrend_not_computed": lambda v: (
        "Testet av trender före löftet kunde inte beräknas (för lite variation före starten)."),
    "structural_short": lambda v: (
        f"Bara {v['n_pre']} år före löftet: tillståndsmodellen behöver minst {v['need']}, så ett "
        "enklare prediktionsintervall används."),
    "level_only": lambda v: (
        f"Bara {v['n_post']} år efter starten: en ändrad trend kan inte skattas, bara en ändrad nivå."),
    "dropped_comparison": lambda v: (
        f"{v['n']} jämförelsekommuner utelämnades eftersom de saknar värden för några år."),
}


def _design(v: _Values) -> str | None:
    fn = _DESIGN_SV.get(str(v.get("topic", "")))
    return fn(v) if fn is not None else None


_SV: dict[str, Callable[[_Values], str | None]] = {
    "PoorPreFitWarning": _poor_fit, "CovidYearsWarning": _covid, "ShortPrePeriodWarning": _short_pre,
    "FewDonorsWarning": _few_donors, "ZeroCountsWarning": _zero_counts, "LowPowerWarning": _low_power,
    "DesignWarning": _design, SYNTHETIC_CLASS: lambda v: "Syntetiska data – endast för demonstration.",
}


def split_caveat(text: str) -> tuple[str, str]:
    """``"PoorPreFitWarning: pre-period ..."`` -> ``("PoorPreFitWarning", "pre-period ...")``."""
    c = Caveat.of(text)
    return c.kind, c.message


def caveat_text(text: str, *, lang: str = "sv", enforcement: Mapping[str, str] | None = None) -> str:
    """One caveat of a result in the report language.

    Parameters
    ----------
    text : Caveat or str
        As stored in ``EffectResult.warnings``; a plain ``"<WarningClass>: message"`` string has
        no values, so its Swedish sentence is the general one of its kind.
    lang : {"sv", "en"}
        English returns ``text`` unchanged.
    enforcement : mapping, optional
        Indicator id -> the Swedish caveat of that indicator, used for ``EnforcementDrivenWarning``
        (``values["indicator"]``).

    Returns
    -------
    str
        The Swedish sentence, or ``text`` itself for an unknown kind or design topic.
    """
    if lang != "sv":
        return str(text)
    c = Caveat.of(text)
    if c.kind == "EnforcementDrivenWarning":
        ind = c.values.get("indicator") or c.message.split(":")[0].strip()
        return (enforcement or {}).get(ind) or str(text)
    fn = _SV.get(c.kind)
    out = fn(c.values) if fn is not None else None
    return out or str(text)


def technical_groups(items: Iterable[tuple[str, Iterable[str]]], *, lang: str = "sv",
                     enforcement: Mapping[str, str] | None = None,
                     common_label: str | None = None) -> list[tuple[str, list[str]]]:
    """Caveats grouped by indicator label, translated and de-duplicated.

    ``items`` are ``(indicator label, warnings)`` pairs.  A caveat that every indicator shares is
    listed once, first, under ``common_label`` (default *Alla indikatorer* / *All indicators*).
    The synthetic-data note (on every result of the demo panel) is left out: every page of such a
    report already says so.
    """
    if common_label is None:
        common_label = "Alla indikatorer" if lang == "sv" else "All indicators"
    groups: dict[str, list[str]] = {}
    for label, warns in items:
        texts = [caveat_text(w, lang=lang, enforcement=enforcement) for w in warns
                 if Caveat.of(w).kind != SYNTHETIC_CLASS]
        bucket = groups.setdefault(label, [])
        bucket += [t for t in dict.fromkeys(texts) if t not in bucket]
    if len(groups) > 1:  # a caveat every indicator shares is said once, first
        shared = [t for t in next(iter(groups.values())) if all(t in g for g in groups.values())]
        if shared:
            groups = {common_label: shared, **{k: [t for t in v if t not in shared] for k, v in groups.items()}}
    return [(label, texts) for label, texts in groups.items() if texts]


# -- comparison reasons ---------------------------------------------------------------------
def reason_text(row: Mapping[str, Any], *, lang: str = "sv") -> str:
    """Why a comparison kommun was chosen, in the report language.

    The design gives every comparison kommun its reason in English (``reason``) and Swedish
    (``reason_sv``); nothing is parsed out of the English text.  A row without ``reason_sv`` (a
    frame not made by :func:`lofteeval.design.make_design`) shows its English reason as it is.
    """
    reason = str(row.get("reason", "") or "")
    if lang != "sv":  # the design's English names SKR's classification by its Swedish word
        return reason.replace(" x treated", f"{NBSP}× treated").replace("kommungrupp", "municipality group")
    given = row.get("reason_sv")
    if isinstance(given, str) and given.strip():
        return given
    return reason


# -- how the uncertainty was estimated ------------------------------------------------------
def inference_text(result: Any, *, lang: str = "sv") -> str:
    """How the interval was obtained, in the report language.

    The wording comes from :data:`lofteeval.inference.methods.INFERENCE` by the result's
    ``inference_id`` (with its ``inference_values``); a result without an id shows its own
    ``inference`` text.
    """
    from ..inference.methods import describe_inference

    fallback = str(getattr(result, "inference", "") or "") or "–"
    return describe_inference(getattr(result, "inference_id", ""), lang=lang,
                              values=getattr(result, "inference_values", None), fallback=fallback)
