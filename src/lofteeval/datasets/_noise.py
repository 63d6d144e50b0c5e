"""The count model shared by the demo panel and the null-panel simulator (synthetic data only)."""

from __future__ import annotations

import numpy as np

from ..indicators import COUNT_DISPERSION

def _nb_size(population: np.ndarray, dispersion: float) -> np.ndarray:
    """Negative-binomial size per kommun: larger kommuner have relatively smoother series.

    The extra-Poisson relative standard deviation is ``1 / sqrt(size)``; with ``size =
    dispersion * population / 50 000`` (clipped to 20..5000) it is about 8 % for a kommun of
    50 000 and 3 % for one of 600 000 when ``dispersion=150``.
    """
    return np.clip(dispersion * np.asarray(population, dtype=float) / 50_000.0, 20.0, 5000.0)


_MIN_SIZE, _MAX_SIZE = 20.0, 5000.0


def _nb_size_for_mean(mean: np.ndarray, dispersion: float = COUNT_DISPERSION) -> np.ndarray:
    """Negative-binomial size that grows with the count level: ``var ~= dispersion x mean``.

    ``size = mean / (dispersion - 1)`` makes the variance ``mean + mean**2 / size`` equal
    ``dispersion x mean`` (quasi-Poisson), so a series' relative noise falls like
    ``sqrt(dispersion / mean)`` with its own count level, whatever the kommun's size.  Clipped to
    20..5000: small counts are at most NB(20) (about Poisson for a mean of a few), the largest
    never smoother than NB(5000).
    """
    raw = np.asarray(mean, dtype=float) / max(dispersion - 1.0, 1e-9)
    return np.clip(raw, _MIN_SIZE, _MAX_SIZE)


def _ar1(rng: np.random.Generator, shape: tuple[int, int], rho: float, sd: float) -> np.ndarray:
    """Stationary AR(1) noise along axis 1 with innovation standard deviation ``sd``."""
    n_units, n_years = shape
    out = np.empty(shape)
    innov = rng.normal(0.0, sd, size=shape)
    out[:, 0] = innov[:, 0] / np.sqrt(max(1.0 - rho**2, 1e-12))
    for t in range(1, n_years):
        out[:, t] = rho * out[:, t - 1] + innov[:, t]
    return out


def _draw_nb(rng: np.random.Generator, mean: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Negative-binomial counts with the given mean and size (variance ``mu + mu**2 / size``)."""
    size = np.broadcast_to(size, mean.shape)
    prob = size / (size + mean)
    return rng.negative_binomial(size, prob).astype(float)
