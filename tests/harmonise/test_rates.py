"""Rates per 100 000: known answers, NaN (never 0) without population, flags carried."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.harmonise.rates import add_rates, per_100k


def _counts():
    return pd.DataFrame({
        "kommun": ["0180", "0180", "0980", "0114"],
        "year": [2019, 2022, 2019, 2019],
        "indicator": ["reported_assault", "reported_assault", "reported_assault", "unsafe_outdoors_night"],
        "value": [9740.73, np.nan, 10.0, 20.0],
        "unit": ["count", "count", "count", "percent"],
        "source": ["bra", "bra", "bra", "survey"],
        "flag": ["", "suppressed", "", ""],
    })


def test_per_100k_known_answers():
    assert per_100k(50, 200_000) == 25.0
    out = per_100k(np.array([1.0, 2.0, 3.0]), np.array([0.0, np.nan, 300_000.0]))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == pytest.approx(1.0)
    s = per_100k(pd.Series([5.0], index=[7]), pd.Series([100_000.0], index=[7]))
    assert s.index.tolist() == [7] and s.iloc[0] == 5.0


def test_add_rates_with_shipped_population():
    c = _counts()
    out = add_rates(c)
    pd.testing.assert_frame_equal(c, _counts())  # input untouched
    sthlm = out.iloc[0]
    # Stockholm 31 Dec 2019 = 974 073 (SCB, folkmangd.csv)
    assert sthlm["unit"] == "per_100k" and sthlm["n"] == 9740.73
    assert sthlm["value"] == pytest.approx(9740.73 / 974_073 * 1e5)
    assert np.isnan(out.iloc[1]["value"])
    assert out.iloc[1]["flag"] == "suppressed;population_interpolated"
    survey = out.iloc[3]
    assert survey["unit"] == "percent" and survey["value"] == 20.0 and np.isnan(survey["n"])


def test_missing_population_is_nan_with_flag_never_zero():
    pop = pd.DataFrame({"kommun": ["0180"], "year": [2019], "value": [974_073.0]})
    out = add_rates(_counts(), pop)
    gotland = out.iloc[2]
    assert np.isnan(gotland["value"]) and gotland["flag"] == "no_population"
    assert gotland["n"] == 10.0
    zero = add_rates(_counts(), pd.DataFrame({"kommun": ["0980"], "year": [2019], "value": [0.0]}))
    assert np.isnan(zero.iloc[2]["value"]) and "no_population" in zero.iloc[2]["flag"]


def test_population_rows_in_the_frame_are_used():
    c = pd.concat([_counts(), pd.DataFrame({
        "kommun": ["0980"], "year": [2019], "indicator": ["population"], "value": [50_000.0],
        "unit": ["count"], "source": ["scb"], "flag": [""]})], ignore_index=True)
    out = add_rates(c)
    assert out.iloc[2]["value"] == pytest.approx(20.0)
    assert out.iloc[4]["unit"] == "count" and out.iloc[4]["value"] == 50_000.0


def test_bad_inputs():
    with pytest.raises(DataError, match="'unit' is missing"):
        add_rates(_counts().drop(columns="unit"))
    dup = pd.DataFrame({"kommun": ["0180", "0180"], "year": [2019, 2019], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match="one row per kommun and year"):
        add_rates(_counts(), dup)
