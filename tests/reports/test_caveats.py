"""Swedish technical caveats and comparison reasons (lofteeval.reports.caveats)."""

from __future__ import annotations

import pytest

from lofteeval.errors import Caveat
from lofteeval.reports.caveats import caveat_text, reason_text, split_caveat, technical_groups

# Caveats as the estimators record them (errors.caveat in estimators/_synth_data.py, _common.py, did.py).
POOR_FIT = Caveat("PoorPreFitWarning", "pre-period RMSPE 41.06 is 0.30 x the outcome's sd (137.5); the synthetic "
                  "unit does not track the treated unit before the start.", {"rmspe": 41.06, "ratio": 0.3, "sd": 137.5})
COVID_1 = Caveat("CovidYearsWarning", "the window contains [2020], when crime and reporting patterns shifted "
                 "everywhere.", {"years": [2020]})
COVID_2 = Caveat("CovidYearsWarning", "the window contains [2020], when crime patterns shifted everywhere.",
                 {"years": [2020]})
SHORT = Caveat("ShortPrePeriodWarning", "only 2 pre-period year(s); this design needs >= 3 to be convincing.",
               {"n_pre": 2, "need": 3})
FEW = Caveat("FewDonorsWarning", "only 12 treatment assignments: the smallest attainable p-value is 0.083, so the "
             "test can never reject at 5%; the interval is correspondingly wide (possibly unbounded).",
             {"assignments": 12, "min_p": 1 / 12})
ZERO = Caveat("ZeroCountsWarning", "the treated unit(s) have zero counts in some year or fewer than 10 a year "
              "(mean 4.3); rates and ratios are unstable.", {"threshold": 10.0, "mean": 4.3})
ENFORCE = Caveat("EnforcementDrivenWarning", "reported_drug_offences: Reported offences are largely driven by police.",
                 {"indicator": "reported_drug_offences"})


@pytest.mark.parametrize(("text", "expected"), [
    (POOR_FIT, "Före löftet följer den skattade utvecklingen inte löfteskommunen väl (avvikelse före "
               "löftet, RMSPE, 41 mot utfallets standardavvikelse 138)."),
    (COVID_1, "Analysperioden omfattar covid-året 2020, då brotts- och anmälningsmönster förändrades i "
              "hela landet."),
    (SHORT, "Kort förperiod: 2 år före löftet; designen behöver minst 3 för att jämförelsen ska gå att pröva."),
])
def test_known_kinds_become_swedish_with_their_numbers(text, expected):
    assert caveat_text(text, lang="sv") == expected


def test_numbers_come_from_the_values_not_the_text():
    odd = Caveat("ShortPrePeriodWarning", "words without numbers", {"n_pre": 1, "need": 4})
    assert caveat_text(odd, lang="sv").startswith("Kort förperiod: 1 år före löftet; designen behöver minst 4")
    plain = "ShortPrePeriodWarning: only 2 pre-period year(s); this design needs >= 3 to be convincing."
    assert caveat_text(plain, lang="sv") == "Kort förperiod: få år före löftet gör jämförelsen svår att pröva."


def test_numbers_use_decimal_comma():
    assert "0,083" in caveat_text(FEW, lang="sv")
    assert "i snitt 4,3 per år" in caveat_text(ZERO, lang="sv")


def test_no_english_left_in_known_classes():
    for text in (POOR_FIT, COVID_1, COVID_2, SHORT, FEW, ZERO):
        out = caveat_text(text, lang="sv")
        assert "Warning" not in out and " the " not in out, out


def test_unknown_class_and_unparsable_message_fall_back_to_original():
    assert caveat_text("FooWarning: something new", lang="sv") == "FooWarning: something new"
    assert caveat_text("no class here", lang="sv") == "no class here"
    assert caveat_text("DesignWarning: an unforeseen design note", lang="sv") == (
        "DesignWarning: an unforeseen design note")


def test_english_report_keeps_english():
    assert caveat_text(POOR_FIT, lang="en") == POOR_FIT


