"""Rates per 100 000 inhabitants from counts and the population of the same kommun and year."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["per_100k", "add_rates"]


def per_100k(count: Any, pop: Any) -> Any:
    """``count / pop * 100 000``; NaN (never 0 or inf) where the population is missing or <= 0.

    Works on scalars, arrays and aligned Series.

    Examples
    --------
    >>> per_100k(50, 200_000)
    25.0
    """
    c = np.asarray(count, dtype="float64")
    p = np.asarray(pop, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p > 0, c / p * 1e5, np.nan)
    if isinstance(count, pd.Series):
        return pd.Series(out, index=count.index, name=count.name)
    return float(out) if out.ndim == 0 else out


def _population_table(counts: pd.DataFrame, population: pd.DataFrame | None) -> pd.DataFrame:
    if population is None:
        own = counts[counts["indicator"] == "population"]
        if len(own):
            population = own
        else:
            from .kommuner import population as shipped

            population = shipped()
    missing = {"kommun", "year", "value"} - set(population.columns)
    if missing:
        raise DataError(f"population must have columns kommun, year, value (missing {sorted(missing)}).")
    if "indicator" in population.columns:
        population = population[population["indicator"] == "population"]
    flag = population["flag"].astype(object).fillna("").astype(str) if "flag" in population else ""
    pop = pd.DataFrame({"kommun": population["kommun"].astype(str).to_numpy(),
                        "year": population["year"].astype("int64").to_numpy(),
                        "pop": population["value"].astype("float64").to_numpy(),
                        "pop_flag": np.asarray(flag, dtype=object) if len(population) else []})
    if pop.duplicated(["kommun", "year"]).any():
        dup = pop[pop.duplicated(["kommun", "year"], keep=False)].head(5)
        raise DataError("population must have one row per kommun and year (got duplicates, e.g. "
                        f"{dup[['kommun', 'year']].to_records(index=False).tolist()}). Pass one source.")
    return pop


def _join_flags(*parts: pd.Series) -> pd.Series:
    def join(values: tuple[str, ...]) -> str:
        seen: list[str] = []
        for v in values:
            for f in str(v).split(";"):
                if f and f not in seen:
                    seen.append(f)
        return ";".join(seen)

    return pd.Series([join(v) for v in zip(*parts)], index=parts[0].index, dtype="str")


def add_rates(counts: pd.DataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Turn ``unit="count"`` crime rows into ``unit="per_100k"`` rows; other rows pass through.

    Parameters
    ----------
    counts : pandas.DataFrame
        Tidy frame.  Rows with ``unit == "count"`` whose indicator is not ``population`` are
        converted: ``value = count / population * 100 000`` and ``n = count``.
    population : pandas.DataFrame, optional
        Tidy population rows (``kommun, year, value``, optionally ``indicator``/``flag``).
        Default: the ``population`` rows of ``counts`` if it has any, else
        :func:`lofteeval.harmonise.kommuner.population` (shipped SCB figures).

    Returns
    -------
    pandas.DataFrame
        A new frame with the same columns (plus ``flag`` and ``n`` if absent) and rows in the
        same order.  Where the population of that kommun and year is missing or not positive,
        the rate is NaN with flag ``no_population`` (never 0).  A non-empty population flag is
        carried as ``population_<flag>`` (e.g. ``population_interpolated``).
    """
    for col in ("kommun", "year", "indicator", "value", "unit"):
        if col not in counts.columns:
            raise DataError(f"add_rates needs tidy columns; {col!r} is missing (got {list(counts.columns)}).")
    out = counts.copy()
    if "flag" not in out:
        out["flag"] = ""
    if "n" not in out:
        out["n"] = np.nan
    out["flag"] = out["flag"].astype(object).fillna("").astype("str")
    is_count = (out["unit"] == "count") & (out["indicator"] != "population")
    if not is_count.any():
        return out
    pop = _population_table(counts, population)
    rows = out.loc[is_count, ["kommun", "year"]].astype({"kommun": str, "year": "int64"})
    joined = rows.merge(pop, on=["kommun", "year"], how="left").set_index(rows.index)
    count = out.loc[is_count, "value"].astype("float64")
    rate = per_100k(count, joined["pop"])
    no_pop = ~(joined["pop"] > 0)
    pop_flag = joined["pop_flag"].astype(object).fillna("").map(
        lambda f: ";".join(f"population_{p}" for p in str(f).split(";") if p))
    extra = pd.Series(np.where(no_pop, "no_population", ""), index=rows.index)
    out["value"] = out["value"].astype("float64")
    out["n"] = out["n"].astype("float64")
    out.loc[is_count, "n"] = count
    out.loc[is_count, "value"] = rate
    out.loc[is_count, "unit"] = "per_100k"
    out.loc[is_count, "flag"] = _join_flags(out.loc[is_count, "flag"], extra, pop_flag.where(~no_pop, ""))
    return out
