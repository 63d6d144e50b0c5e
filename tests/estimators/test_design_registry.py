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


def test_method_literal_is_the_registry():
    """`_types.Method` and the registry cannot drift apart."""
    from typing import get_args

    from lofteeval._types import Method

    assert set(get_args(Method)) == set(REGISTRY)


def test_pooled_designs_share_one_pool_keyword_with_older_aliases():
    from lofteeval.errors import DataError

    pooled = {m: s for m, s in REGISTRY.items() if s.pool is not None}
    assert set(pooled) == {"did", "synth", "sdid"} and {s.pool for s in pooled.values()} == {"pool"}
    df = simulate_null_panel(n_units=12, years=range(2012, 2022), seed=4)
    kw = dict(unit="kommun", time="year", outcome="rate", treated="0001", treatment_start=2019)
    units = sorted(set(df["kommun"]) - {"0001", "0002"})
    for fn, alias in ((est.did, "controls"), (est.synthetic_control, "donors"), (est.synthetic_did, "donors")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a, b = fn(df, pool=units, **kw), fn(df, **{alias: units}, **kw)
        assert a.estimate == pytest.approx(b.estimate, rel=1e-12) and a.diagnostics["n_comparison"] == 10
        with pytest.raises(DataError, match=rf"pass the comparison units once, as pool= \({alias}= is its "
                                            rf"older name\); got pool=, {alias}="):
            fn(df, pool=units, **{alias: units}, **kw)


def test_auto_reads_the_registry(monkeypatch):
    """A new design with an `auto` preference is chosen by choose_method without editing it."""
    from types import SimpleNamespace

    from lofteeval.estimators.registry import DesignSpec
    from lofteeval.evaluation import choose_method

    design = SimpleNamespace(comparison=list(range(30)), pre_period=(2015, 2016, 2017, 2018, 2019, 2020),
                             treated=("0180",))
    crime = SimpleNamespace(kind="crime")
    assert choose_method(design, crime)[0] == "synth"
    several = SimpleNamespace(comparison=list(range(30)), pre_period=design.pre_period, treated=("0180", "0181"))
    method, reason = choose_method(several, crime)
    assert method == "did" and reason.startswith("not synthetic control: several treated kommuner; ")
    few = SimpleNamespace(comparison=[1, 2], pre_period=design.pre_period, treated=("0180",))
    method, reason = choose_method(few, SimpleNamespace(kind="survey"))
    assert method == "before_after" and "not DiD: 2 comparison kommuner (< 5)" in reason
    new = DesignSpec("its", "its", "its", exposure=True, label="ITS", auto=0, auto_min_pre=6)
    monkeypatch.setitem(REGISTRY, "its", new)
    assert choose_method(design, crime) == ("its", "6 pre years (>= 6): ITS")
