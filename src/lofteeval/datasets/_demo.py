"""The synthetic demo panel: 290 real kommuner × years × every focus-area indicator.

*Syntetiska data – endast för demonstration.*  Parameters live in ``_anchors.py``, the count model in
``_noise.py``; ``docs/demo_data.md`` describes the data-generating process.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataError
from ._anchors import (_BREAK_2015, _COVID, _DV_FACTOR, _GROUP_LEVEL, _GROUP_TREND, _INDEX_LEVEL,
                       _NATIONAL_PER_100K, _NATIONAL_PERCENT, _SHARE_GROUP, _URBAN, INJECTED_EFFECTS)
from ._noise import _ar1, _draw_nb, _nb_size_for_mean

if TYPE_CHECKING:
    from ..indicators import IndicatorSpec

SYNTHETIC_LABEL_SV = "Syntetiska data – endast för demonstration"
SYNTHETIC_LABEL_EN = "Synthetic data – for demonstration only"

# ----------------------------------------------------------------------------------------------
# Kommun reference for the demo panel
# ----------------------------------------------------------------------------------------------
def _kommun_reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kommuner (``kommun, name, lan, kommungrupp``) and population (``kommun, year, population, flag``).

    Both come from :mod:`lofteeval.harmonise.kommuner` (real SCB codes and population, SKR 2023
    kommungrupper); population rows keep its flags (``interpolated``, ``rounded``, ...).
    """
    from ..harmonise.kommuner import kommuner, population

    ref = kommuner()
    kom = pd.DataFrame({"kommun": ref["kommun"].astype(str), "name": ref["name"].astype(str),
                        "lan": ref["lan"].astype(str),
                        "kommungrupp": ref["kommungrupp"].astype(str).str.extract(r"([ABC]\d)", expand=False)})
    pop = population()
    out = pd.DataFrame({"kommun": pop["kommun"].astype(str), "year": pop["year"].astype(int),
                        "population": pop["value"].astype(float), "flag": pop["flag"].fillna("").astype(str)})
    return kom, out


# ----------------------------------------------------------------------------------------------
# The demo panel
# ----------------------------------------------------------------------------------------------
DEMO_YEARS = range(2010, 2025)
"""The demo panel's default years (every indicator has a value in each)."""


def demo_panel(seed: int = 0, *, years: Iterable[int] = DEMO_YEARS) -> pd.DataFrame:
    """Return the synthetic tidy demo panel: 290 real kommuner × years × every focus-area indicator.

    Crime indicators are negative-binomial counts around the national level per 100 000
    (``_NATIONAL_PER_100K``, from ``../shared/data/national_levels``) scaled by real population,
    with SKR-kommungrupp levels and trends, kommun effects and AR(1) noise; survey indicators are
    binomial shares (or noisy indices) from a realistic number of respondents, with ``n`` and
    ``se``.  The effects in :data:`INJECTED_EFFECTS` are built in; nothing else has an effect.
    See ``docs/demo_data.md``.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed (and reference data) gives the same panel.
    years : iterable of int
        Years to draw (the default 2010–2024 is what the documented effects assume).

    Returns
    -------
    pandas.DataFrame
        The tidy schema (``kommun, year, indicator, value, unit, source, flag, n, se``) with
        ``source="demo"``, ``flag="synthetic"`` on drawn rows (population rows are real SCB
        numbers and keep their own flag: ``""`` or ``"interpolated"``), and
        ``attrs["synthetic"] = True`` plus ``attrs["label_sv"]``.

    Examples
    --------
    >>> panel = demo_panel(seed=0)
    >>> panel.attrs["synthetic"], panel["kommun"].nunique()
    (True, 290)
    """
    return _demo_panel(seed, years=years, inject=True)


