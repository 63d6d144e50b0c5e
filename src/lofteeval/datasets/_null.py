"""Null kommun panels for calibration and power studies (synthetic data only)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import DataError
from ._noise import _ar1, _draw_nb, _nb_size

def simulate_null_panel(
    *,
    n_units: int = 60,
    years: Iterable[int] = range(2010, 2025),
    seed: int = 0,
    treated_size: float = 150_000.0,
    n_treated: int = 1,
    treatment_start: int = 2020,
    effect: float = 0.0,
    base_rate: float = 1000.0,
    population_range: tuple[float, float] | None = None,
    unit_sd: float = 0.25,
    year_sd: float = 0.04,
    trend_sd: float = 0.0,
    ar_rho: float = 0.5,
    ar_sd: float = 0.02,
    dispersion: float = 150.0,
) -> pd.DataFrame:
    """Draw a kommun × year panel of counts with no effect (or a chosen one), like the demo panel.

    Counts are negative binomial around ``population * base_rate / 1e5 * exp(a_i + g_t + b_i t
    + u_it)`` with kommun effects ``a_i``, common year effects ``g_t`` (a random walk), optional
    kommun trends ``b_i`` (``trend_sd``, default none so that parallel trends hold), and AR(1)
    noise ``u_it``.  The first ``n_treated`` units (codes ``"0001"``, ...) are "treated" from
    ``treatment_start`` and have ``treated_size`` inhabitants; their mean is multiplied by
    ``1 + effect`` in treated years (``effect=0`` — the default — is the null).

    Parameters
    ----------
    n_units : int
        Number of kommuner, treated included (>= n_treated + 2).
    years : iterable of int
        Consecutive years.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same panel.
    treated_size : float
        Population of each treated unit.
    n_treated : int
        Number of treated units.
    treatment_start : int
        First treated year; must leave at least one pre and one post year.
    effect : float
        Relative effect on the treated units' expected count (``-0.2`` = 20 % fewer).
    base_rate : float
        National level per 100 000 inhabitants.
    population_range : (float, float) or None
        Draw comparison populations log-uniformly in this range; ``None`` draws them like Swedish
        kommuner (log-normal, median 16 000, clipped to 2 500–1 000 000).
    unit_sd, year_sd, trend_sd : float
        Standard deviations of kommun effects, year-effect steps and kommun trends (log scale).
    ar_rho, ar_sd : float
        AR(1) coefficient and innovation standard deviation of the kommun-year noise.
    dispersion : float
        Negative-binomial size for a kommun of 50 000 (scaled with population, see ``_nb_size``).

    Returns
    -------
    pandas.DataFrame
        Columns ``kommun`` (str), ``year`` (int), ``count``, ``population``, ``rate`` (per
        100 000), ``treated`` (bool).  ``attrs`` holds ``treated`` (list of codes),
        ``treatment_start``, ``effect`` and ``synthetic=True``.

    Raises
    ------
    DataError
        If the sizes or years cannot make a panel with pre and post years.

    Examples
    --------
    >>> df = simulate_null_panel(n_units=20, seed=1)
    >>> sorted(df.columns)
    ['count', 'kommun', 'population', 'rate', 'treated', 'year']
    >>> df.attrs["treated"]
    ['0001']
    """
    yrs = np.asarray(list(years), dtype=int)
    _check_null_args(n_units, yrs, n_treated, treatment_start)
    rng = np.random.default_rng(seed)
    n_years = yrs.size
    pop0 = _draw_populations(rng, n_units, n_treated, treated_size, population_range)
    growth = rng.normal(0.005, 0.007, size=n_units)
    pop = np.round(pop0[:, None] * np.exp(growth[:, None] * (yrs - yrs[0])[None, :]))
    alpha = rng.normal(0.0, unit_sd, size=n_units)
    gamma = np.cumsum(rng.normal(0.0, year_sd, size=n_years))
    trend = rng.normal(0.0, trend_sd, size=n_units) if trend_sd > 0 else np.zeros(n_units)
    centred = (yrs - yrs.mean())[None, :]
    noise = _ar1(rng, (n_units, n_years), ar_rho, ar_sd)
    log_mu = np.log(pop * base_rate / 1e5) + alpha[:, None] + gamma[None, :] + trend[:, None] * centred
    mu = np.exp(log_mu + noise)
    treated_mask = np.zeros((n_units, n_years), dtype=bool)
    treated_mask[:n_treated, :] = yrs[None, :] >= treatment_start
    mu = np.where(treated_mask, mu * (1.0 + effect), mu)
    counts = _draw_nb(rng, mu, _nb_size(pop, dispersion))
    codes = np.array([f"{i + 1:04d}" for i in range(n_units)], dtype=object)
    out = pd.DataFrame(
        {
            "kommun": pd.array(np.repeat(codes, n_years), dtype="string"),
            "year": np.tile(yrs, n_units).astype("int64"),
            "count": counts.ravel(),
            "population": pop.ravel(),
        }
    )
    out["rate"] = out["count"] / out["population"] * 1e5
    out["treated"] = np.repeat(np.arange(n_units) < n_treated, n_years)
    out.attrs.update(
        treated=[str(c) for c in codes[:n_treated]],
        treatment_start=int(treatment_start),
        effect=float(effect),
        synthetic=True,
    )
    return out


def _check_null_args(n_units: int, yrs: np.ndarray, n_treated: int, treatment_start: int) -> None:
    if n_treated < 1 or n_units < n_treated + 2:
        raise DataError(
            f"n_units must be >= n_treated + 2 and n_treated >= 1 (got n_units={n_units}, "
            f"n_treated={n_treated}); pass more units."
        )
    if yrs.size < 2 or np.any(np.diff(yrs) != 1):
        raise DataError(f"years must be >= 2 consecutive years (got {yrs.tolist()}).")
    if not (yrs[0] < treatment_start <= yrs[-1]):
        raise DataError(
            f"treatment_start must leave pre and post years inside {yrs[0]}-{yrs[-1]} "
            f"(got {treatment_start}); choose a year after {yrs[0]}."
        )


def _draw_populations(rng: np.random.Generator, n_units: int, n_treated: int, treated_size: float,
                      population_range: tuple[float, float] | None) -> np.ndarray:
    n_other = n_units - n_treated
    if population_range is None:
        other = np.clip(np.exp(rng.normal(np.log(16_000.0), 0.95, size=n_other)), 2_500.0, 1e6)
    else:
        lo, hi = population_range
        if not (0 < lo <= hi):
            raise DataError(f"population_range must be (low, high) with 0 < low <= high (got {population_range}).")
        other = np.exp(rng.uniform(np.log(lo), np.log(hi), size=n_other))
    return np.concatenate([np.full(n_treated, float(treated_size)), other])
