"""Synthetic data for docs, tests and calibration: the demo panel and null-panel simulator.

Everything here is **synthetic** (*Syntetiska data – endast för demonstration*):

- :func:`demo_panel` — a tidy panel (``../shared/STYLE.md`` §2) for all 290 real kommuner,
  2010–2024, every indicator a focus area uses, drawn around real national levels and real
  population, with the known effects in :data:`INJECTED_EFFECTS`.  ``source`` is ``"demo"``,
  generated rows carry ``flag="synthetic"`` and ``panel.attrs["synthetic"]`` is ``True``.
- :func:`simulate_null_panel` — a small generic long frame ``kommun, year, count, population,
  rate`` drawn the same way (negative-binomial counts, kommun and year effects, AR(1) noise) with
  no effect (or a chosen one), for calibration and power studies of every estimator.

The data-generating process is described in ``docs/demo_data.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "SYNTHETIC_LABEL_SV",
    "simulate_null_panel",
    "is_synthetic",
]

SYNTHETIC_LABEL_SV = "Syntetiska data – endast för demonstration"
SYNTHETIC_LABEL_EN = "Synthetic data – for demonstration only"


# ----------------------------------------------------------------------------------------------
# Noise model shared by both generators
# ----------------------------------------------------------------------------------------------
def _nb_size(population: np.ndarray, dispersion: float) -> np.ndarray:
    """Negative-binomial size per kommun: larger kommuner have relatively smoother series.

    The extra-Poisson relative standard deviation is ``1 / sqrt(size)``; with ``size =
    dispersion * population / 50 000`` (clipped to 20..5000) it is about 8 % for a kommun of
    50 000 and 3 % for one of 600 000 when ``dispersion=150``.
    """
    return np.clip(dispersion * np.asarray(population, dtype=float) / 50_000.0, 20.0, 5000.0)


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


# ----------------------------------------------------------------------------------------------
# Null panels for calibration
# ----------------------------------------------------------------------------------------------
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


def is_synthetic(panel: pd.DataFrame) -> bool:
    """True when ``panel`` (or any row of it) comes from the synthetic demo generators."""
    if bool(panel.attrs.get("synthetic", False)):
        return True
    if "source" in panel.columns and (panel["source"] == "demo").any():
        return True
    return bool("flag" in panel.columns and (panel["flag"] == "synthetic").any())


# ----------------------------------------------------------------------------------------------
# Kommun reference for the demo panel
# ----------------------------------------------------------------------------------------------
def _kommun_reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kommuner (``kommun, name, lan, kommungrupp``) and population (``kommun, year, population, flag``).

    Both come from :mod:`lofteeval.harmonise.kommuner` (real SCB codes and population, SKR 2023
    kommungrupper); population rows keep its flags (``interpolated``, ``rounded``, ...).
    """
    from .harmonise.kommuner import kommuner, population

    ref = kommuner()
    kom = pd.DataFrame({"kommun": ref["kommun"].astype(str), "name": ref["name"].astype(str),
                        "lan": ref["lan"].astype(str),
                        "kommungrupp": ref["kommungrupp"].astype(str).str.extract(r"([ABC]\d)", expand=False)})
    pop = population()
    out = pd.DataFrame({"kommun": pop["kommun"].astype(str), "year": pop["year"].astype(int),
                        "population": pop["value"].astype(float), "flag": pop["flag"].fillna("").astype(str)})
    return kom, out


