"""The table of inference ids: one vocabulary, older names as aliases, one clear error."""

from __future__ import annotations

import pytest

from lofteeval._types import check_level
from lofteeval.errors import DataError
from lofteeval.inference.methods import (ALIASES, DEFAULT_INFERENCE, INFERENCE, describe_inference,
                                         inference_choices, resolve_inference)


@pytest.mark.parametrize(("method", "name", "expected"), [
    ("synth", "studentised", "placebo_rank"), ("did", "permutation", "placebo_rank"),
    ("sdid", "placebo_rank", "placebo_rank"), ("synth", "rmspe_ratio", "placebo_rank_rmspe"),
    ("before_after", "stationary", "prediction"), ("its", "structural", "posterior_predictive"),
])
def test_older_names_resolve_to_one_id(method, name, expected):
    assert resolve_inference(method, name) == expected


def test_unknown_or_unsuited_inference_names_the_choices():
    with pytest.raises(DataError, match=r"'inference' must be one of .*'cluster'.* for 'did'"):
        resolve_inference("did", "placebo_se")
    assert "placebo_se" in inference_choices("sdid")


def test_every_id_has_both_languages_and_every_default_is_in_the_table():
    for row in INFERENCE.values():
        assert row.label_sv and row.label_en and row.applies_to
    for method, default in DEFAULT_INFERENCE.items():
        assert method in INFERENCE[default].applies_to
    for method, names in ALIASES.items():
        assert all(INFERENCE[i] for i in names.values()), method


def test_descriptions_fill_their_numbers():
    assert describe_inference("cluster", lang="en", values={"df": 25}) == "cluster-robust by unit, t(25)"
    assert describe_inference("nope", fallback="as given") == "as given"


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.95", True, None])
def test_one_level_check(bad):
    with pytest.raises(DataError, match=r"'level' must be in \(0, 1\)"):
        check_level(bad)


@pytest.mark.parametrize("name", ["before_after", "its", "did", "synthetic_control", "synthetic_did"])
def test_every_estimator_rejects_a_bad_level_the_same_way(name):
    import lofteeval.estimators as est
    from lofteeval.datasets import simulate_null_panel

    df = simulate_null_panel(n_units=8, years=range(2014, 2022), seed=1)
    with pytest.raises(DataError, match=r"'level' must be in \(0, 1\)"):
        getattr(est, name)(df, unit="kommun", time="year", outcome="rate", treated="0001",
                           treatment_start=2019, level=95)


def test_structural_forecast_is_a_counterfactual_with_its_own_interval():
    from lofteeval.inference.methods import resolve_counterfactual

    assert resolve_counterfactual("before_after", None, None) == ("structural", "posterior_predictive")
    assert resolve_counterfactual("before_after", None, "stationary") == ("mean", "prediction")
    assert resolve_counterfactual("its", "trend", None) == ("trend", "prediction")
    with pytest.raises(DataError, match="counterfactual='structural' comes with inference='posterior_predictive'"):
        resolve_counterfactual("its", "structural", "prediction")
    with pytest.raises(DataError, match="'counterfactual' must be one of"):
        resolve_counterfactual("its", "mean", None)


def test_older_inference_names_give_the_same_numbers_as_the_counterfactual():
    import warnings

    from lofteeval.datasets import simulate_null_panel
    from lofteeval.estimators import before_after, its

    df = simulate_null_panel(n_units=3, years=range(2010, 2022), seed=3)
    kw = dict(unit="kommun", time="year", outcome="count", exposure="population", treated="0001",
              treatment_start=2019)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fn, plain in ((before_after, "mean"), (its, "trend")):
            old, new = fn(df, inference="stationary", **kw), fn(df, counterfactual=plain, **kw)
            assert (old.estimate, old.ci_low, old.p_value) == (new.estimate, new.ci_low, new.p_value)
            assert new.diagnostics["counterfactual"] == plain
            assert fn(df, **kw).diagnostics["counterfactual"] == "structural"
