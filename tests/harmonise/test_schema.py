"""validate_tidy: normalisation, one error collecting every failure, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lofteeval.errors import DataError, DroppedRowsWarning
from lofteeval.harmonise.schema import OPTIONAL_COLUMNS, TIDY_COLUMNS, validate_tidy


def _frame(**overrides):
    base = {
        "kommun": ["0114", "0180", "0980"],
        "year": [2019, 2020, 2021],
        "indicator": ["reported_drug_offences", "population", "unsafe_outdoors_night"],
        "value": [10.0, 980000.0, 25.0],
        "unit": ["per_100k", "count", "percent"],
        "source": ["bra", "scb", "survey"],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_normalised_copy_with_dtypes(tiny_panel):
    v = validate_tidy(tiny_panel)
    assert list(v.columns) == [*TIDY_COLUMNS, *OPTIONAL_COLUMNS]
    assert str(v["kommun"].dtype) == "str" and v["year"].dtype == "int64"
    assert v["value"].dtype == "float64" and v["n"].dtype == "float64"
    assert (v["flag"] == "").all()
    assert len(v) == len(tiny_panel)


def test_input_never_mutated(tiny_panel):
    before = tiny_panel.copy()
    validate_tidy(tiny_panel.assign(kommun=tiny_panel["kommun"].astype(int)))
    pd.testing.assert_frame_equal(tiny_panel, before)


def test_integer_codes_are_zero_padded_and_optional_columns_added():
    v = validate_tidy(_frame(kommun=[114, 180, 980], year=[2019.0, 2020.0, 2021.0]))
    assert v["kommun"].tolist() == ["0114", "0180", "0980"]
    assert v["year"].tolist() == [2019, 2020, 2021]
    assert v["se"].isna().all() and (v["flag"] == "").all()


def test_attrs_survive():
    df = _frame()
    df.attrs["synthetic"] = True
    assert validate_tidy(df).attrs["synthetic"] is True


def test_missing_columns():
    with pytest.raises(DataError, match=r"missing \['unit', 'source'\]"):
        validate_tidy(_frame().drop(columns=["unit", "source"]))


def test_not_a_frame():
    with pytest.raises(DataError, match="needs a pandas DataFrame"):
        validate_tidy([1, 2, 3])


# A corpus of bad frames: each must produce its own message (with a count) in the one error.
BAD = [
    ("kommun_not_4_digits", _frame(kommun=["114x", "0180", "0980"]), r"4-digit code.*1 row; e.g. '114x'"),
    ("unknown_code", _frame(kommun=["9999", "0180", "0980"]), r"290 current codes.*1 row; e.g. '9999'"),
    ("name_as_code", _frame(kommun=["Stockholm", "0180", "0980"]), r"4-digit code.*'Stockholm'"),
    ("non_integer_year", _frame(year=[2019.5, 2020, 2021]), r"year must be an integer: 1 row; e.g. 2019.5"),
    ("text_year", _frame(year=["2019/20", 2020, 2021]), r"year must be an integer: 1 row"),
    ("year_out_of_range", _frame(year=[1850, 2020, 2045]), r"within 1990-2030.*2 rows; e.g. 1850, 2045"),
    ("unknown_unit", _frame(unit=["per_1000", "count", "percent"]), r"unit must be one of.*'per_1000'"),
    ("unknown_indicator", _frame(indicator=["crimes", "population", "unsafe_outdoors_night"]),
     r"indicator must be an id.*'crimes'"),
    ("empty_source", _frame(source=["", "scb", "survey"]), r"source must not be empty: 1 row"),
    ("text_value", _frame(value=["..", 1.0, 2.0]), r"value must be numeric.*'\.\.'"),
    ("nan_without_flag", _frame(value=[np.nan, 1.0, 2.0]), r"NaN but flag is empty.*: 1 row; e.g. '0114/2019'"),
    ("negative_count", _frame(value=[-3.0, -1.0, 2.0]), r"count and per_100k values must be >= 0: 2 rows"),
    ("percent_over_100", _frame(value=[1.0, 1.0, 120.0]), r"percent values must be within 0-100: 1 row; e.g. 120.0"),
    ("negative_n", _frame(n=[-1.0, 1.0, 1.0]), r"n must be >= 0: 1 row"),
    ("infinite", _frame(value=[np.inf, 1.0, 1.0]), r"value must be finite: 1 row"),
]


@pytest.mark.parametrize(("name", "frame", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_frame_corpus(name, frame, message):
    with pytest.raises(DataError, match=message):
        validate_tidy(frame)


def test_all_failures_collected_in_one_error():
    bad = pd.concat([b[1] for b in BAD], ignore_index=True)
    bad["n"] = bad["n"].astype(float)
    with pytest.raises(DataError) as info:
        validate_tidy(bad)
    msg = str(info.value)
    for fragment in ("4-digit", "290 current codes", "integer", "1990-2030", "unit must",
                     "indicator must", "numeric", "NaN but flag", ">= 0", "0-100", "finite"):
        assert fragment in msg, fragment
    assert msg.startswith("tidy data failed ")


def test_conflicting_duplicates_are_an_error_identical_ones_collapse():
    df = _frame()
    conflict = pd.concat([df, df.iloc[[0]].assign(value=11.0)], ignore_index=True)
    with pytest.raises(DataError, match=r"appear once.*2 rows; e.g. '0114/2019/reported_drug_offences/bra'"):
        validate_tidy(conflict)
    same = pd.concat([df, df.iloc[[0, 1]]], ignore_index=True)
    with pytest.warns(DroppedRowsWarning, match="dropped 2 exact duplicate"):
        out = validate_tidy(same)
    assert len(out) == 3


def test_nan_with_flag_is_fine_and_never_zero():
    out = validate_tidy(_frame(value=[np.nan, 1.0, 2.0], flag=["suppressed", "", ""]))
    assert np.isnan(out.loc[out["kommun"] == "0114", "value"].iloc[0])


def test_unknown_indicators_allowed_on_request():
    out = validate_tidy(_frame(indicator=["kolada_N07403", "population", "worry_crime"]),
                        allow_unknown_indicators=True)
    assert "kolada_N07403" in set(out["indicator"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_validating_twice_is_a_no_op_and_row_order_does_not_matter(tiny_panel, seed):
    once = validate_tidy(tiny_panel)
    pd.testing.assert_frame_equal(validate_tidy(once), once)
    shuffled = tiny_panel.sample(frac=1.0, random_state=seed)
    pd.testing.assert_frame_equal(validate_tidy(shuffled), once)


def test_no_warning_on_clean_data(tiny_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_tidy(tiny_panel)
