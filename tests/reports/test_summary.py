"""Page 1 (reports/summary.py) and the one display scale (reports/scale.py) on hand-made inputs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import Caveat
from lofteeval.indicators import INDICATORS
from lofteeval.reports import scale as sc
from lofteeval.reports import summary as sm
from lofteeval.reports.text import activity_sentence, status_count

from .fakes import make_result

CRIME = INDICATORS["reported_residential_burglary"]
SHARE = INDICATORS["unsafe_outdoors_night"]  # unit "percent": percentage points


def test_verdicts_follow_the_rules():
    holds = make_result(-0.2, -0.3, -0.1, 0.001, indicator=CRIME.id, p_adjusted=0.01, mde=0.1)
    not_after_adjustment = make_result(-0.2, -0.3, -0.1, 0.01, indicator=CRIME.id, p_adjusted=0.2, mde=0.1)
    big_mde = make_result(-0.1, -0.4, 0.3, 0.5, indicator=CRIME.id, mde=0.30)
    small_mde = make_result(-0.1, -0.2, 0.05, 0.3, indicator=CRIME.id, mde=0.15)
    few = make_result(-0.1, -0.2, 0.05, 0.3, indicator=CRIME.id, mde=0.15,
                      warnings=(Caveat("ZeroCountsWarning", "few", {"mean": 3.0, "threshold": 10}),))
    assert sc.verdict(holds, CRIME) == "decrease"
    assert sc.verdict(holds.replace(estimate=0.2, ci_low=0.1, ci_high=0.3), CRIME) == "increase"
    assert sc.verdict(not_after_adjustment, CRIME) == "nominal"
    assert sc.VERDICT["sv"]["nominal"] == "Ingen säkerställd förändring"
    assert sc.verdict(big_mde, CRIME) == "undetermined"
    assert sc.verdict(small_mde, CRIME) == "none"
    assert sc.verdict(few, CRIME) == "undetermined"  # too few offences a year, whatever the MDE
    assert sc.verdict(small_mde.replace(estimate=float("nan")), CRIME) == "not_estimated"


def test_a_change_that_fails_the_adjustment_is_no_confirmed_change_not_undetermined():
    # nominally significant (interval excludes 0, p < 0.05), not after BH, with a large MDE: the data
    # showed a change, so "kan inte avgöras" (too little data) would mislead the reader
    res = make_result(-0.35, -0.6, -0.05, 0.02, indicator=CRIME.id, p_adjusted=0.09, mde=0.40)
    assert sc.claimed(res) and not sc.holds(res) and not sc.undetermined(res, CRIME)
    assert sc.verdict(res, CRIME) == "nominal"
    empty = pd.DataFrame(columns=["year", "value", "count"])
    sv = sm.explanation(res, CRIME, empty, lang="sv")
    assert sv == ("Indikatorn rörde sig, omkring 35\u00a0% lägre än väntat, men bland flera indikatorer kan en "
                  "sådan förändring uppstå av en slump.")
    assert "avgöras" not in sv and "MDE" not in sv
    en = sm.explanation(res.replace(estimate=0.35, ci_low=0.05, ci_high=0.6), CRIME, empty, lang="en")
    assert en == ("The indicator moved, about 35% higher than expected, but among several indicators such a "
                  "change can arise by chance.")
    row = sm._row(res, CRIME, empty, [], lang="en")
    assert (row.verdict, row.verdict_text) == ("nominal", "No confirmed change")
    # without an adjustment (a single indicator) the same numbers are säkerställd
    assert sc.verdict(res.replace(p_adjusted=None), CRIME) == "decrease"


def test_survey_shares_are_in_percentage_points():
    # absolute scale, MDE 4 pe on a level of ~116: the threshold is 5 pe, not 25 % of the level
    res = make_result(1.4, -2.4, 5.4, 0.5, indicator=SHARE.id, scale="absolute", mde=4.0)
    assert sc.mde_display(res, SHARE) == "4,0\u00a0procentenheter"
    assert sc.fmt_display(res, res.estimate, SHARE) == "+1,4\u00a0procentenheter"
    assert "%" not in sc.fmt_display(res, res.ci_low, SHARE, lang="en")
    assert sc.verdict(res, SHARE) == "none"
    assert sc.verdict(res.replace(mde=6.0), SHARE) == "undetermined"


def test_relative_effect_is_over_the_post_period_counterfactual():
    res = make_result(-5.0, -30.0, 20.0, 0.6, indicator=CRIME.id, scale="absolute", mde=40.0)
    assert list(res.diagnostics["post_periods"]) == [2020, 2021, 2022]
    post = res.effects[res.effects["time"] >= 2020]["counterfactual"].mean()
    assert res.relative(-5.0) == pytest.approx(-5.0 / post)
    assert res.relative_mde == pytest.approx(40.0 / post)
    assert sc.mde_value(res, CRIME) == res.relative_mde


def test_treated_series_sums_counts_and_population():
    rows = []
    for k, pop, n in (("1415", 27000.0, 270.0), ("1421", 15000.0, 30.0)):
        rows += [{"kommun": k, "year": 2022, "indicator": CRIME.id, "value": n / pop * 1e5, "n": n},
                 {"kommun": k, "year": 2022, "indicator": "population", "value": pop, "n": np.nan}]
    s = sm.treated_series(pd.DataFrame(rows), CRIME, ["1415", "1421"])
    assert s["count"].tolist() == [300.0]
    assert s["value"].iloc[0] == pytest.approx(300 / 42000 * 1e5)  # not the mean of the two rates


def test_mde_in_offences_a_year():
    res = make_result(0.0, -0.2, 0.2, 0.9, indicator=CRIME.id, mde=0.2)
    eff = res.effects
    counts = pd.DataFrame({"year": eff["time"], "value": eff["observed"], "count": 100.0})
    ratio = (eff["counterfactual"] / eff["observed"])[eff["time"] >= 2020]
    assert sm.mde_counts(res, counts) == pytest.approx(0.2 * 100.0 * ratio.mean())
    assert sm.about(37.4) == "35" and sm.about(412.0) == "410" and sm.about(3.2) == "3"
    text = sm.explanation(res, CRIME, counts, lang="sv")
    assert text.startswith("Förändringar mindre än ca 20 anmälda brott per år (20\u00a0%)")


def test_plural_agreement_of_activity_counts():
    assert status_count("uppfyllt", 1) == "1 uppfylld" and status_count("uppfyllt", 2) == "2 uppfyllda"
    assert status_count("ej rapporterat", 3) == "3 ej rapporterade"
    assert status_count("ej rapporterat", 3, lang="en") == "3 not reported"
    assert activity_sentence(["uppfyllt", "uppfyllt", "delvis"]) == " Aktiviteter: 2 uppfyllda, 1 delvis uppfylld (av 3)."
    assert sm.activities_text(["uppfyllt"], given=True) == "Aktiviteter: 1 utlovad – 1 uppfylld."
    assert sm.activities_text(["a", "b"], given=False, lang="en") == "Activities: 2 promised; no follow-up reported."


def test_forest_plot_red_is_the_verdict_after_adjustment(monkeypatch):
    # item 3: "röda = säkerställda" in the caption; the plot's red is scale.holds, not p < 0.05 alone
    from lofteeval import plots
    from lofteeval.reports.overview import forest_plots

    seen = []
    monkeypatch.setattr(plots, "plot_results", lambda group, **kw: seen.append(kw["highlight"]) or kw["ax"])
    holds = make_result(-0.3, -0.4, -0.2, 0.001, indicator="reported_assault", p_adjusted=0.004)
    alone = make_result(-0.3, -0.4, -0.2, 0.01, indicator="reported_robbery", p_adjusted=0.14)
    forest_plots([holds, alone], lang="sv", synthetic=True)
    assert seen == [[True, False]] and [sc.holds(holds), sc.confirmed(alone)] == [True, False]


@pytest.mark.parametrize("lang, text", [
    ("sv", "Löftets aktiviteter finns inte i registret; här visas bara indikatorerna."),
    ("en", "The promise's activities are not in the registry; only the indicators are shown here."),
])
def test_a_lofte_without_activities_says_so_once_not_under_every_area(fake_lofte, fake_evaluated, lang, text):
    bare = dataclasses.replace(fake_lofte, activities=())
    summary = sm.build_summary(bare, fake_evaluated, pd.DataFrame(), lang=lang)
    assert [b.activities for b in summary.blocks] == ["", ""]
    assert summary.other_activities == text
    with_acts = sm.build_summary(fake_lofte, fake_evaluated, pd.DataFrame(), lang=lang)
    assert all(b.activities for b in with_acts.blocks) and with_acts.other_activities == ""


def test_an_indicator_refused_for_too_few_offences_cannot_be_decided(fake_lofte):
    from lofteeval.reports.build import Evaluated

    from lofteeval.errors import Refusal

    why = Refusal("SmallCountsError", "the treated kommun(er) have on average 3.7 counts a year", mean_count=3.7)
    ev = Evaluated(areas=("narkotika",), pairs={"narkotika": ()},
                   failures={"narkotika": ((INDICATORS["reported_drug_offences"], why),)})
    row = sm.build_summary(fake_lofte, ev, pd.DataFrame(), lang="sv").blocks[0].rows[0]
    assert (row.verdict, row.verdict_text) == ("undetermined", sc.VERDICT["sv"]["undetermined"])
    assert row.explanation == "För få anmälda brott för att pröva en förändring: i snitt 3,7 per år före löftet."
    other = Evaluated(areas=("narkotika",), pairs={"narkotika": ()},
                      failures={"narkotika": ((INDICATORS["reported_drug_offences"], "saknas i panelen"),)})
    assert sm.build_summary(fake_lofte, other, pd.DataFrame(), lang="sv").blocks[0].rows[0].verdict == "not_estimated"