def _demo_panel(seed: int, *, years: Iterable[int], inject: bool) -> pd.DataFrame:
    """:func:`demo_panel`; ``inject=False`` draws the same panel (same random numbers) without effects."""
    from ..indicators import INDICATORS

    yrs = np.asarray(list(years), dtype=int)
    kom, pop_long = _kommun_reference()
    kom = kom.sort_values("kommun").reset_index(drop=True)
    pop = (pop_long.pivot(index="kommun", columns="year", values="population")
           .reindex(index=kom["kommun"], columns=yrs))
    if pop.isna().any().any():
        raise DataError(f"population is missing for some kommun-years in {yrs[0]}-{yrs[-1]}; "
                        "the demo panel needs population for every kommun and year.")
    ctx = _DemoContext(kom=kom, years=yrs, pop=pop.to_numpy(float), rng=np.random.default_rng(seed),
                      seed=seed, inject=inject)
    frames = [_population_frame(pop_long, kom, yrs)]
    for spec in INDICATORS.values():
        if not spec.focus_areas:
            continue
        if spec.kind == "crime":
            frames.append(_crime_frame(ctx, spec))
        elif spec.unit == "percent":
            frames.append(_share_frame(ctx, spec))
        else:
            frames.append(_index_frame(ctx, spec))
    panel = pd.concat(frames, ignore_index=True)
    for col in ("kommun", "indicator", "unit", "source", "flag"):
        panel[col] = panel[col].astype("string")
    panel["year"] = panel["year"].astype("int64")
    panel.attrs.update(synthetic=True, label_sv=SYNTHETIC_LABEL_SV, label_en=SYNTHETIC_LABEL_EN,
                       seed=int(seed), injected_effects="lofteeval.datasets.INJECTED_EFFECTS")
    return panel


@dataclass
class _DemoContext:
    kom: pd.DataFrame
    years: np.ndarray
    pop: np.ndarray
    rng: np.random.Generator
    seed: int = 0
    inject: bool = True

    def __post_init__(self) -> None:
        groups = self.kom["kommungrupp"].fillna("C6").to_numpy()
        self.group_level = np.array([_GROUP_LEVEL.get(g, 0.0) for g in groups])
        self.group_trend = np.array([_GROUP_TREND.get(g, 0.0) for g in groups])
        self.common = self.rng.normal(0.0, 0.2, size=len(self.kom))
        self.codes = self.kom["kommun"].to_numpy(dtype=object)
        self.n_resp = np.round(150 + 2.0 * np.sqrt(self.pop))

    def rng_for(self, indicator: str, stream: int = 0) -> np.random.Generator:
        """A random stream of its own per indicator (adding an indicator leaves the others as they
        were); ``stream=1`` is the injected effects' stream, so that every cell without an effect
        is the same draw with and without injections."""
        return np.random.default_rng([int(self.seed), zlib.crc32(indicator.encode()), stream])

    def effect_mask(self, indicator: str) -> list[tuple[np.ndarray, float]]:
        out: list[tuple[np.ndarray, float]] = []
        for eff in INJECTED_EFFECTS if self.inject else ():
            if eff.indicator != indicator:
                continue
            rows = np.isin(self.codes, eff.kommuner)[:, None]
            out.append((rows & (self.years >= eff.start_year)[None, :], eff.effect))
        return out

    def frame(self, indicator: str, unit: str, value: np.ndarray, n: np.ndarray, se: np.ndarray) -> pd.DataFrame:
        n_k, n_t = value.shape
        return pd.DataFrame({
            "kommun": np.repeat(self.codes, n_t), "year": np.tile(self.years, n_k),
            "indicator": indicator, "value": value.ravel(), "unit": unit, "source": "demo",
            "flag": "synthetic", "n": n.ravel().astype(float), "se": se.ravel().astype(float),
        })


