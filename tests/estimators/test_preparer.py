"""The one long -> wide preparer: missing-data policy, degenerate outcomes, argument checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lofteeval import estimators as est
from lofteeval.datasets import simulate_null_panel
from lofteeval.errors import DataError, DesignError, DroppedRowsWarning
from lofteeval.estimators._panel import prepare_panel

KW = dict(unit="kommun", time="year", treated="0001", treatment_start=2020)
DESIGNS = {
    "before_after": est.before_after, "its": est.its, "did": est.did,
    "synth": est.synthetic_control, "sdid": est.synthetic_did,
}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return simulate_null_panel(n_units=25, years=range(2010, 2024), seed=3)


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_treated_unit_lacking_a_year_is_one_data_error_in_every_design(df, name) -> None:
    holey = df.loc[~((df["kommun"] == "0001") & (df["year"] == 2014))]
    with pytest.raises(DataError, match=r"every treated unit must have 'rate' in every period of the window "
                                        r"2010-2023; '0001' lacks \[2014\]\. Fill those years upstream"):
        _quiet(DESIGNS[name], holey, outcome="rate", **KW)


@pytest.mark.parametrize("name", ["did", "synth", "sdid"])
def test_comparison_unit_lacking_a_year_is_left_out_and_recorded(df, name) -> None:
    holey = df.assign(rate=df["rate"].mask((df["kommun"] == "0007") & (df["year"].isin([2012, 2021]))))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        res = DESIGNS[name](holey, outcome="rate", **KW)
    assert any(issubclass(w.category, DroppedRowsWarning) for w in seen)
    (note,) = [w for w in res.warnings if w.kind == "DroppedRowsWarning"]
    assert note.values == {"units": ["0007"], "missing": {"0007": [2012, 2021]}}
    assert "0007 (2012, 2021)" in note.message
    assert res.diagnostics["n_comparison"] == 23


def test_panel_records_the_left_out_units(df) -> None:
    holey = df.loc[~((df["kommun"] == "0009") & (df["year"] == 2011))]
    with pytest.warns(DroppedRowsWarning):
        panel = prepare_panel(holey, unit="kommun", time="year", outcome="rate", treated="0001",
                              treatment_start=2020)
    assert panel.left_out == {"0009": [2011]} and "0009" not in panel.controls
    assert len(panel.controls) == 23 and panel.caveats[0].kind == "DroppedRowsWarning"


@pytest.mark.parametrize("name", list(DESIGNS))
@pytest.mark.parametrize("value", [0.0, 42.0])
def test_constant_treated_outcome_is_refused_not_perfect_power(df, name, value) -> None:
    flat = df.assign(rate=df["rate"].where(df["kommun"] != "0001", value))
    with pytest.raises(DesignError, match=r"the treated unit\(s\) \['0001'\] have 'rate' "
                                          r"(zero in every period|constant \(42\) in every period)"
                                          r".*minimum detectable effect of zero"):
        _quiet(DESIGNS[name], flat, outcome="rate", **KW)


@pytest.mark.parametrize("name", ["before_after", "its", "did"])
def test_all_zero_counts_are_refused_constant_counts_are_not(df, name) -> None:
    zero = df.assign(count=df["count"].where(df["kommun"] != "0001", 0.0))
    with pytest.raises(DesignError, match="all-zero counts"):
        _quiet(DESIGNS[name], zero, outcome="count", exposure="population", **KW)
    steady = df.assign(count=df["count"].where(df["kommun"] != "0001", 400.0))
    res = _quiet(DESIGNS[name], steady, outcome="count", exposure="population", **KW)
    assert res.mde is not None and res.mde > 0  # Poisson noise is known from the count


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"pre_years": "5"}, r"pre_years must be a number of years \(int >= 1\) or a list .*got '5' of type str"),
    ({"pre_years": -3}, r"'pre_years' must be an integer >= 1 \(got -3 of type int\)"),
    ({"pre_years": True}, r"'pre_years' must be an integer >= 1 \(got True of type bool\)"),
    ({"pre_years": [2001]}, r"pre_years lists \[2001\], which are not pre-period years"),
    ({"treatment_start": "2020"}, r"treatment_start must be a period like those of the time column.*got '2020' of type str"),
    ({"treatment_start": None}, r"treatment_start must be a period .*got None"),
    ({"treated": []}, r"treated must name at least one unit"),
    ({"treated": 1}, r"treated unit\(s\) \[1\] must appear in column 'kommun'.*'0180' as a string"),
    ({"level": 95}, r"'level' must be in \(0, 1\) \(got 95\)"),
])
def test_bad_arguments_give_one_data_error(df, kwargs, message) -> None:
    with pytest.raises(DataError, match=message):
        _quiet(est.before_after, df, outcome="rate", **{**KW, **kwargs})


@pytest.mark.parametrize(("fn", "kwargs", "message"), [
    (est.did, {"n_perm": 0}, r"'n_perm' must be an integer >= 1 \(got 0 of type int\)"),
    (est.did, {"n_perm": 99.5}, r"'n_perm' must be an integer >= 1 \(got 99.5 of type float\)"),
    (est.did, {"seed": "1"}, r"'seed' must be an integer >= 0 or None \(got '1' of type str\)"),
    (est.synthetic_did, {"replications": -1}, r"'replications' must be an integer >= 1"),
    (est.did, {"exposure": 3}, r"exposure= must be a column name \(a str\) or None \(got 3\)"),
    (est.did, {"exposure": "pop"}, r"columns named by exposure='pop'"),
])
def test_bad_estimator_options_give_one_data_error(df, fn, kwargs, message) -> None:
    with pytest.raises(DataError, match=message):
        _quiet(fn, df, outcome="rate", **{**KW, **kwargs})


def test_non_numeric_outcome_is_refused(df) -> None:
    with pytest.raises(DataError, match=r"outcome column 'rate' must be numeric \(got dtype (object|str)\)"):
        est.did(df.assign(rate=df["rate"].astype(str)), outcome="rate", **KW)


def test_staggered_checks_its_options() -> None:
    panel = pd.DataFrame([(u, t, 2005 if u < 3 else 0, float(np.sin(u + t)))
                          for u in range(8) for t in range(2000, 2010)],
                         columns=["id", "year", "first", "y"])
    with pytest.raises(DataError, match=r"'n_placebo' must be an integer >= 1 \(got 0"):
        est.staggered_did(panel, unit="id", time="year", outcome="y", cohort="first", n_placebo=0)
    with pytest.raises(DataError, match=r"'seed' must be an integer >= 0 or None \(got -1"):
        est.staggered_did(panel, unit="id", time="year", outcome="y", cohort="first", seed=-1)