# ----------------------------------------------------------------------------------------------
# National anchors (per 100 000 / percent) — from ../shared/data/national_levels, see docs
# ----------------------------------------------------------------------------------------------
# Brå anmälda brott, hela landet: count / SCB folkmängd 31 Dec of the same year * 1e5, for the
# years with a count in bra_national_counts.csv (tests/test_datasets.py re-derives them).
_NATIONAL_PER_100K: dict[str, dict[int, float]] = {
    "total": {2010: 14444.2, 2011: 14868.9, 2012: 14650.6, 2013: 14515.5, 2014: 14773.2,
              2015: 15226.9, 2016: 15057.3, 2017: 14920.6, 2018: 15053.5, 2019: 14911.5,
              2020: 15111.4, 2021: 14063.9, 2022: 13718.6, 2023: 14229.0, 2024: 14066.5},
    "narkotikabrott": {2011: 943.1, 2012: 990.0, 2013: 997.2, 2014: 977.9, 2015: 954.6, 2016: 909.3,
                       2017: 992.5, 2018: 1041.2, 2019: 1094.8, 2020: 1193.9, 2024: 1230.6},
    "misshandel": {2013: 828.0, 2014: 854.6, 2015: 858.8, 2016: 880.4, 2017: 824.1, 2018: 807.4,
                   2019: 812.4, 2020: 794.1, 2021: 781.6, 2022: 792.3},
    "ran": {2013: 86.7, 2015: 85.9, 2016: 85.6, 2022: 61.6, 2023: 60.7, 2024: 45.0},
    "grov_kvinnofridskrankning": {2015: 19.3, 2016: 18.7, 2018: 17.0, 2019: 16.6, 2021: 13.3},
    "olaga_hot": {2014: 521.2, 2015: 525.8, 2016: 544.3, 2017: 526.7},
    "ofredande": {2014: 588.9, 2015: 576.6, 2016: 555.3, 2017: 515.8},
    "skadegorelsebrott": {2010: 1747.1, 2014: 1549.1, 2015: 1979.5, 2016: 1950.9, 2017: 1784.1,
                          2018: 1847.5, 2019: 1975.3, 2020: 2238.4, 2022: 2004.0, 2023: 2075.2,
                          2024: 1879.3},
    "bostadsinbrott": {2013: 217.7, 2014: 229.8, 2015: 231.4, 2016: 219.1, 2017: 223.3, 2018: 166.2,
                       2019: 141.4, 2020: 141.5, 2021: 110.0},
    "bedrageribrott": {2010: 1200.1, 2011: 1202.2, 2012: 1346.8, 2013: 1534.5, 2014: 1590.2,
                       2015: 1872.4, 2017: 2046.4, 2018: 2531.7, 2019: 2357.8, 2020: 2098.3,
                       2021: 1874.2, 2022: 1866.6, 2023: 2261.2},
    "trafikbrott": {2017: 886.0, 2018: 902.2, 2022: 656.9, 2023: 621.7},
}
# reported_domestic_violence = grov kvinnofridskränkning + grov fridskränkning; the sum is about
# 1.96 x kvinnofrid alone in the two years both are known (2018: 3 483 / 1 744, 2019: 3 318 / 1 718).
_DV_FACTOR = 1.96
# NTU national shares (percent); oro 2014 (28 %, an uncertain back-cast to the 2017 method) is left out.
_NATIONAL_PERCENT: dict[str, dict[int, float]] = {
    "otrygg_sen_kvall": {2010: 15.0, 2011: 16.0, 2012: 15.0, 2013: 15.0, 2015: 15.0, 2016: 19.0,
                         2018: 28.0, 2019: 30.0, 2020: 30.0, 2021: 28.0, 2022: 27.0},
    "oro_brottslighet_samhalle": {2010: 22.0, 2013: 19.0, 2017: 43.0, 2018: 42.0, 2019: 43.0,
                                  2020: 47.0, 2022: 46.0, 2023: 53.0, 2024: 50.0},
}
# Polisens trygghetsmätning problem index (0-6): region Syd mean ~1.9 (2017, 2020); the split by
# item is invented for the demo.
_INDEX_LEVEL = {"problem_drugs": 1.8, "problem_youth_disorder": 1.9, "problem_traffic": 2.2}

# SKR kommungrupp: level (log scale, crime) and yearly trend; how urban each indicator is.
_GROUP_LEVEL = {"A1": 0.45, "A2": -0.05, "B3": 0.20, "B4": -0.10, "B5": 0.0, "C6": 0.05,
                "C7": -0.20, "C8": -0.15, "C9": 0.10}
_GROUP_TREND = {"A1": -0.012, "A2": 0.0, "B3": -0.004, "B4": 0.002, "B5": 0.004, "C6": 0.003,
                "C7": 0.004, "C8": 0.006, "C9": 0.004}
_URBAN = {"reported_crimes_total": 1.0, "reported_drug_offences": 1.2, "reported_assault": 0.8,
          "reported_robbery": 2.0, "reported_domestic_violence": 0.3, "reported_unlawful_threats": 0.5,
          "reported_molestation": 0.6, "reported_criminal_damage": 1.2,
          "reported_residential_burglary": 0.8, "reported_fraud": 0.4, "reported_traffic_offences": 0.2}
