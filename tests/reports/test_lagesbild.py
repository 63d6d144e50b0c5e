"""Lägesbild aggregates on a hand-made panel with known answers (reports/lagesbild.py)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.reports import lagesbild as lb

# four kommuner: A and B in län 01 (kommungrupp G1), C in län 02 (G1), D in län 02 (G2)
REF = pd.DataFrame({"kommun": ["0001", "0002", "0003", "0004"], "name": ["Aby", "Bby", "Cby", "Dby"],
                    "lan": ["01", "01", "02", "02"], "lan_name": ["Ettans län", "Ettans län", "Tvåans län",
                                                                  "Tvåans län"],
                    "kommungrupp": ["G1", "G1", "G1", "G2"],
                    "kommungrupp_label": ["Mindre stad", "Mindre stad", "Mindre stad", "Storstad"]})
POP = {"0001": 10_000.0, "0002": 30_000.0, "0003": 20_000.0, "0004": 40_000.0}
COUNT = {"0001": 10.0, "0002": 60.0, "0003": 10.0, "0004": 120.0}


def _panel(*, drop: tuple[str, int] | None = None, rate_only: str | None = None) -> pd.DataFrame:
    rows = []
    for k, pop in POP.items():
        for y in (2018, 2019, 2020):
            n = COUNT[k] + (y - 2018)
            if drop != (k, y):
                rows.append((k, y, "reported_assault", n / pop * 1e5, np.nan if k == rate_only else n))
            rows.append((k, y, "population", pop, np.nan))
            share = {"0001": 10.0, "0002": 20.0, "0003": 30.0, "0004": 50.0}[k]
            rows.append((k, y, "unsafe_outdoors_night", share, 400.0))
    return pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "n"])


def _groups(codes: tuple[str, ...] = ("0001",)) -> dict[str, lb.Group]:
    return {g.id: g for g in lb.comparison_groups(codes, reference=REF)}


def test_groups_from_the_reference() -> None:
    g = _groups()
    assert g["kommun"].members == ("0001",) and g["kommun"].label == "Aby"
    assert set(g["lan"].members) == {"0001", "0002"} and g["lan"].label == "Ettans län"
    # liknande: the same kommungrupp without the löfte kommun itself
    assert set(g["liknande"].members) == {"0002", "0003"} and "mindre stad" in g["liknande"].detail
    assert set(g["riket"].members) == set(POP)


def test_a_lan_of_the_lofte_kommuner_alone_is_left_out() -> None:
    ref = REF.assign(lan=["01", "02", "02", "02"])
    ids = [g.id for g in lb.comparison_groups(("0001",), reference=ref)]
    assert ids == ["kommun", "liknande", "riket"]


def test_unknown_kommun_is_one_clear_error() -> None:
    with pytest.raises(DataError, match="unknown.*'9999'"):
        lb.comparison_groups(("9999",), reference=REF)


def test_crime_sums_counts_and_population() -> None:
    g = _groups()
    s = lb.lagesbild_series(_panel(), "reported_assault", list(g.values())).set_index(["group", "year"])
    # län = the sum of its kommuner; riket per 100 000 = total count / total population * 1e5
    assert s.loc[("lan", 2018), "count"] == COUNT["0001"] + COUNT["0002"]
    assert s.loc[("lan", 2018), "population"] == POP["0001"] + POP["0002"]
    total = sum(COUNT.values()) + 4 * 2  # 2020: each kommun two more than 2018
    assert s.loc[("riket", 2020), "value"] == pytest.approx(total / sum(POP.values()) * 1e5)
    assert s.loc[("kommun", 2019), "value"] == pytest.approx(11 / 10_000 * 1e5)
    assert s.loc[("liknande", 2018), "value"] == pytest.approx(70 / 50_000 * 1e5)
    assert (s["n_kommuner"] == s["n_members"]).all()


def test_several_lofte_kommuner_are_summed() -> None:
    g = _groups(("0001", "0003"))
    s = lb.lagesbild_series(_panel(), "reported_assault", [g["kommun"]]).set_index("year")
    assert s.loc[2018, "count"] == 20 and s.loc[2018, "value"] == pytest.approx(20 / 30_000 * 1e5)
    assert g["kommun"].label == "Aby och Cby"


def test_survey_is_population_weighted_without_counts() -> None:
    g = _groups()
    s = lb.lagesbild_series(_panel(), "unsafe_outdoors_night", list(g.values()), kind="survey")
    s = s.set_index(["group", "year"])
    expected = (10 * 10_000 + 20 * 30_000 + 30 * 20_000 + 50 * 40_000) / 100_000
    assert s.loc[("riket", 2019), "value"] == pytest.approx(expected)
    assert s["count"].isna().all()


def test_a_missing_kommun_year_is_shown_as_coverage_not_hidden() -> None:
    g = _groups()
    s = lb.lagesbild_series(_panel(drop=("0004", 2019)), "reported_assault", list(g.values()))
    riket = s[(s["group"] == "riket") & (s["year"] == 2019)].iloc[0]
    assert riket["n_kommuner"] == 3 and riket["n_members"] == 4
    # the rate covers the same kommuner in numerator and denominator
    assert riket["value"] == pytest.approx((11 + 61 + 11) / 60_000 * 1e5)
    assert ("Riket", 2019, 3, 4) in lb.coverage_gaps(s)


def test_a_rate_without_count_gives_the_count_it_implies() -> None:
    s = lb.lagesbild_series(_panel(rate_only="0002"), "reported_assault", [_groups()["lan"]])
    assert s.set_index("year").loc[2018, "count"] == pytest.approx(70)


def test_missing_population_is_one_clear_error() -> None:
    panel = _panel()
    panel = panel[~((panel["indicator"] == "population") & (panel["kommun"] == "0003"))]
    with pytest.raises(DataError, match="population.*kommun 0003"):
        lb.lagesbild_series(panel, "reported_assault", list(_groups().values()))


def test_selected_years_first_before_start_latest() -> None:
    s = lb.lagesbild_series(_panel(), "reported_assault", [_groups()["kommun"]])
    assert lb.selected_years(s, 2020) == [2018, 2019, 2020]
    assert lb.selected_years(s, 2030) == [2018, 2020]  # the year before the start is outside the data


@pytest.fixture(scope="module")
def problem_picture_context():
    from lofteeval.datasets import demo_panel
    from lofteeval.evaluation import evaluate_areas
    from lofteeval.registry import load_lofte
    from lofteeval.reports.build import build_context
    from lofteeval.reports.provenance import provenance

    panel, lofte = demo_panel(seed=0), load_lofte("gotland-2020-problembild")
    return build_context(lofte, evaluate_areas(panel, lofte), lang="en", synthetic=True, panel=panel,
                         provenance=provenance(panel, params={}))


def test_section_on_the_demo_panel_is_complete(problem_picture_context) -> None:
    sec = problem_picture_context.lagesbild
    assert sec is not None and sec.blocks and not sec.skipped
    assert all(b.plot.startswith("data:image/png;base64,") for b in sec.blocks)
    first = sec.blocks[0]
    assert [r["label"] for r in first.rows] == ["Gotland", "Similar municipalities", "Sweden"]
    assert first.years[-1] == 2024 and 2019 in first.years
    assert "The county consists of the promise's municipality alone" in sec.intro


def test_problem_picture_shows_lagesbild_and_no_estimation_or_method(problem_picture_context) -> None:
    from lofteeval.reports.html import render_html

    html = render_html(problem_picture_context)
    assert 'id="lagesbild"' in html and 'id="proveniens"' in html
    assert 'id="resultat"' not in html and 'id="metod"' not in html and 'id="diagnostik"' not in html
    assert "Synthetic data – for demonstration only" in html.split('id="lagesbild"')[1]
    # the sources of the numbers it shows are cited, though nothing was estimated
    sources = html.split('id="proveniens"')[1]
    assert "Brå: Statistikdatabasen över anmälda brott" in sources
    assert all(b.indicator for b in problem_picture_context.lagesbild.blocks)


def test_change_column_rounds_without_a_signed_zero() -> None:
    from lofteeval.reports.lagesbild_section import _change

    assert _change(100, 99.9, "sv", True) == "0\u00a0%"
    assert _change(100, 120, "sv", True) == "+20\u00a0%"
    assert _change(10, 8, "en", False) == "-2.0"
    assert _change(0, 8, "en", True) == "–"  # no percent change from zero


def test_english_groups_and_intro_are_english_at_the_source() -> None:
    from lofteeval.reports.lagesbild_section import _intro

    g = lb.comparison_groups(("0001", "0002", "0004"), lang="en", reference=REF)
    labels = [x.label for x in g]
    assert labels == ["The promise's 3 municipalities", "Ettan County and Tvåan County", "Similar municipalities",
                      "Sweden"]
    assert lb.lan_name("Västra Götalands län", "en") == "Västra Götaland County"
    assert lb.lan_name("Skåne län", "en") == "Skåne County" and lb.lan_name("Skåne län", "sv") == "Skåne län"
    text = _intro(g, 2015, 2024, lang="en", survey=True, member_names="Aby, Bby and Dby")
    assert "The county covers all its municipalities" in text and "pandemic" in text
    words = re.findall(r"\b(?:löfte\w*|kommun\w*|län|lägesbild)\b", text)
    assert not words, words


def test_long_group_labels_wrap_in_the_plot_legend(monkeypatch) -> None:
    from types import SimpleNamespace

    from lofteeval import plots
    from lofteeval.reports import lagesbild_section as ls

    seen: list[str] = []
    monkeypatch.setattr(plots, "plot_lagesbild", lambda s, **kw: seen.extend(s["label"].unique()))
    long = "The promise's 3 municipalities"
    series = pd.DataFrame({"group": ["kommun", "riket"], "label": [long, "Sweden"], "year": [2020, 2020],
                           "value": [1.0, 2.0], "count": [1.0, 2.0]})
    ls._figure(series, SimpleNamespace(kind="crime", unit="per_100k"), lang="en", period=(2020, 2021),
               synthetic=False)
    assert seen == ["The promise's 3\nmunicipalities", "Sweden"]
    assert all(len(line) <= ls.LEGEND_WIDTH for label in seen for line in label.splitlines())