def _anchor(points: dict[int, float], years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-linear interpolation of national anchors (constant beyond the ends) and an observed mask."""
    xs = np.array(sorted(points), dtype=float)
    ys = np.log([points[int(x)] for x in xs])
    return np.exp(np.interp(years.astype(float), xs, ys)), np.isin(years, xs.astype(int))


def _crime_frame(ctx: _DemoContext, spec: IndicatorSpec) -> pd.DataFrame:
    rng = ctx.rng_for(spec.id)
    cat = str(spec.national_category)
    nat, observed = _anchor(_NATIONAL_PER_100K[cat], ctx.years)
    if spec.id == "reported_domestic_violence":
        nat = nat * _DV_FACTOR
    urban = _URBAN.get(spec.id, 1.0)
    n_k = len(ctx.kom)
    level = urban * ctx.group_level + ctx.common + rng.normal(0.0, 0.15, size=n_k)
    rel = np.exp(level[:, None] + urban * ctx.group_trend[:, None] * (ctx.years - 2017)[None, :])
    scale = nat * ctx.pop.sum(axis=0) / (ctx.pop * rel).sum(axis=0)  # population-weighted = national
    rate = rel * scale[None, :]
    rate = rate * np.where(ctx.years < 2015, _BREAK_2015, 1.0)[None, :]
    for year, factor in _COVID.get(cat, {}).items():
        rate[:, (ctx.years == year) & ~observed] *= factor
    rate = rate * np.exp(_ar1(rng, rate.shape, 0.5, 0.02))
    mean = ctx.pop * rate / 1e5
    size = _nb_size_for_mean(mean)
    counts = _draw_nb(rng, mean, size)
    effect_rng = ctx.rng_for(spec.id, 1)
    for mask, eff in ctx.effect_mask(spec.id):
        counts = _scale_counts(effect_rng, counts, mean, size, mask, eff)
    return ctx.frame(spec.id, "per_100k", counts / ctx.pop * 1e5, counts,
                     np.full(counts.shape, np.nan))


def _scale_counts(rng: np.random.Generator, counts: np.ndarray, mean: np.ndarray, size: np.ndarray,
                  mask: np.ndarray, effect: float) -> np.ndarray:
    """Apply a relative effect to drawn NB counts in ``mask``: thin them (``effect < 0``) or add an
    independent NB draw with the same ``p`` and mean ``effect x mean`` (``effect > 0``).

    Thinning NB(size, mean) with keep-probability ``1 + effect`` gives NB(size, (1 + effect) mean);
    adding NB(effect x size, p) gives NB((1 + effect) size, p), mean ``(1 + effect) x mean``.  So
    the expected count is exactly ``(1 + effect)`` times the no-effect one, and the cells without
    an effect are the same draws as in the panel without injections.
    """
    out = counts.copy()
    c = counts[mask].astype(np.int64)
    if effect < 0:
        out[mask] = rng.binomial(c, 1.0 + effect)
    elif effect > 0:
        sz = np.broadcast_to(size, counts.shape)[mask]
        m = mean[mask]
        out[mask] = c + rng.negative_binomial(effect * sz, sz / (sz + m))
    return out


def _share_frame(ctx: _DemoContext, spec: IndicatorSpec) -> pd.DataFrame:
    rng = ctx.rng_for(spec.id)
    nat, _ = _anchor(_NATIONAL_PERCENT[str(spec.national_category)], ctx.years)
    n_k = len(ctx.kom)
    grad = _SHARE_GROUP.get(spec.id, 0.5)
    logit = np.log(nat / (100 - nat))[None, :] + grad * ctx.group_level[:, None] \
        + rng.normal(0.0, 0.3, size=n_k)[:, None] + _ar1(rng, (n_k, ctx.years.size), 0.5, 0.05)
    share = 100 / (1 + np.exp(-logit))
    for mask, eff in ctx.effect_mask(spec.id):
        share = np.where(mask, share + eff, share)
    share = np.clip(share, 0.5, 99.5)
    n = np.round(ctx.n_resp * rng.uniform(0.85, 1.15, size=ctx.n_resp.shape))
    # inverse-CDF draw: the same uniforms with and without an injected effect (paired panels)
    from scipy.stats import binom

    observed = binom.ppf(rng.random(share.shape), n, share / 100) / n * 100
    se = np.sqrt(observed * (100 - observed) / n)
    return ctx.frame(spec.id, "percent", observed, n, se)


def _index_frame(ctx: _DemoContext, spec: IndicatorSpec) -> pd.DataFrame:
    rng = ctx.rng_for(spec.id)
    base = _INDEX_LEVEL.get(spec.id, 1.9)
    n_k = len(ctx.kom)
    true = base + 0.6 * ctx.group_level[:, None] + rng.normal(0.0, 0.2, size=n_k)[:, None] \
        + _ar1(rng, (n_k, ctx.years.size), 0.5, 0.04)
    for mask, eff in ctx.effect_mask(spec.id):
        true = np.where(mask, true + eff, true)
    n = np.round(ctx.n_resp * rng.uniform(0.85, 1.15, size=ctx.n_resp.shape))
    se = 1.2 / np.sqrt(n)  # item-mean standard deviation ~1.2 index points
    observed = np.clip(true + rng.normal(0.0, 1.0, size=true.shape) * se, 0.0, 6.0)
    return ctx.frame(spec.id, "index", observed, n, se)


def _population_frame(pop_long: pd.DataFrame, kom: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    p = pop_long[pop_long["kommun"].isin(kom["kommun"]) & pop_long["year"].isin(years)]
    p = p.sort_values(["kommun", "year"])
    return pd.DataFrame({
        "kommun": p["kommun"].to_numpy(), "year": p["year"].to_numpy(), "indicator": "population",
        "value": p["population"].to_numpy(float), "unit": "count", "source": "demo",
        "flag": p["flag"].to_numpy(), "n": np.nan, "se": np.nan,
    })
