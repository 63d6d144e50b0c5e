"""Technical caveats and comparison reasons in the report language.

Estimators record caveats as ``"<WarningClass>: message"`` strings in English (``errors.caveat``);
design.py explains each comparison kommun in English (``"same kommungrupp C6; population 0.58 x
treated; pre-period RMSPE rank 3"``) and, where available, in Swedish (``reason_sv``).  A Swedish
report must not show the English texts, so this module

- turns each caveat into a Swedish sentence chosen by its warning class, with the numbers parsed
  from the English message where the sentence needs them (:func:`caveat_text`);
- groups the caveats of a report by indicator, without duplicates (:func:`technical_groups`);
- gives the Swedish reason a comparison kommun was chosen (:func:`reason_text`), translated from
  the structured parts of the English reason when design.py gave none.

Unknown classes and messages that do not parse fall back to the original text: a caveat is never
dropped.  English reports keep the English texts (de-duplicated and grouped the same way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .text import NBSP, fmt_number

__all__ = ["caveat_text", "technical_groups", "reason_text", "inference_text", "SYNTHETIC_CLASS"]

SYNTHETIC_CLASS = "SyntheticData"
"""The pseudo-class evaluation.py adds to every result on the demo panel."""

_NUM = r"([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def _n(text: str) -> str:
    """A parsed number in Swedish style, about three significant digits (``"137.5"`` -> ``"138"``)."""
    x = float(text)
    a = abs(x)
    digits = 0 if a >= 10 or x == int(x) else 1 if a >= 1 else 2 if a >= 0.01 else 3
    return fmt_number(x, lang="sv", digits=digits)


def _years(text: str) -> list[int]:
    return [int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)]


def _join_sv(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


# -- one Swedish sentence per warning class -------------------------------------------------
def _poor_fit(msg: str) -> str:
    m = re.search(rf"RMSPE {_NUM}.*? is {_NUM} x the outcome's sd \({_NUM}\)", msg)
    head = "Före löftet följer den skattade utvecklingen inte löfteskommunen väl"
    if not m:
        return head + "."
    return (f"{head} (avvikelse före löftet, RMSPE, {_n(m.group(1))} mot utfallets standardavvikelse "
            f"{_n(m.group(3))}).")


def _covid(msg: str) -> str:
    years = [str(y) for y in _years(msg)] or ["2020", "2021"]
    noun = "covid-året" if len(years) == 1 else "covid-åren"
    return (f"Analysperioden omfattar {noun} {_join_sv(years)}, då brotts- och anmälningsmönster "
            "förändrades i hela landet.")


def _short_pre(msg: str) -> str:
    m = re.search(r"(\d+) pre-period.*?>= ?(\d+)", msg)
    if not m:
        return "Kort förperiod: få år före löftet gör jämförelsen svår att pröva."
    n, need = m.group(1), m.group(2)
    return (f"Kort förperiod: {n} år före löftet; designen behöver minst {need} "
            "för att jämförelsen ska gå att pröva.")


def _few_donors(msg: str) -> str:
    if m := re.search(r"only (\d+) treatment assignments.*?p-value is " + _NUM, msg):
        return (f"Bara {m.group(1)} möjliga placebotilldelningar: minsta möjliga p-värde är "
                f"{fmt_number(float(m.group(2)), lang='sv', digits=3)}, så testet kan inte visa en säkerställd förändring och intervallet "
                "blir brett (ibland obegränsat).")
    if m := re.search(r"only (\d+) comparison units \(< ?(\d+)\)", msg):
        return (f"Bara {m.group(1)} jämförelsekommuner (färre än {m.group(2)}): "
                "permutationstestet blir grovt.")
    if m := re.search(r"(\d+) donors.*?= " + _NUM, msg):
        return (f"Bara {m.group(1)} jämförelsekommuner: placebo-p-värdet kan inte bli lägre än "
                f"{fmt_number(float(m.group(2)), lang='sv', digits=3)}.")
    return "Få jämförelsekommuner: placebobaserade p-värden kan inte bli små."


def _zero_counts(msg: str) -> str:
    m = re.search(r"fewer than " + _NUM + r".*?\(mean " + _NUM + r"\)", msg)
    tail = (f" (i snitt {_n(m.group(2))} per år; gränsen är {_n(m.group(1))})" if m else "")
    return ("Små tal: löfteskommunen har något år utan händelser eller få händelser per år"
            f"{tail}; kvoter och procentuella förändringar blir instabila.")


def _low_power(msg: str) -> str:
    m = re.search(r"power is " + _NUM + r" ?%", msg)
    if m is None:
        m2 = re.search(r"power is " + _NUM + r" \(" + _NUM + r" ?% of", msg)
        what = f"{_n(m2.group(1))} ({_n(m2.group(2))}{NBSP}% av nivån före löftet)" if m2 else ""
    else:
        what = f"{_n(m.group(1))}{NBSP}%"
    return ("Låg statistisk styrka: minsta upptäckbara effekt" + (f" är {what}" if what else " är stor")
            + "; mindre verkliga effekter skulle oftast inte märkas, så ett resultat utan säkerställd "
            "förändring säger lite.")


def _design(msg: str) -> str | None:
    if msg.startswith("no comparison group"):
        return ("Ingen jämförelsegrupp: kommunens egen historik är enda vägledningen. Regionala och "
                "nationella förändringar efter starten räknas som osäkerhet men tas inte bort, så en "
                "förändring som inte liknar kommunens tidigare svängningar tillskrivs löftet. Designen "
                "visar förändring, inte orsak.")
    if m := re.match(r"cluster-robust standard errors with (\d+) treated", msg):
        return (f"Klusterrobusta standardfel med {m.group(1)} löfteskommun(er) ger för ofta falskt "
                "säkerställda resultat; permutationsbaserad osäkerhet är att föredra.")
    if m := re.match(r"single-series ITS with (\d+) annual points", msg):
        return (f"Avbruten tidsserie med {m.group(1)} årsvärden och ingen jämförelsegrupp: osäkerheten "
                "är ungefärlig och händelser efter starten tillskrivs löftet.")
    if m := re.match(r"cohort\(s\) (\[[^\]]*\]) have fewer than (\d+) units", msg):
        return (f"Startårskohorterna {_join_sv([str(y) for y in _years(m.group(1))] or [m.group(1)])} har "
                f"färre än {m.group(2)} kommuner; standardfelen underskattar osäkerheten.")
    if msg.startswith("pre-trend Wald test not computed"):
        return "Testet av trender före löftet kunde inte beräknas (för lite variation före starten)."
    return None


def _dropped(msg: str) -> str | None:
    if m := re.match(r"dropped (\d+) comparison unit", msg):
        return f"{m.group(1)} jämförelsekommuner utelämnades eftersom de saknar värden för några år."
    if m := re.match(r"dropped (\d+) row", msg):
        return f"{m.group(1)} rader utan värde utelämnades."
    return None


_SV: dict[str, Callable[[str], str | None]] = {
    "PoorPreFitWarning": _poor_fit, "CovidYearsWarning": _covid, "ShortPrePeriodWarning": _short_pre,
    "FewDonorsWarning": _few_donors, "ZeroCountsWarning": _zero_counts, "LowPowerWarning": _low_power,
    "DesignWarning": _design, "DroppedRowsWarning": _dropped,
    SYNTHETIC_CLASS: lambda msg: "Syntetiska data – endast för demonstration.",
}


def split_caveat(text: str) -> tuple[str, str]:
    """``"PoorPreFitWarning: pre-period ..."`` -> ``("PoorPreFitWarning", "pre-period ...")``."""
    head, sep, rest = str(text).partition(": ")
    if sep and re.fullmatch(r"[A-Z][A-Za-z]*", head):
        return head, rest
    return "", str(text)


def caveat_text(text: str, *, lang: str = "sv", enforcement: Mapping[str, str] | None = None) -> str:
    """One caveat string from a result in the report language.

    Parameters
    ----------
    text : str
        ``"<WarningClass>: message"`` as stored in ``EffectResult.warnings``.
    lang : {"sv", "en"}
        English returns ``text`` unchanged.
    enforcement : mapping, optional
        Indicator id -> the Swedish caveat of that indicator, used for ``EnforcementDrivenWarning``
        (whose English message starts with the indicator id).

    Returns
    -------
    str
        The Swedish sentence, or ``text`` itself for an unknown class or an unparsable message.
    """
    if lang != "sv":
        return text
    kind, msg = split_caveat(text)
    if kind == "EnforcementDrivenWarning":
        ind = msg.split(":")[0].strip()
        return (enforcement or {}).get(ind) or text
    fn = _SV.get(kind)
    out = fn(msg) if fn is not None else None
    return out or text


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
                 if split_caveat(w)[0] != SYNTHETIC_CLASS]
        bucket = groups.setdefault(label, [])
        bucket += [t for t in dict.fromkeys(texts) if t not in bucket]
    if len(groups) > 1:  # a caveat every indicator shares is said once, first
        shared = [t for t in next(iter(groups.values())) if all(t in g for g in groups.values())]
        if shared:
            groups = {common_label: shared, **{k: [t for t in v if t not in shared] for k, v in groups.items()}}
    return [(label, texts) for label, texts in groups.items() if texts]


# -- comparison reasons ---------------------------------------------------------------------
def _reason_part_sv(part: str, n_pool: int | None) -> str:
    part = part.strip()
    if part == "requested":
        return "vald av användaren"
    if m := re.fullmatch(r"same kommungrupp (\S+)", part):
        return f"samma kommungrupp ({m.group(1)})"
    if m := re.fullmatch(r"kommungrupp (\S+)", part):
        return f"kommungrupp {m.group(1)}"
    if m := re.fullmatch(r"population " + _NUM + r" x treated", part):
        return f"folkmängd {_n(m.group(1))}{NBSP}× löfteskommunens"
    if m := re.fullmatch(r"pre-period RMSPE rank (\d+)", part):
        of = f" av {n_pool}" if n_pool else ""
        return f"plats {m.group(1)}{of} i följsamhet före löftet"
    return part


def reason_text(row: Mapping[str, Any], *, lang: str = "sv", n_pool: int | None = None) -> str:
    """Why a comparison kommun was chosen, in the report language.

    Uses ``reason_sv`` for Swedish when design.py provides it; otherwise translates the parts of
    the English ``reason`` (``"same kommungrupp C6; population 0.58 x treated; pre-period RMSPE
    rank 3"``), keeping any part it does not know as it is.
    """
    reason = str(row.get("reason", "") or "")
    if lang != "sv":
        return reason.replace(" x treated", f"{NBSP}× treated")
    given = row.get("reason_sv")
    if isinstance(given, str) and given.strip():
        return given
    parts = [_reason_part_sv(p, n_pool) for p in reason.split(";") if p.strip()]
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


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
