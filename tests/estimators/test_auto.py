"""``method="auto"``: the design rule is computed from pre-period data only (estimators/_auto.py).

On the demo panel (synthetic data): Gotland 2020, reported assault — one treated kommun, a crime
indicator, 21 comparison kommuner, 10 pre years, so synthetic control and DiD are both eligible.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lofteeval.estimators._auto import choose_by_pre_period, placebo_post_years, pre_period_mde
from lofteeval.estimators.registry import REGISTRY

LOFTE, INDICATOR = "gotland-2020", "reported_assault"


@pytest.fixture(scope="module")
def demo():
    from lofteeval.datasets import demo_panel

    return demo_panel()


def _evaluate(panel, lofte=LOFTE, indicator=INDICATOR, **kw):
    from lofteeval.evaluation import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return evaluate(panel, lofte, indicator, **kw)


@pytest.fixture(scope="module")
def chosen(demo):
    return _evaluate(demo)


def _scramble_post(panel: pd.DataFrame, start: int) -> pd.DataFrame:
    """Every kommun's post-period outcome replaced: the treated kommun x 4, the others random."""
    rng = np.random.default_rng(5)
    out = panel.copy()
    rows = (out["indicator"] == INDICATOR) & (out["year"] >= start)
    factor = np.where(out.loc[rows, "kommun"] == "0980", 4.0, rng.uniform(0.2, 3.0, int(rows.sum())))
    out.loc[rows, "n"] = np.round(out.loc[rows, "n"] * factor)
    out.loc[rows, "value"] = out.loc[rows, "value"] * factor
    return out


def test_both_designs_are_scored_and_the_smaller_pre_period_mde_wins(chosen):
    choice = chosen.diagnostics["method_choice"]
    mdes = choice["relative_mde"]
    assert set(mdes) == {"synth", "did"} and all(v is not None and v > 0 for v in mdes.values())
    assert chosen.method == choice["chosen"] == min(mdes, key=mdes.get)
    assert choice["placebo_start"] < chosen.diagnostics["treatment_start"]
    other = "did" if chosen.method == "synth" else "synth"
    assert f"{100 * mdes[chosen.method]:.0f} % against" in chosen.diagnostics["method_reason"]
    assert f"{100 * mdes[other]:.0f} % för" in chosen.diagnostics["method_reason_sv"]


def test_the_choice_ignores_the_post_period(demo, chosen):
    start = chosen.diagnostics["treatment_start"]
    changed = _evaluate(_scramble_post(demo, start))
    assert changed.estimate != pytest.approx(chosen.estimate)  # the post-period did change ...
    assert changed.method == chosen.method  # ... the design did not
    assert changed.diagnostics["method_choice"] == chosen.diagnostics["method_choice"]


def test_the_scores_are_each_design_fitted_on_the_pre_period_with_a_placebo_start(demo, chosen):
    from lofteeval import estimators as est
    from lofteeval.design import make_design
    from lofteeval.evaluation import estimator_frame
    from lofteeval.indicators import indicator

    d = make_design(demo, LOFTE, INDICATOR)
    frame, cols = estimator_frame(demo, d, indicator(INDICATOR), "did")
    placebo = chosen.diagnostics["method_choice"]["placebo_start"]
    pre = frame[frame["year"] < d.treatment_start]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = est.did(pre, unit="kommun", time="year", outcome="count", exposure="population",
                         treated=list(d.treated), treatment_start=placebo, pool=list(d.comparison_units))
    assert chosen.diagnostics["method_choice"]["relative_mde"]["did"] == pytest.approx(direct.relative_mde)


def test_one_eligible_pooled_design_needs_no_rule(demo):
    res = _evaluate(demo, "sodra-fyrbodal-2023", "reported_assault")  # three treated kommuner: DiD only
    assert res.method == "did" and "method_choice" not in res.diagnostics


def test_no_design_fitted_on_the_pre_period_falls_back_to_the_preference():
    rows = [(u, t, 0.0 if u == "a" else 5.0 + t % 3, 1000.0) for u in ["a", *[f"d{i}" for i in range(25)]]
            for t in range(2010, 2020)]
    df = pd.DataFrame(rows, columns=["kommun", "year", "count", "population"])  # no treated count: no design fits
    cands = [REGISTRY["synth"], REGISTRY["did"]]
    args = {s.method: s.arguments(outcome="count", treated=["a"], treatment_start=2017,
                                  pool=[f"d{i}" for i in range(25)], level=0.95, exposure="population")
            for s in cands}
    pick = choose_by_pre_period(cands, {s.method: df for s in cands}, pre_period=range(2010, 2017), n_post=3,
                                arguments=args)
    assert pick.method == "synth" and pick.scores == {"synth": None, "did": None}
    assert "registry's preference" in pick.reason
    assert pre_period_mde(REGISTRY["did"], df, placebo_start=2015, **args["did"]) is None


@pytest.mark.parametrize(("n_pre", "n_post", "k"), [(9, 1, 2), (9, 3, 3), (9, 6, 3), (5, 3, 1), (12, 4, 4), (2, 1, 1)])
def test_placebo_post_years(n_pre, n_post, k):
    assert placebo_post_years(n_pre, n_post) == k
