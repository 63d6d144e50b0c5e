"""The shared pivot (design.pivots.PanelPivots): the same numbers as pivoting per call, never stale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval import datasets
from lofteeval.design import PanelPivots, make_design
from lofteeval.errors import DataError, DesignError
from lofteeval.evaluation import estimator_frame, evaluate, evaluate_areas
from lofteeval.indicators import indicator


@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel()


def test_wide_is_the_pivot_table_of_the_indicator(demo):
    pv = PanelPivots(demo)
    rows = demo[demo["indicator"] == "reported_assault"]
    want = rows.assign(kommun=rows["kommun"].astype(str)).pivot_table(
        index="kommun", columns="year", values="value", aggfunc="mean")
    pd.testing.assert_frame_equal(pv.wide("reported_assault"), want)
    assert pv.wide("reported_assault") is pv.wide("reported_assault")  # computed once
    assert "population" in pv.indicators and len(pv.indicators) == demo["indicator"].nunique()


def test_pivots_of_another_frame_are_refused_even_an_equal_copy(demo):
    pv = PanelPivots(demo)
    assert PanelPivots.of(demo, pv) is pv
    with pytest.raises(DataError, match="built from this very panel"):
        PanelPivots.of(demo.copy(), pv)
    with pytest.raises(DataError, match="built from this very panel"):
        make_design(demo.copy(), "gotland-2020", "reported_assault", pivots=pv)


def test_a_shared_pivot_gives_the_same_design_and_result(demo):
    pv = PanelPivots(demo)
    for lofte, ind in (("gotland-2020", "reported_assault"), ("sodra-fyrbodal-2023", "reported_residential_burglary")):
        alone, shared = make_design(demo, lofte, ind), make_design(demo, lofte, ind, pivots=pv)
        pd.testing.assert_frame_equal(alone.comparison, shared.comparison)
        pd.testing.assert_frame_equal(alone.excluded, shared.excluded)
        a, b = evaluate(demo, lofte, ind), evaluate(demo, lofte, ind, pivots=pv)
        assert (a.estimate, a.ci_low, a.ci_high, a.p_value, a.mde) == (b.estimate, b.ci_low, b.ci_high, b.p_value, b.mde)
    got = evaluate_areas(demo, "gotland-2020", pivots=pv)
    assert [r.estimate for r in got.results()] == [r.estimate for r in evaluate_areas(demo, "gotland-2020").results()]


def _merged_frame(panel, design):
    """The estimator frame as it was built before the shared pivot: filter the panel, merge population."""
    units = list(design.treated) + list(design.comparison_units)
    rows = panel[(panel["indicator"] == design.indicator) & panel["kommun"].astype(str).isin(units)
                 & panel["year"].isin(design.years)]
    frame = rows[["kommun", "year", "value", "n"]].assign(kommun=rows["kommun"].astype(str)).reset_index(drop=True)
    pop = panel[(panel["indicator"] == "population") & panel["year"].isin(design.years)]
    pop = pop.assign(kommun=pop["kommun"].astype(str))
    return frame.merge(pop[["kommun", "year", "value"]].rename(columns={"value": "population"}),
                       on=["kommun", "year"], how="left", validate="1:1")


def test_estimator_frame_from_the_pivot_equals_the_merge_with_holes(demo):
    # a comparison kommun without population in one year and one without the outcome row
    holes = demo.drop(demo.index[((demo["indicator"] == "population") & (demo["kommun"] == "0114")
                                  & (demo["year"] == 2015))
                                 | ((demo["indicator"] == "reported_assault") & (demo["kommun"] == "0115")
                                    & (demo["year"] == 2016))])
    holes.attrs = dict(demo.attrs)
    d = make_design(holes, "gotland-2020", "reported_assault", comparison="all")
    d = d.__class__(**{**d.__dict__, "comparison": pd.concat(
        [d.comparison, pd.DataFrame({"kommun": ["0114", "0115"]})], ignore_index=True)})
    frame, _ = estimator_frame(holes, d, indicator("reported_assault"), "did")
    want = _merged_frame(holes, d)
    pd.testing.assert_frame_equal(frame[want.columns], want)
    assert frame.loc[(frame["kommun"] == "0114") & (frame["year"] == 2015), "population"].isna().all()


def test_duplicate_population_rows_are_refused_not_averaged(demo):
    dup = pd.concat([demo, demo[(demo["indicator"] == "population") & (demo["kommun"] == "0980")]],
                    ignore_index=True)
    dup.attrs = dict(demo.attrs)
    pv = PanelPivots(dup)
    assert pv.duplicated("population") and pv.lookup("population", pd.Series(["0980"]), pd.Series([2015])) is None
    with pytest.raises(pd.errors.MergeError):
        evaluate(dup, "gotland-2020", "reported_assault", pivots=pv)


def test_missing_tidy_columns_and_indicators_are_one_clear_error(demo):
    with pytest.raises(DesignError, match="tidy columns"):
        PanelPivots(demo.drop(columns="value")).wide("reported_assault")
    with pytest.raises(DesignError, match="not in the panel"):
        PanelPivots(demo).wide("no_such_indicator")
    assert PanelPivots(demo).select("reported_assault", ["0980"], [2015, 2016])["value"].size == 2
    assert np.isnan(PanelPivots(demo).lookup("population", pd.Series(["9999"]), pd.Series([2015]))[0])