def test_enforcement_caveat_uses_the_indicator_text():
    got = caveat_text(ENFORCE, lang="sv", enforcement={"reported_drug_offences": "Styrs av polisens aktivitet."})
    assert got == "Styrs av polisens aktivitet."
    assert caveat_text(ENFORCE, lang="sv") == str(ENFORCE)  # no Swedish text known: original


def test_split_caveat():
    assert split_caveat(POOR_FIT)[0] == "PoorPreFitWarning"
    assert split_caveat("Note: lower-case words: x") == ("Note", "lower-case words: x")
    assert split_caveat("a: b") == ("", "a: b")


def test_groups_deduplicate_and_pull_shared_caveats_first():
    groups = technical_groups([("Narkotikabrott", [COVID_1, COVID_2, POOR_FIT, "SyntheticData: demo"]),
                               ("Olaga hot", [COVID_2, SHORT])], lang="sv")
    labels = [g for g, _ in groups]
    assert labels == ["Alla indikatorer", "Narkotikabrott", "Olaga hot"]
    assert len(groups[0][1]) == 1 and groups[0][1][0].startswith("Analysperioden omfattar covid-året 2020")
    assert all("Syntetiska" not in t for _, items in groups for t in items)  # every page says so already
    assert sum(len(items) for _, items in groups) == 3


def test_single_indicator_keeps_its_own_group():
    groups = technical_groups([("Narkotikabrott", [COVID_1])], lang="sv")
    assert [g for g, _ in groups] == ["Narkotikabrott"]


def test_reason_uses_reason_sv_and_never_parses_the_english():
    row = {"reason": "same kommungrupp C6; population 0.58 x treated; pre-period RMSPE rank 3"}
    assert reason_text({**row, "reason_sv": "samma kommungrupp"}, lang="sv") == "samma kommungrupp"
    # a frame without reason_sv shows the English reason as it is (no regular expressions)
    assert reason_text(row, lang="sv") == row["reason"]
    assert reason_text({**row, "reason_sv": None}, lang="sv") == row["reason"]
    assert reason_text(row, lang="en").startswith("same municipality group C6; population 0.58\u00a0× treated")


@pytest.mark.parametrize(("inference_id", "values", "expected"), [
    ("placebo_rank_rmspe", {}, "placebotest: samma skattning för varje"),
    ("placebo_rank", {"n": 27}, "placebotest: samma skattning för 27 placebotilldelningar"),
    ("placebo_rank_raw", {"n": 27}, "permutationstest: rangordning bland 27 placebotilldelningar"),
    ("cluster", {"df": 25}, "klusterrobusta standardfel per kommun, t(25)"),
])
def test_inference_described_from_the_table(inference_id, values, expected):
    from lofteeval.reports.caveats import inference_text
    from lofteeval.results import EffectResult

    res = EffectResult(method="did", estimate=0.0, ci_low=-1.0, ci_high=1.0, p_value=1.0,
                       inference="English words", inference_id=inference_id, inference_values=values)
    assert inference_text(res, lang="sv").startswith(expected)
    assert inference_text(res, lang="en") != "English words"  # the table's English, not the free text
    assert inference_text(EffectResult(method="did", estimate=0.0, ci_low=-1.0, ci_high=1.0, p_value=1.0,
                                       inference="some new method"), lang="sv") == "some new method"


def test_estimator_caveats_carry_the_numbers_the_swedish_text_needs():
    import warnings

    from lofteeval.datasets import simulate_null_panel
    from lofteeval.estimators import synthetic_control

    df = simulate_null_panel(n_units=13, years=range(2012, 2022), seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = synthetic_control(df, unit="kommun", time="year", outcome="rate", treated="0001",
                                treatment_start=2019)
    few = next(w for w in res.warnings if w.kind == "FewDonorsWarning")
    assert few.values["donors"] == 12
    assert caveat_text(few, lang="sv") == ("Bara 12 jämförelsekommuner: placebo-p-värdet kan inte bli lägre än "
                                           "0,077.")