# Gentle realism: offences lacked a kommun more often before the 2015 police reorganisation, and
# street crime dipped in the pandemic (applied only in years whose national anchor is interpolated).
_BREAK_2015 = 0.96
_COVID = {"misshandel": {2020: 0.95, 2021: 0.96}, "ran": {2020: 0.92, 2021: 0.93},
          "ofredande": {2020: 0.95, 2021: 0.96}, "olaga_hot": {2020: 0.97, 2021: 0.98}}


@dataclass(frozen=True)
class InjectedEffect:
    """A known effect put into the demo panel so that tests and docs can recover it.

    ``effect`` is relative (``-0.2`` = 20 % below the no-löfte path) when ``scale="relative"``
    (crime indicators: multiplies the expected count) and in the indicator's own unit when
    ``scale="absolute"`` (surveys: percentage or index points).  It applies to every year from
    ``start_year`` on.  These are fictional effects, not findings about the real kommuner.
    """

    lofte_id: str
    kommuner: tuple[str, ...]
    indicator: str
    start_year: int
    effect: float
    scale: str
    note: str = ""


INJECTED_EFFECTS: tuple[InjectedEffect, ...] = (
    InjectedEffect("gotland-2020", ("0980",), "reported_unlawful_threats", 2020, -0.15, "relative",
                   "moderate drop, ~320 offences a year: recoverable, near the MDE"),
    InjectedEffect("gislaved-2022", ("0662",), "reported_traffic_offences", 2022, 0.25, "relative",
                   "more traffic checks give more reported offences (enforcement-driven rise)"),
    InjectedEffect("gislaved-2022", ("0662",), "unsafe_outdoors_night", 2022, -5.0, "absolute",
                   "5 percentage points fewer feel unsafe; n of a few hundred a year"),
    InjectedEffect("skara-2021", ("1495",), "reported_drug_offences", 2021, 0.30, "relative",
                   "intensified drug enforcement raises reported drug offences"),
    InjectedEffect("sodra-fyrbodal-2023", ("1415", "1421", "1419"), "reported_assault", 2023, -0.20,
                   "relative", "three small kommuner, two post years"),
    InjectedEffect("demo-large", ("0380",), "reported_criminal_damage", 2019, -0.20, "relative",
                   "not a löfte: a large kommun (Uppsala) for known-answer tests"),
)
"""The effects injected into :func:`demo_panel`; every other (kommun, indicator) has none."""


def injected_effects() -> pd.DataFrame:
    """:data:`INJECTED_EFFECTS` as a frame, one row per (effect, kommun)."""
    rows = [{"lofte_id": e.lofte_id, "kommun": k, "indicator": e.indicator, "start_year": e.start_year,
             "effect": e.effect, "scale": e.scale, "note": e.note}
            for e in INJECTED_EFFECTS for k in e.kommuner]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# The demo panel
# ----------------------------------------------------------------------------------------------
def demo_panel(seed: int = 0, *, years: Iterable[int] = range(2010, 2025)) -> pd.DataFrame:
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
    from .indicators import INDICATORS

    yrs = np.asarray(list(years), dtype=int)
    kom, pop_long = _kommun_reference()
    kom = kom.sort_values("kommun").reset_index(drop=True)
    pop = (pop_long.pivot(index="kommun", columns="year", values="population")
           .reindex(index=kom["kommun"], columns=yrs))
    if pop.isna().any().any():
        raise DataError(f"population is missing for some kommun-years in {yrs[0]}-{yrs[-1]}; "
                        "the demo panel needs population for every kommun and year.")
    ctx = _DemoContext(kom=kom, years=yrs, pop=pop.to_numpy(float), rng=np.random.default_rng(seed))
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

    def __post_init__(self) -> None:
        groups = self.kom["kommungrupp"].fillna("C6").to_numpy()
        self.group_level = np.array([_GROUP_LEVEL.get(g, 0.0) for g in groups])
        self.group_trend = np.array([_GROUP_TREND.get(g, 0.0) for g in groups])
        self.common = self.rng.normal(0.0, 0.2, size=len(self.kom))
        self.codes = self.kom["kommun"].to_numpy(dtype=object)
        self.n_resp = np.round(150 + 2.0 * np.sqrt(self.pop))

    def effect_mask(self, indicator: str) -> list[tuple[np.ndarray, float]]:
        out = []
        for eff in INJECTED_EFFECTS:
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


