"""Hedging rules of the report text (see lofteeval.reports.text)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofteeval.indicators import FOCUS_AREAS, INDICATORS
from lofteeval.reports import text as tx

from .fakes import make_result

LOWER = INDICATORS["reported_residential_burglary"]  # better = "lower"
AMBIG = INDICATORS["reported_drug_offences"]  # better = "ambiguous", enforcement driven
CLAIM_WORDS = ("minskade", "ökade")
HEDGE = " som är förenlig med slumpmässig variation"


def assert_no_claim(sentence: str) -> None:
    low = sentence.lower()
    for word in CLAIM_WORDS:
        assert word not in low, sentence
    # a direction may only be named together with the hedge
    for m in re.finditer(r"(minskning|ökning)", low):
        assert low[m.end():].startswith(HEDGE), sentence
    assert "ingen säkerställd förändring" in low or "kan inte avgöras" in low, sentence


@settings(max_examples=150, deadline=None)
@given(est=st.floats(-0.6, 0.6), half=st.floats(0.001, 0.8), shift=st.floats(0.0, 1.0),
       p=st.floats(0.0, 1.0), mde=st.one_of(st.none(), st.floats(0.01, 0.9)))
def test_no_claim_when_interval_spans_zero(est, half, shift, p, mde):
    lo = -half * shift - 1e-6
    hi = half * (1 - shift) + 1e-6
    est = min(max(est, lo), hi)
    res = make_result(est, lo, hi, p, indicator=LOWER.id, mde=mde)
    assert_no_claim(tx.describe_result(res, LOWER, lang="sv"))


def test_no_claim_when_p_disagrees_with_interval():
    # interval excludes zero but p >= 0.05: still not claimed
    res = make_result(-0.2, -0.3, -0.1, 0.20, indicator=LOWER.id, mde=0.1)
    assert_no_claim(tx.describe_result(res, LOWER, lang="sv"))


def test_significant_decrease_says_so_with_interval():
    res = make_result(-0.18, -0.30, -0.06, 0.004, indicator=LOWER.id, p_adjusted=0.01)
    s = tx.describe_result(res, LOWER, lang="sv")
    assert "minskade med 18\u00a0%" in s
    assert "95\u00a0% KI \u221230\u00a0% till \u22126,0\u00a0%" in s
    assert "justerat p = 0,01" in s
    assert "statistiskt säkerställd" in s and "i önskad riktning" in s


def test_significant_increase_of_lower_is_undesired():
    res = make_result(0.3, 0.1, 0.5, 0.01, indicator=LOWER.id)
    s = tx.describe_result(res, LOWER, lang="sv")
    assert "ökade med 30\u00a0%" in s and "i oönskad riktning" in s


def test_significant_but_not_after_adjustment():
    res = make_result(-0.2, -0.35, -0.05, 0.03, indicator=LOWER.id, p_adjusted=0.12)
    s = tx.describe_result(res, LOWER, lang="sv")
    assert "minskade" not in s and "inte säkerställd" in s and "justerat p = 0,12" in s


def test_large_mde_cannot_be_determined():
    res = make_result(-0.1, -0.4, 0.3, 0.5, indicator=LOWER.id, mde=0.35)
    s = tx.describe_result(res, LOWER, lang="sv")
    assert "kan inte avgöras – minsta upptäckbara effekt är 35\u00a0%" in s and s.startswith("Anmälda bostadsinbrott: om löftet")


def test_absolute_scale_mde_relative_to_level():
    # counterfactual level ~ 116-120, mde 40 absolute -> ~34 % relative: cannot be determined
    res = make_result(-5.0, -30.0, 20.0, 0.6, indicator=LOWER.id, scale="absolute", mde=40.0)
    s = tx.describe_result(res, LOWER, lang="sv")
    eff = res.effects
    base = float(eff.loc[eff["time"] >= 2020, "counterfactual"].abs().mean())  # the post-period counterfactual
    assert res.relative_mde == pytest.approx(40.0 / base)
    # one scale: the absolute effect and MDE are stated relative to the counterfactual level
    want = f"{round(100 * 40.0 / base)}\u00a0%"
    assert "om löftet påverkade indikatorn kan inte avgöras" in s and f"minsta upptäckbara effekt är {want}" in s
    assert f"{tx.fmt_number(100 * -5.0 / base, digits=1)}\u00a0%" in s


def test_ambiguous_indicator_gets_its_caveat():
    res = make_result(0.25, 0.08, 0.45, 0.01, indicator=AMBIG.id)
    par = tx.focus_area_paragraph(FOCUS_AREAS["narkotika"], [(res, AMBIG)], lang="sv")
    assert AMBIG.caveats_sv[0] in par
    assert "önskad riktning" not in par  # no direction verdict for ambiguous indicators
    par_lower = tx.focus_area_paragraph(FOCUS_AREAS["inbrott"], [(res, LOWER)], lang="sv")
    assert "Observera" not in par_lower


def test_english_hedge():
    res = make_result(-0.08, -0.25, 0.10, 0.40, indicator=LOWER.id)
    s = tx.describe_result(res, LOWER, lang="en")
    assert "no confirmed change" in s and "decreased" not in s


def test_unmeasurable_area_paragraph():
    par = tx.focus_area_paragraph(FOCUS_AREAS["psykisk_ohalsa"], [], lang="sv")
    assert "kan inte mätas" in par


@pytest.mark.parametrize(("x", "lang", "want"), [
    (-0.184, "sv", "\u221218\u00a0%"), (0.052, "sv", "+5,2\u00a0%"), (0.052, "en", "+5.2%"),
])
def test_fmt_effect_relative(x, lang, want):
    assert tx.fmt_effect(x, scale="relative", lang=lang) == want


def test_fmt_p():
    assert tx.fmt_p(0.0004) == "<\u00a00,001"
    assert tx.fmt_p(0.0312) == "0,03"
    assert tx.fmt_p(None) == "–"


def test_area_lead_counts_indicators_without_claiming():
    from lofteeval.indicators import focus_area

    null = make_result(-0.05, -0.30, 0.20, 0.60, indicator=LOWER.id, mde=0.4)
    par = tx.focus_area_paragraph(focus_area("inbrott"), [(null, LOWER), (null, LOWER)], lang="sv")
    assert par.startswith("Ingen av de två indikatorerna visar en säkerställd förändring")
    assert "för båda är osäkerheten för stor" in par
    one = tx.focus_area_paragraph(focus_area("inbrott"), [(null, LOWER)], lang="sv")
    assert not one.startswith("Ingen av")  # a single indicator needs no summary sentence
    sig = make_result(-0.18, -0.30, -0.06, 0.004, indicator=LOWER.id, p_adjusted=0.01)
    par = tx.focus_area_paragraph(focus_area("inbrott"), [(sig, LOWER), (null, LOWER)], lang="sv")
    assert par.startswith("En av de två indikatorerna visar en statistiskt säkerställd förändring")


def _trygghet_pairs(p: float = 0.5, p_adjusted: float | None = None):
    from lofteeval.indicators import indicators_for

    specs = indicators_for("trygghet")  # seven indicators
    mdes = [0.10, 0.40, 0.20, 0.50, 0.30, 0.10, 0.15]
    ests = [-0.10, -0.05, 0.0, 0.02, 0.05, 0.08, 0.12]
    return [(make_result(e, e - 0.2, e + 0.25, p, indicator=s.id, mde=m, p_adjusted=p_adjusted), s)
            for s, e, m in zip(specs, ests, mdes)]


def test_compact_summary_is_one_short_paragraph_per_area():
    from lofteeval.indicators import focus_area

    pairs = _trygghet_pairs()
    par = tx.focus_area_paragraph(focus_area("trygghet"), pairs, lang="sv")
    full = " ".join(tx.describe_result(r, s, lang="sv") for r, s in pairs)
    # a verdict sentence plus one clause per indicator: at most ~110 characters per indicator
    assert len(par) <= 160 + 110 * len(pairs), len(par)
    assert len(par) < 0.5 * len(full)
    assert par.startswith("Ingen av de sju indikatorerna visar en säkerställd förändring")
    # MDE >= 25 % of the level, or for a survey share >= 5 percentage points (the fake's post level is ~118)
    base = {s.id: float(r.effects.loc[r.effects["time"] >= 2020, "counterfactual"].mean()) for r, s in pairs}
    want = sum((m * base[s.id] >= 5.0) if s.unit == "percent" else (m >= 0.25)
               for (r, s), m in zip(pairs, [0.10, 0.40, 0.20, 0.50, 0.30, 0.10, 0.15]))
    assert want == 4 and par.count("kan inte avgöras (MDE") == want
    for _, spec in pairs:
        assert spec.label_sv.lower() in par.lower()
    for word in CLAIM_WORDS + ("minskning", "ökning"):
        assert word not in par.lower()  # nothing holds: no direction words at all


def test_compact_summary_claims_only_what_holds_after_adjustment():
    from lofteeval.indicators import focus_area

    sig = make_result(-0.18, -0.30, -0.06, 0.004, indicator=LOWER.id, p_adjusted=0.01)
    weak = make_result(-0.20, -0.35, -0.05, 0.03, indicator=LOWER.id, p_adjusted=0.12)
    par = tx.focus_area_paragraph(focus_area("inbrott"), [(sig, LOWER), (weak, LOWER)], lang="sv")
    assert par.startswith("En av de två indikatorerna visar en statistiskt säkerställd förändring")
    assert par.count("minskade") == 1 and "säkerställt och i önskad riktning" in par
    assert "inte säkerställt efter justering" in par


def test_area_lead_does_not_call_a_change_that_fails_the_adjustment_undetermined():
    from lofteeval.indicators import focus_area

    # seen on its own (p = 0.02, interval below 0), not after BH (0.09), MDE 40 %: the data showed it
    nominal = make_result(-0.35, -0.60, -0.05, 0.02, indicator=LOWER.id, p_adjusted=0.09, mde=0.40)
    for lang, unclear, lead in (("sv", "osäkerheten", "Ingen säkerställd förändring under löftesperioden."),
                                ("en", "uncertainty", "No confirmed change during the promise period.")):
        par = tx.focus_area_paragraph(focus_area("inbrott"), [(nominal, LOWER)], lang=lang)
        assert par.startswith(lead) and unclear not in par, par
        assert ("inte säkerställt efter justering" if lang == "sv" else "not significant after adjustment") in par


def test_compact_summary_states_each_caveat_once_per_area():
    from lofteeval.indicators import focus_area

    traffic = INDICATORS["reported_traffic_offences"]
    drug = make_result(0.25, 0.08, 0.45, 0.01, indicator=AMBIG.id, p_adjusted=0.02)
    tr = make_result(0.05, -0.10, 0.20, 0.5, indicator=traffic.id)
    par = tx.focus_area_paragraph(focus_area("narkotika"), [(drug, AMBIG), (tr, traffic), (tr, traffic)],
                                  lang="sv")
    assert par.count(AMBIG.caveats_sv[0]) == 1
    assert par.count(traffic.caveats_sv[0]) == 1 or traffic.caveats_sv[0] == AMBIG.caveats_sv[0]
    dv = INDICATORS["reported_domestic_violence"]
    res = make_result(-0.08, -0.25, 0.10, 0.40, indicator=dv.id)
    par = tx.focus_area_paragraph(focus_area("vald_nara_relation"), [(res, dv)], lang="sv")
    assert dv.caveats_sv[0] in par and "förtroende" in par  # the trust caveat
    assert "minskade" not in par and "ökade" not in par
