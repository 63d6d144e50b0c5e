"""Tests for lofteeval.datasets: the null-panel simulator and the synthetic demo panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval import datasets
from lofteeval.errors import DataError


# -- simulate_null_panel ------------------------------------------------------------------------
def test_null_panel_shape_and_schema():
    df = datasets.simulate_null_panel(n_units=12, years=range(2012, 2020), seed=3, treatment_start=2017)
    assert list(df.columns) == ["kommun", "year", "count", "population", "rate", "treated"]
    assert len(df) == 12 * 8
    assert df["kommun"].str.fullmatch(r"\d{4}").all()
    assert df.attrs["treated"] == ["0001"]
    assert df.attrs["treatment_start"] == 2017
    assert df.attrs["synthetic"] is True
    assert (df.loc[df["kommun"] == "0001", "population"].iloc[0]) == 150_000
    np.testing.assert_allclose(df["rate"], df["count"] / df["population"] * 1e5)
    assert (df["count"] >= 0).all()


def test_null_panel_is_deterministic_for_a_seed():
    a = datasets.simulate_null_panel(n_units=10, seed=7)
    b = datasets.simulate_null_panel(n_units=10, seed=7)
    c = datasets.simulate_null_panel(n_units=10, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["count"].equals(c["count"])


def test_null_panel_counts_are_overdispersed():
    # NB counts with AR noise: the variance across years of a large unit exceeds the Poisson
    # variance (its mean) once the common year effects are removed by a ratio to the others.
    df = datasets.simulate_null_panel(n_units=40, seed=2, year_sd=0.0, ar_sd=0.0, unit_sd=0.0,
                                      treated_size=1e5, base_rate=2000, dispersion=20)
    c = df.loc[df["kommun"] == "0001", "count"].to_numpy()
    assert c.var(ddof=1) > 2 * c.mean()


def test_null_panel_injected_effect_is_recovered_by_a_ratio():
    # With no noise beyond NB sampling, the post/pre ratio of the treated unit relative to the
    # others estimates 1 + effect; 40 units x 15 years keeps the error well under 5 points.
    df = datasets.simulate_null_panel(n_units=40, seed=4, effect=-0.3, treated_size=5e5,
                                      population_range=(4e5, 6e5), ar_sd=0.0, year_sd=0.0)
    post = df["year"] >= 2020
    tr = df["treated"]
    ratio = (df.loc[tr & post, "count"].sum() / df.loc[tr & ~post, "count"].sum()) / (
        df.loc[~tr & post, "count"].sum() / df.loc[~tr & ~post, "count"].sum()
    )
    assert ratio - 1 == pytest.approx(-0.3, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_units": 2}, "n_units must be >= n_treated \\+ 2"),
        ({"treatment_start": 2010}, "treatment_start must leave pre and post years"),
        ({"years": [2010, 2012]}, "consecutive years"),
        ({"population_range": (5, 1)}, "population_range"),
    ],
)
def test_null_panel_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        datasets.simulate_null_panel(**kwargs)
