"""Hand-made löfte and EffectResult objects so the renderers are tested without the pipeline."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lofteeval.indicators import INDICATORS
from lofteeval.reports.build import Evaluated
from lofteeval.results import EffectResult


def make_result(estimate: float, ci_low: float, ci_high: float, p: float, *, indicator: str,
                scale: str = "relative", mde: float | None = 0.15, p_adjusted: float | None = None,
                level: float = 0.95, warnings: tuple[str, ...] = ()) -> EffectResult:
    years = np.arange(2012, 2023)
    base = 100 + 2 * (years - 2012)
    cf = base.astype(float)
    obs = cf * np.where(years >= 2020, 1 + estimate, 1.0) + np.sin(years)
    effects = pd.DataFrame({"time": years, "observed": obs, "counterfactual": cf, "effect": obs - cf})
    placebo = pd.DataFrame({"unit": [f"{1000 + i:04d}" for i in range(40)],
                            "estimate": np.linspace(-0.3, 0.3, 40)})
    weights = pd.Series({"0180": 0.5, "1280": 0.3, "0114": 0.2, "0380": 0.0})
    comparison = pd.DataFrame({"kommun": ["0180", "1280", "0114", "0380"],
                               "reason": ["samma kommungrupp"] * 4})
    return EffectResult(
        method="synth", estimate=estimate, ci_low=ci_low, ci_high=ci_high, p_value=p, level=level,
        inference="placebo-in-space rank", scale=scale, effects=effects, mde=mde,
        diagnostics={"n_comparison": 4, "n_pre": 8, "n_post": 3, "treatment_start": 2020},
        warnings=warnings, lofte_id="test-2020", kommun="0980", indicator=indicator,
        weights=weights, placebo=placebo, comparison=comparison, p_adjusted=p_adjusted,
    )


@pytest.fixture
def fake_lofte() -> SimpleNamespace:
    act = SimpleNamespace(id="a1", text="Fem våldsutsatta kvinnor ska ha erbjudits SIP", owner="kommun",
                          target=5, unit="kvinnor", deadline=dt.date(2020, 12, 31), focus_area="vald_nara_relation")
    return SimpleNamespace(
        id="test-2020", title="Medborgarlöfte för Gotland 2020", kind="lofte", kommuner=("0980",),
        lokalpolisomrade="Gotland", signed=dt.date(2020, 2, 1), start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31), focus_areas=("narkotika", "vald_nara_relation"), activities=(act,),
        source={"document": "Medborgarlöfte 2020", "publisher": "Polisen", "date": "2020-02-01"},
        notes="Anteckning med å, ä och ö.", assumptions=(), start_year=2020, end_year=2022,
        years=(2020, 2021, 2022), is_lofte=True,
    )


@pytest.fixture
def fake_evaluated() -> Evaluated:
    drug = make_result(0.25, 0.08, 0.45, 0.01, indicator="reported_drug_offences", p_adjusted=0.02)
    dv = make_result(-0.08, -0.25, 0.10, 0.40, indicator="reported_domestic_violence", p_adjusted=0.40)
    return Evaluated(
        areas=("narkotika", "vald_nara_relation"),
        pairs={"narkotika": ((drug, INDICATORS["reported_drug_offences"]),),
               "vald_nara_relation": ((dv, INDICATORS["reported_domestic_violence"]),)},
        failures={"narkotika": ((INDICATORS["problem_drugs"], "saknas i panelen"),),
                  "vald_nara_relation": ()},
    )
