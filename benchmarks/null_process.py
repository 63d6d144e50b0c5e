"""Null processes for the calibration battery, written independently of ``lofteeval.datasets``.

Nothing here imports the project's own simulators: the battery must not be a test of a model
against the data it was tuned on.  Kommuner are real-sized: their populations are the vendored
SCB figures (``src/lofteeval/data/population.csv``, read as a plain CSV; 2022-2023 interpolated),
sampled without replacement.  Counts are negative binomial (NB2, ``var = mu + mu^2 / size``)
around

    log mu_it = log(pop_it * rate / 1e5) + a_i + g_t + b_i (t - t0) + u_it

with kommun effects ``a_i ~ N(0, 0.3)``, a random-walk common year effect ``g_t`` (steps
``N(0, 0.05)``), optional kommun trends ``b_i``, AR(1) noise ``u_it`` (innovation sd 0.03) and a
constant NB size.  An effect multiplies ``mu`` of the treated kommuner from their start year on.

:data:`VARIANTS` holds the process variants of issue 13 (and the staggered ones); each is a dict of
keyword overrides of :func:`simulate`.  Synthetic data only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

_POPULATION_CSV = Path(__file__).resolve().parents[1] / "src" / "lofteeval" / "data" / "population.csv"


@dataclass(frozen=True)
class Process:
    """Parameters of one null process (see the module docstring)."""

    n_comparison: int = 80
    years: tuple[int, int] = (2010, 2024)
    start: int = 2020
    cohorts: tuple[int, ...] = ()          # staggered: start years, one cohort each (empty = start)
    per_cohort: int = 1
    treated_pop: tuple[float, float] = (60_000.0, 160_000.0)  # treated kommuner drawn in this range
    rate: float = 800.0                    # national level per 100 000
    treated_mean: float | None = None      # if set: rate chosen so the treated mean count is this
    unit_sd: float = 0.3
    year_sd: float = 0.05
    trend_sd: float = 0.0
    shock: float = 0.0                     # common log shock in the start year (all kommuner)
    ar_rho: float = 0.4
    ar_sd: float = 0.03
    nb_size: float = 200.0
    label: str = field(default="base", compare=False)


VARIANTS: dict[str, Process] = {
    "base": Process(),
    "trends": Process(trend_sd=0.01, label="kommun trends (sd 0.01/yr)"),
    "shock": Process(shock=-0.25, label="common shock -25 % in the start year"),
    "nb5": Process(nb_size=5.0, label="NB size 5"),
    "mean3": Process(treated_mean=3.0, label="mean 3 counts/yr"),
    "ar07": Process(ar_rho=0.7, label="AR 0.7"),
    "tiny": Process(treated_pop=(2_400.0, 4_000.0), label="tiny treated kommun (2 400-4 000)"),
    "few": Process(n_comparison=20, label="20 comparison kommuner"),
}
"""Single-löfte variants: one treated kommun from 2020."""

STAGGERED: dict[str, Process] = {
    f"stag{k}": Process(cohorts=(2016, 2018, 2020, 2022), per_cohort=k,
                        n_comparison=max(80, 8 * k + 20),
                        label=f"4 cohorts x {k} kommun{'er' if k > 1 else ''}")
    for k in (1, 2, 5, 10, 20)
}
"""Staggered variants: cohorts 2016/2018/2020/2022 of ``k`` kommuner each."""


def populations() -> pd.DataFrame:
    """Real population per kommun (rows) and year 2010-2024 (columns), gaps interpolated."""
    raw = pd.read_csv(_POPULATION_CSV, dtype={"kommun": str}).set_index("kommun")
    raw.columns = raw.columns.astype(int)
    full = raw.reindex(columns=range(raw.columns.min(), raw.columns.max() + 1))
    full = full.T.interpolate(method="index", limit_area="inside").T
    return full.loc[:, 2010:2024].dropna()


_POP_CACHE: list[pd.DataFrame] = []


def _pop() -> pd.DataFrame:
    if not _POP_CACHE:
        _POP_CACHE.append(populations())
    return _POP_CACHE[0]


def _ar1(rng: np.random.Generator, n: int, t: int, rho: float, sd: float) -> np.ndarray:
    e = rng.normal(0.0, sd, size=(n, t))
    u = np.empty((n, t))
    u[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for j in range(1, t):
        u[:, j] = rho * u[:, j - 1] + e[:, j]
    return u


def simulate(proc: Process, seed: int, effect: float = 0.0) -> pd.DataFrame:
    """Draw one panel ``kommun, year, count, population, rate, cohort`` (cohort 0 = never).

    ``attrs``: ``treated`` (codes), ``treatment_start`` (first cohort), ``expected_post_rate``
    (treated kommuner's expected post-period rate without effect, per 100 000) and ``effect``.
    """
    rng = np.random.default_rng(seed)
    pop = _pop()
    years = np.arange(proc.years[0], proc.years[1] + 1)
    starts = proc.cohorts or (proc.start,)
    n_treat = len(starts) * proc.per_cohort
    size_now = pop[2020].to_numpy()
    lo, hi = proc.treated_pop
    eligible = np.flatnonzero((size_now >= lo) & (size_now <= hi))
    if eligible.size < n_treat:  # widen the band for large staggered variants
        eligible = np.argsort(np.abs(np.log(size_now / np.sqrt(lo * hi))))[: 2 * n_treat]
    treated = rng.choice(eligible, size=n_treat, replace=False)
    others = np.setdiff1d(np.arange(len(pop)), treated)
    comparison = rng.choice(others, size=proc.n_comparison, replace=False)
    idx = np.concatenate([treated, comparison])
    p = pop.iloc[idx].to_numpy(dtype=float)
    n, t = p.shape
    cohort = np.zeros(n)
    cohort[:n_treat] = np.repeat(starts, proc.per_cohort)
    rate = proc.rate
    if proc.treated_mean is not None:
        rate = proc.treated_mean / np.mean(p[:n_treat]) * 1e5
    a = rng.normal(0.0, proc.unit_sd, size=n)
    g = np.cumsum(rng.normal(0.0, proc.year_sd, size=t))
    g = g + proc.shock * (years == proc.start)
    b = rng.normal(0.0, proc.trend_sd, size=n) if proc.trend_sd > 0 else np.zeros(n)
    u = _ar1(rng, n, t, proc.ar_rho, proc.ar_sd)
    if proc.treated_mean is not None:
        a[:n_treat] = 0.0  # the treated mean is then the stated level
    log_mu = (np.log(p * rate / 1e5) + a[:, None] + g[None, :]
              + b[:, None] * (years - years.mean())[None, :] + u)
    mu0 = np.exp(log_mu)
    post = (cohort[:, None] > 0) & (years[None, :] >= cohort[:, None])
    mu = np.where(post, mu0 * (1.0 + effect), mu0)
    counts = rng.negative_binomial(proc.nb_size, proc.nb_size / (proc.nb_size + mu)).astype(float)
    codes = pop.index[idx].astype(str)
    out = pd.DataFrame({
        "kommun": np.repeat(codes, t), "year": np.tile(years, n),
        "count": counts.ravel(), "population": p.ravel(),
        "cohort": np.repeat(cohort, t).astype(int),
    })
    out["rate"] = out["count"] / out["population"] * 1e5
    exp_rate = float(np.mean((mu0 / p * 1e5)[post])) if post.any() else float("nan")
    out.attrs.update(treated=[str(c) for c in codes[:n_treat]], treatment_start=int(min(starts)),
                     expected_post_rate=exp_rate, effect=float(effect), synthetic=True)
    return out


def with_changes(proc: Process, **changes: object) -> Process:
    """A copy of ``proc`` with some parameters changed (for ad-hoc runs)."""
    return replace(proc, **changes)
