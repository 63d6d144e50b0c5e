"""The registry of designs: declared needs drive dispatch; exposure works wherever counts are modelled."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import lofteeval.estimators as est
from lofteeval.datasets import simulate_null_panel
from lofteeval.errors import DesignError
from lofteeval.estimators.registry import REGISTRY, design_spec


def test_every_entry_names_an_estimator_that_takes_what_it_declares():
    for method, spec in REGISTRY.items():
        fn = spec.estimator()
        assert getattr(est, spec.function) is fn
        kw = spec.arguments(outcome="y", treated=["0001"], treatment_start=2020, pool=["0002"],
                            level=0.9, exposure="pop", n="resp")
        accepted = inspect.signature(fn).parameters
        assert set(kw) <= set(accepted), (method, set(kw) - set(accepted))
        assert spec.default_inference in spec.inferences or method == "staggered"
        assert "exposure" in accepted or spec.cohorts, f"{method} must accept exposure="


def test_unknown_method_lists_the_designs():
    with pytest.raises(DesignError, match=r"method must be one of \['before_after'"):
        design_spec("rdd")


@pytest.mark.parametrize("name", ["synthetic_control", "synthetic_did"])
def test_synthetic_designs_accept_counts_with_exposure(name):
    df = simulate_null_panel(n_units=12, years=range(2012, 2022), seed=4)
    kw = dict(unit="kommun", time="year", treated="0001", treatment_start=2019)
    fn = getattr(est, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_rates = fn(df.assign(rate=df["count"] / df["population"] * 1e5), outcome="rate", **kw)
        on_counts = fn(df, outcome="count", exposure="population", **kw)
    np.testing.assert_allclose(on_counts.estimate, on_rates.estimate, rtol=1e-10)
    assert on_counts.p_value == pytest.approx(on_rates.p_value)
    with pytest.raises(ValueError, match="exposure column 'population' must be positive"):
        fn(df.assign(population=0.0), outcome="count", exposure="population", **kw)
