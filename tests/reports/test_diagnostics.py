"""Diagnostics appendix: known answers for fit, event study, p-value floor, left-out kommuner, texts."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lofteeval.indicators import INDICATORS
from lofteeval.reports import diagnostics as dg
from lofteeval.reports import scale as sc
from lofteeval.reports import diagnostics_text as dt

from .fakes import make_result


def test_pre_fit_known_answer() -> None:
    res = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    fit = dg.pre_fit(res)
    years = np.arange(2012, 2020)
    cf = 100 + 2 * (years - 2012.0)
    obs = cf + np.sin(years)
    assert fit is not None and fit["n"] == 8
    assert fit["mae"] == pytest.approx(np.mean(np.abs(np.sin(years))))
    assert fit["rmse"] == pytest.approx(np.sqrt(np.mean(np.sin(years) ** 2)))
    assert fit["mape"] == pytest.approx(100 * np.mean(np.abs(np.sin(years)) / obs))
    assert fit["post_gap"] > 15  # the injected -20 % shows in the löfte years


def test_pre_fit_without_a_path_is_none() -> None:
    res = dataclasses.replace(make_result(0.1, 0.0, 0.2, 0.05, indicator="reported_assault"),
                              effects=pd.DataFrame({"time": [0, 1], "effect": [0.1, 0.2]}))
    assert dg.pre_fit(res) is None
    assert "ingen utveckling utan löftet" in dt.fit_text(res, INDICATORS["reported_assault"], lang="sv")


def test_p_floor_of_a_placebo_rank_test() -> None:
    res = dataclasses.replace(make_result(0.1, 0.0, 0.2, 0.05, indicator="reported_assault"),
                              inference_id="placebo_rank", inference_values={"n": 40},
                              diagnostics={"n_comparison": 40, "n_treated": 1, "treatment_start": 2020})
    assert dg.p_floor(res) == (pytest.approx(1 / 41), 40)
    assert "Med 40 jämförelsekommuner kan testet som lägst ge p = 0,024" in dt.p_floor_text(res, lang="sv")
    few = dataclasses.replace(res, inference_values={"n": 12})
    assert "aldrig visa en säkerställd förändring på 5\u00a0%-nivån" in dt.p_floor_text(few, lang="sv")
    assert "never show a significant change" in dt.p_floor_text(few, lang="en")


def test_model_based_p_values_have_no_floor() -> None:
    res = dataclasses.replace(make_result(0.1, 0.0, 0.2, 0.05, indicator="reported_assault"),
                              inference_id="posterior_predictive")
    assert dg.p_floor(res) is None
    assert "no such floor" in dt.p_floor_text(res, lang="en")


def test_dropped_kommuner_grouped_by_reason() -> None:
    excluded = pd.DataFrame({"kommun": ["0114", "0115", "0117", "0120"],
                             "reason": ["other kommungrupp (B3)", "population 1,000 outside 2-3",
                                        "poor pre-period fit (RMSPE 3 > 3 x pool median 1)",
                                        "own löfte 'x-2020' (2020) in focus area narkotika during the window "
                                        "(contamination)"]})
    res = make_result(0.1, 0.0, 0.2, 0.05, indicator="reported_assault")
    groups = dict(dg.dropped_counts(excluded, res))
    assert groups == {"poor_fit": ["0117"], "contaminated": ["0120"], "not_similar": ["0114", "0115"]}
    text = dt.dropped_text(list(groups.items()), res, lang="sv")
    assert "1 följde löfteskommunen för dåligt före löftet (Österåker)" in text
    assert "x-2020" not in text  # no registry ids in the text


def _es_panel() -> pd.DataFrame:
    """Treated 0001 grows like the pool before 2020 and is 10 % higher from 2020 on."""
    rows = []
    pool = {"0002": 20_000.0, "0003": 30_000.0, "0004": 50_000.0}
    for y in range(2015, 2023):
        trend = 1 + 0.05 * (y - 2015)
        for k, pop in pool.items():
            rows += [(k, y, "reported_assault", np.nan, 100 * trend * pop / 10_000), (k, y, "population", pop, np.nan)]
        rows += [("0001", y, "reported_assault", np.nan, 50 * trend * (1.1 if y >= 2020 else 1.0)),
                 ("0001", y, "population", 5_000.0, np.nan)]
    return pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "n"]).assign(
        value=lambda f: f["value"].fillna(1.0))


def test_event_study_known_answer() -> None:
    pre = tuple(range(2015, 2020))
    res = SimpleNamespace(kommun="0001", indicator="reported_assault",
                          comparison=pd.DataFrame({"kommun": ["0002", "0003", "0004"]}),
                          diagnostics={"pre_period": pre, "post_period": (2020, 2021, 2022), "treatment_start": 2020})
    frame = dg.event_study_frame(_es_panel(), res, kind="crime")
    assert frame is not None
    # the pre-period mean of the treated rate includes no effect, so the gap is exactly +10 % after
    assert frame.loc[frame["year"] < 2020, "gap"].to_numpy() == pytest.approx(0, abs=1e-9)
    assert frame.loc[frame["year"] >= 2020, "gap"].to_numpy() == pytest.approx(10)
    # every comparison kommun grows like the rest: the placebo band is zero
    assert frame[["band_low", "band_high"]].to_numpy() == pytest.approx(0, abs=1e-9)


def test_design_text_says_why_synthetic_control_was_not_used() -> None:
    res = SimpleNamespace(method="did", diagnostics={"n_comparison": 66, "pre_period": tuple(range(2010, 2023)),
                                                     "n_treated": 3, "method_reason": "…",
                                                     "treated_handling_sv": "3 löfteskommuner behandlas gemensamt"})
    text = dt.design_text(res, "crime", lang="sv")
    assert "Syntetisk kontroll användes inte: löftet omfattar 3 kommuner" in text
    assert "minst 5 jämförelsekommuner; här fanns 66" in text and "behandlas gemensamt" in text
    survey = dt.design_text(SimpleNamespace(method="did", diagnostics={"n_comparison": 40, "n_treated": 1,
                                                                      "pre_period": (1, 2, 3, 4, 5, 6)}),
                            "survey", lang="en")
    assert "comes from a survey" in survey


def test_placebo_in_time_on_the_demo_panel() -> None:
    from lofteeval.datasets import demo_panel
    from lofteeval.evaluation import evaluate
    from lofteeval.registry import load_lofte

    panel, lofte = demo_panel(seed=0), load_lofte("gotland-2020")
    res = evaluate(panel, lofte, "problem_drugs")
    out = dg.placebo_in_time(panel, lofte, res)
    assert not isinstance(out, str)
    placebo, fake = out
    assert fake == 2018 and placebo.method == res.method
    assert placebo.diagnostics["n_post"] == 2  # 2018-2019: the löfte years never enter
    text = dt.placebo_time_text(out, res, INDICATORS["problem_drugs"], lang="sv")
    assert "börjat 2018 i stället för 2020" in text
    # the placebo estimate on the report's one scale, as the main result (an index: percent of the level)
    spec = INDICATORS["problem_drugs"]
    assert f"effekt {sc.fmt_display(placebo, placebo.estimate, spec)} (" in text
    assert "per 100" not in text
    short = dataclasses.replace(res, diagnostics={**res.diagnostics, "pre_period": (2016, 2017, 2018, 2019)})
    assert dg.placebo_in_time(panel, lofte, short) == "short"


def test_english_diagnostics_are_english_at_the_source() -> None:
    import re

    res = SimpleNamespace(method="its", diagnostics={"n_comparison": 3, "pre_period": tuple(range(2015, 2020)),
                                                     "n_treated": 3, "method_reason": "…",
                                                     "treated_handling": "3 treated kommuner pooled: counts and "
                                                                         "populations summed into one series"})
    texts = [dt.design_text(res, "crime", lang="en"),
             dt.dropped_text([("neighbour", ["0180"]), ("other_lan", ["0114"])], make_result(
                 0.1, 0.0, 0.2, 0.05, indicator="reported_assault"), lang="en"),
             dt._event_caption(SimpleNamespace(kind="crime", unit="per_100k"), lang="en", n_treated=3),
             *dt.HEAD["en"]]
    text = " ".join(texts)
    assert "3 treated municipalities pooled" in text and "neighbours of the promise municipality" in text
    words = re.findall(r"\b(?:löfte\w*|kommun\w*|län)\b", text)
    assert not words, words


def test_excluded_kommuner_kept_by_evaluate_equal_a_rebuilt_design() -> None:
    """evaluate() keeps the design's left-out kommuner; the diagnostics read them instead of rebuilding it."""
    from lofteeval.datasets import demo_panel
    from lofteeval.design import make_design
    from lofteeval.evaluation import evaluate
    from lofteeval.registry import load_lofte

    panel, lofte = demo_panel(seed=0), load_lofte("sodra-fyrbodal-2023")
    res = evaluate(panel, lofte, "reported_assault")
    kept = res.diagnostics["excluded"]
    rebuilt = make_design(panel, lofte, "reported_assault").excluded
    assert len(kept) == len(rebuilt) > 0  # the three treated kommuner's neighbours at least
    assert list(kept) == list(zip(rebuilt["kommun"].astype(str), rebuilt["reason"].astype(str)))
    frame = dt._excluded(panel, lofte, res, INDICATORS["reported_assault"], registry=None, pivots=None)
    assert frame is not None and frame.equals(rebuilt[["kommun", "reason"]].astype(str).reset_index(drop=True))
    # a result without the record (made elsewhere) gets the design rebuilt by the same rules
    bare = dataclasses.replace(res, diagnostics={k: v for k, v in res.diagnostics.items() if k != "excluded"})
    again = dt._excluded(panel, lofte, bare, INDICATORS["reported_assault"], registry=None, pivots=None)
    assert again is not None and list(again["kommun"]) == [k for k, _ in kept]