def _crime_frame(ctx: _DemoContext, spec: object) -> pd.DataFrame:
    cat = spec.national_category  # type: ignore[attr-defined]
    nat, observed = _anchor(_NATIONAL_PER_100K[cat], ctx.years)
    if spec.id == "reported_domestic_violence":  # type: ignore[attr-defined]
        nat = nat * _DV_FACTOR
    urban = _URBAN.get(spec.id, 1.0)  # type: ignore[attr-defined]
    n_k = len(ctx.kom)
    level = urban * ctx.group_level + ctx.common + ctx.rng.normal(0.0, 0.15, size=n_k)
    rel = np.exp(level[:, None] + urban * ctx.group_trend[:, None] * (ctx.years - 2017)[None, :])
    scale = nat * ctx.pop.sum(axis=0) / (ctx.pop * rel).sum(axis=0)  # population-weighted = national
    rate = rel * scale[None, :]
    rate = rate * np.where(ctx.years < 2015, _BREAK_2015, 1.0)[None, :]
    for year, factor in _COVID.get(cat, {}).items():
        rate[:, (ctx.years == year) & ~observed] *= factor
    rate = rate * np.exp(_ar1(ctx.rng, rate.shape, 0.5, 0.02))
    for mask, eff in ctx.effect_mask(spec.id):  # type: ignore[attr-defined]
        rate = np.where(mask, rate * (1.0 + eff), rate)
    counts = _draw_nb(ctx.rng, ctx.pop * rate / 1e5, _nb_size(ctx.pop, 150.0))
    return ctx.frame(spec.id, "per_100k", counts / ctx.pop * 1e5, counts,  # type: ignore[attr-defined]
                     np.full(counts.shape, np.nan))


def _share_frame(ctx: _DemoContext, spec: object) -> pd.DataFrame:
    nat, _ = _anchor(_NATIONAL_PERCENT[spec.national_category], ctx.years)  # type: ignore[attr-defined]
    n_k = len(ctx.kom)
    logit = np.log(nat / (100 - nat))[None, :] + 0.5 * ctx.group_level[:, None] \
        + ctx.rng.normal(0.0, 0.3, size=n_k)[:, None] + _ar1(ctx.rng, (n_k, ctx.years.size), 0.5, 0.05)
    share = 100 / (1 + np.exp(-logit))
    for mask, eff in ctx.effect_mask(spec.id):  # type: ignore[attr-defined]
        share = np.where(mask, share + eff, share)
    share = np.clip(share, 0.5, 99.5)
    n = np.round(ctx.n_resp * ctx.rng.uniform(0.85, 1.15, size=ctx.n_resp.shape))
    observed = ctx.rng.binomial(n.astype(np.int64), share / 100) / n * 100
    se = np.sqrt(observed * (100 - observed) / n)
    return ctx.frame(spec.id, "percent", observed, n, se)  # type: ignore[attr-defined]


def _index_frame(ctx: _DemoContext, spec: object) -> pd.DataFrame:
    base = _INDEX_LEVEL.get(spec.id, 1.9)  # type: ignore[attr-defined]
    n_k = len(ctx.kom)
    true = base + 0.6 * ctx.group_level[:, None] + ctx.rng.normal(0.0, 0.2, size=n_k)[:, None] \
        + _ar1(ctx.rng, (n_k, ctx.years.size), 0.5, 0.04)
    for mask, eff in ctx.effect_mask(spec.id):  # type: ignore[attr-defined]
        true = np.where(mask, true + eff, true)
    n = np.round(ctx.n_resp * ctx.rng.uniform(0.85, 1.15, size=ctx.n_resp.shape))
    se = 1.2 / np.sqrt(n)  # item-mean standard deviation ~1.2 index points
    observed = np.clip(true + ctx.rng.normal(0.0, 1.0, size=true.shape) * se, 0.0, 6.0)
    return ctx.frame(spec.id, "index", observed, n, se)  # type: ignore[attr-defined]


def _population_frame(pop_long: pd.DataFrame, kom: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    p = pop_long[pop_long["kommun"].isin(kom["kommun"]) & pop_long["year"].isin(years)]
    p = p.sort_values(["kommun", "year"])
    return pd.DataFrame({
        "kommun": p["kommun"].to_numpy(), "year": p["year"].to_numpy(), "indicator": "population",
        "value": p["population"].to_numpy(float), "unit": "count", "source": "demo",
        "flag": p["flag"].to_numpy(), "n": np.nan, "se": np.nan,
    })
