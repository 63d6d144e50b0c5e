"""Hand-made EffectResult objects for renderer and plot tests (no estimation involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lofteeval.results import EffectResult

__all__ = ["make_result"]


def make_result(estimate: float, ci_low: float, ci_high: float, p: float, *, indicator: str,
                scale: str = "relative", mde: float | None = 0.15, p_adjusted: float | None = None,
                level: float = 0.95, warnings: tuple[str, ...] = ()) -> EffectResult:
    years = np.arange(2012, 2023)
    base = 100 + 2 * (years - 2012)
    cf = base.astype(float)
    obs = cf * np.where(years >= 2020, 1 + estimate, 1.0) + np.sin(years)
    effects = pd.DataFrame({"time": years, "observed": obs, "counterfactual": cf, "effect": obs - cf})
    placebo = pd.DataFrame({"unit": [f"{1000 + i:04d}" for i in range(40)],
                            "effect": np.linspace(-0.3, 0.3, 40), "statistic": np.linspace(-3, 3, 40)})
    weights = pd.Series({"0180": 0.5, "1280": 0.3, "0114": 0.2, "0380": 0.0})
    comparison = pd.DataFrame({"kommun": ["0180", "1280", "0114", "0380"],
                               "reason": ["samma kommungrupp"] * 4})
    return EffectResult(
        method="synth", estimate=estimate, ci_low=ci_low, ci_high=ci_high, p_value=p, level=level,
        inference="placebo-in-space rank", scale=scale, effects=effects, mde=mde,
        diagnostics={"n_comparison": 4, "n_pre": 8, "n_post": 3, "treatment_start": 2020,
                     "pre_periods": [int(y) for y in years if y < 2020],
                     "post_periods": [int(y) for y in years if y >= 2020]},
        warnings=warnings, lofte_id="test-2020", kommun="0980", indicator=indicator,
        weights=weights, placebo=placebo, comparison=comparison, p_adjusted=p_adjusted,
    )
