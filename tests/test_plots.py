"""Plot functions draw what they get, in Swedish or English, and label synthetic data."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from lofteeval import plots
from lofteeval.errors import DataError
from reports.fakes import make_result  # tests/reports/fakes.py


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_plot_effect_lines_shading_and_labels():
    res = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    ax = plots.plot_effect(res, lang="sv", period=(2020, 2022), ylabel="per 100 000 invånare")
    observed, counterfactual = ax.get_lines()[:2]
    np.testing.assert_allclose(observed.get_ydata(), res.effects["observed"])
    np.testing.assert_allclose(counterfactual.get_ydata(), res.effects["counterfactual"])
    assert ax.get_xlabel() == "År"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Observerat", "Skattat utan löftet", "Löftesperiod"]
    x0, x1 = ax.patches[0].get_bbox().x0, ax.patches[0].get_bbox().x1  # the axvspan
    assert (x0, x1) == (pytest.approx(2019.5), pytest.approx(2022.5))


def test_plot_effect_period_from_diagnostics_and_english():
    res = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    ax = plots.plot_effect(res, lang="en")
    assert ax.get_xlabel() == "Year" and len(ax.patches) == 1  # treatment_start=2020 in diagnostics


def test_synthetic_note_on_every_plot():
    res = make_result(0.1, -0.1, 0.3, 0.4, indicator="reported_assault")
    for fn in (plots.plot_effect, plots.plot_placebo, plots.plot_weights):
        ax = fn(res, synthetic=True)
        assert "Syntetiska data – endast för demonstration" in _texts(ax)
    ax = plots.plot_results([res], synthetic=True, lang="en")
    assert "Synthetic data – for demonstration only" in _texts(ax)
    assert not any("Syntetiska" in t for t in _texts(plots.plot_effect(res)))


def test_placebo_marks_treated_estimate_in_percent():
    res = make_result(0.25, 0.08, 0.45, 0.01, indicator="reported_drug_offences")
    ax = plots.plot_placebo(res)
    treated = [ln for ln in ax.get_lines() if ln.get_label() == "Löfteskommunen"][0]
    assert treated.get_xdata()[0] == pytest.approx(25.0)
    assert sum(p.get_data().values.sum() for p in ax.patches) == len(res.placebo)  # one step patch


def test_placebo_and_weights_absent_say_so():
    res = make_result(0.1, -0.1, 0.3, 0.4, indicator="reported_assault").replace(placebo=None, weights=None)
    assert "Ingen placebofördelning" in _texts(plots.plot_placebo(res))[0]
    assert "Inga vikter" in _texts(plots.plot_weights(res))[0]


def test_weights_sorted_largest_on_top():
    res = make_result(0.1, -0.1, 0.3, 0.4, indicator="reported_assault")
    ax = plots.plot_weights(res, names={"0180": "Stockholm"})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Stockholm" and labels == ["0380", "0114", "1280", "Stockholm"]


def test_forest_plot_clips_unbounded_interval_and_converts_absolute():
    rel = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    unb = make_result(-0.05, -1e16, 1e16, 0.9, indicator="reported_robbery")
    # absolute: counterfactual mean 2020-2022 is 118, so -11.8 is -10 %
    ab = make_result(-0.1, -0.2, 0.1, 0.5, indicator="reported_fraud", scale="absolute").replace(
        estimate=-11.8, ci_low=-23.6, ci_high=11.8)
    ax = plots.plot_results([rel, unb, ab], labels=["a", "b", "c"])
    lo, hi = ax.get_xlim()
    assert -100 < lo < -40 and 40 < hi < 100
    points = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_marker() == "o"]
    np.testing.assert_allclose(points, [-20.0, -5.0, -10.0])
    assert sum(ln.get_marker() in ("<", ">") for ln in ax.get_lines()) == 2


def test_forest_plot_red_follows_the_verdict_it_is_given():
    # significant alone (p 0.01) but, say, not after adjustment: the report passes highlight=False
    res = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    red = plots.COLOURS["treated"]

    def colours(ax):
        return {ln.get_color() for ln in ax.get_lines() if ln.get_marker() == "o"}

    assert colours(plots.plot_results([res])) == {red}  # default: significant
    assert red not in colours(plots.plot_results([res], highlight=[False]))
    with pytest.raises(ValueError, match="one flag per result"):
        plots.plot_results([res], highlight=[True, False])


def test_swedish_letters_have_glyphs(tmp_path):
    res = make_result(-0.2, -0.3, -0.1, 0.01, indicator="reported_assault")
    ax = plots.plot_effect(res, title="Anmälda brott – Åre, Örebro, Gävle", synthetic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font"
        ax.figure.savefig(tmp_path / "x.png")


def test_bad_language():
    res = make_result(0.1, -0.1, 0.3, 0.4, indicator="reported_assault")
    with pytest.raises(DataError, match="'lang' must be one of"):
        plots.plot_effect(res, lang="de")


def test_no_mutation_of_effects():
    res = make_result(0.1, -0.1, 0.3, 0.4, indicator="reported_assault")
    before = res.effects.copy()
    plots.plot_effect(res)
    pd.testing.assert_frame_equal(res.effects, before)


def test_swedish_ticks_group_thousands_from_five_digits():
    assert plots._group_thousands("10000") == "10\u202f000"
    assert plots._group_thousands("\u2212125000,5") == "\u2212125\u202f000,5"
    assert plots._group_thousands("9000") == "9000"
    assert plots._group_thousands("0,25") == "0,25"


def test_forest_plot_one_very_uncertain_indicator_does_not_squash_the_others():
    small = make_result(-0.1, -0.2, 0.0, 0.05, indicator="reported_assault")
    wild = make_result(1.5, 0.2, 7.5, 0.04, indicator="reported_robbery")  # +150 %, interval to +750 %
    ax = plots.plot_results([small, wild], labels=["a", "b"])
    lo, hi = ax.get_xlim()
    assert hi == pytest.approx(105.0) and lo == pytest.approx(-105.0)  # the axis stops at +-100 %
    points = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_marker() == "o"]
    np.testing.assert_allclose(points, [-10.0])  # the wild estimate is not drawn off the axis...
    assert [t.get_text() for t in ax.texts if "%" in t.get_text()] == ["+150 %"]  # ...but written at its edge
    assert sum(ln.get_marker() == ">" for ln in ax.get_lines()) == 1
