"""Comparison-pool selection for :mod:`lofteeval.design`, with every reason in English and Swedish.

Each step takes the remaining candidate kommuner and returns those it keeps; what it drops goes to
an ``excluded`` list of :class:`Why` records ``(kommun, en, sv)``.  Kept kommuner get the same two
reasons in :func:`comparison_frame`.  Reference data (kommun names, län, SKR kommungrupp and the
registry) are read once per process and cached: they are immutable package data (the registry is
re-read when a ``*.toml`` file in its folders changes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import DesignError
from ..registry.cache import cached_registry
from ..inference.methods import MIN_RANK_POOL
from ..formatting import num_sv as _num_sv, ratio as _ratio, span, span_sv as _span_sv

MIN_POOL = MIN_RANK_POOL  # with J comparison units the smallest rank p-value is 1/(J+1)
FIT_CUTOFF = 2.0

COMPARISON_COLUMNS = ["kommun", "name", "kommungrupp", "kommungrupp_label", "same_group", "lan", "population",
                      "size_ratio", "pre_rmspe", "pre_corr", "fit_rank", "requested", "reason", "reason_sv"]
EXCLUDED_COLUMNS = ["kommun", "name", "reason", "reason_sv"]


class Why(NamedTuple):
    """Why a kommun left the pool: its code and the reason in English and Swedish."""

    kommun: str
    en: str
    sv: str


# ------------------------------------------------------------------------------------------------
# Reference data
# ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _kommun_table() -> pd.DataFrame:
    from ..harmonise.kommuner import kommuner

    ref = kommuner()[["kommun", "name", "lan", "kommungrupp", "kommungrupp_label"]].copy()
    ref["kommun"] = ref["kommun"].astype(str)
    return ref.set_index("kommun")


def reference(panel: pd.DataFrame, pre: tuple[int, ...]) -> pd.DataFrame:
    """Kommun reference (``name, lan, kommungrupp, kommungrupp_label``) with mean pre-period population."""
    ref = _kommun_table().copy()
    pop = panel[(panel["indicator"] == "population") & panel["year"].isin(pre)]
    if pop.empty:
        from ..harmonise.kommuner import population

        pop = population(years=pre)
    size = pop.assign(kommun=pop["kommun"].astype(str)).groupby("kommun")["value"].mean()
    ref["population"] = size.reindex(ref.index)
    return ref


class RefMaps(NamedTuple):
    """The reference table as ``{kommun: value}`` lookups (built once per pre period and shared)."""

    name: dict[str, str]
    lan: dict[str, Any]
    group: dict[str, Any]
    label: dict[str, str]
    population: dict[str, float]


def ref_maps(ref: pd.DataFrame) -> RefMaps:
    """:class:`RefMaps` of a :func:`reference` table."""
    return RefMaps(ref["name"].to_dict(), ref["lan"].to_dict(), ref["kommungrupp"].to_dict(),
                   ref["kommungrupp_label"].to_dict(), ref["population"].to_dict())


# ------------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------------
def _group_sv(code: str, label: str) -> str:
    return f"{code} {label}".strip()


# ------------------------------------------------------------------------------------------------
# Exclusion steps
# ------------------------------------------------------------------------------------------------
def drop_if(cand: list[str], test: Callable[[str], bool], en: str, sv: str, excluded: list[Why]) -> list[str]:
    """Drop the candidates for which ``test`` holds, with one reason for all."""
    keep = []
    for k in cand:
        if test(k):
            excluded.append(Why(k, en, sv))
        else:
            keep.append(k)
    return keep


def drop_with(cand: list[str], reasons: dict[str, tuple[str, str]], excluded: list[Why]) -> list[str]:
    """Drop the candidates named in ``reasons`` (``{code: (en, sv)}``)."""
    excluded.extend(Why(k, *reasons[k]) for k in cand if k in reasons)
    return [k for k in cand if k not in reasons]


def user_reasons(exclude: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
    """``{code: reason}`` or ``{code: (en, sv)}`` -> ``{code: (en, sv)}`` (one text serves both)."""
    out: dict[str, tuple[str, str]] = {}
    for k, r in (exclude or {}).items():
        en, sv = (r, r) if isinstance(r, str) else (str(r[0]), str(r[1]))
        out[str(k)] = (en, sv)
    return out


def drop_incomplete(wide: pd.DataFrame, cand: list[str], window: tuple[int, ...],
                    excluded: list[Why]) -> list[str]:
    """Drop candidates with any missing value in the window (a year absent from ``wide`` is missing)."""
    cols = wide.columns.get_indexer(list(window))
    if cand and (cols < 0).any():
        complete = np.zeros(len(cand), dtype=bool)
    else:
        rows = wide.index.get_indexer(cand)
        complete = ~np.isnan(wide.to_numpy(dtype=float)[np.ix_(rows, cols)]).any(axis=1)
    gap = dict(zip(cand, ~complete))
    return drop_if(cand, gap.__getitem__, f"missing values in the window {span(window)}",
                   f"saknar värden under {_span_sv(window)}", excluded)


class Rival(NamedTuple):
    """A registry löfte in some of the indicator's focus areas, with its contamination reason."""

    id: str
    start_year: int
    end_year: int
    kommuner: tuple[str, ...]
    en: str
    sv: str


def rivals(registry: dict[str, Any], areas: tuple[str, ...]) -> list[Rival]:
    """Every löfte of ``registry`` naming one of ``areas``, in registry order, with its reasons."""
    from ..indicators import FOCUS_AREAS

    wanted, out = set(areas), []
    for other in registry.values():
        if getattr(other, "kind", "lofte") != "lofte":
            continue
        shared = sorted(wanted & set(other.focus_areas))
        if not shared:
            continue
        years = tuple(other.years)
        en = (f"own löfte {other.id!r} ({span(years)}) in focus area {', '.join(shared)} during the "
              "window (contamination)")
        labels = [FOCUS_AREAS[a].label_sv.lower() if a in FOCUS_AREAS else a for a in shared]
        sv = f"eget löfte inom {' och '.join(labels)} {_span_sv(years)} ({other.id})"
        out.append(Rival(other.id, other.start_year, other.end_year, tuple(str(k) for k in other.kommuner),
                         en, sv))
    return out


def drop_contaminated(cand: list[str], lf: Any, spec: Any, window: tuple[int, ...],
                      registry: dict[str, Any] | None, excluded: list[Why],
                      found: list[Rival] | None = None) -> list[str]:
    """Drop kommuner with their own löfte in a focus area of ``spec`` overlapping the window.

    ``found``: :func:`rivals` of the registry for ``spec``'s focus areas, when the caller has them.
    """
    if found is None:
        found = rivals(cached_registry() if registry is None else registry, tuple(spec.focus_areas))
    hits: dict[str, tuple[str, str]] = {}
    for other in found:
        if other.id == lf.id or not (other.start_year <= window[-1] and other.end_year >= window[0]):
            continue
        for k in other.kommuner:
            hits.setdefault(k, (other.en, other.sv))
    return drop_with(cand, hits, excluded)


def drop_neighbours(cand: list[str], treated: tuple[str, ...], ref: RefMaps,
                    excluded: list[Why]) -> list[str]:
    """Drop kommuner bordering a treated kommun (bridge and ferry links count)."""
    from ..harmonise.kommuner import neighbours

    names = ref.name
    reasons: dict[str, tuple[str, str]] = {}
    for t in treated:
        for k in neighbours(t, include_links=True):
            reasons.setdefault(k, (f"neighbour of {t} (possible spillover; exclude_neighbours=True)",
                                   f"grannkommun till {names.get(t, t)} (risk för spridning)"))
    return drop_with(cand, reasons, excluded)


def drop_other_lan(cand: list[str], treated: tuple[str, ...], ref: RefMaps,
                   excluded: list[Why]) -> list[str]:
    """Keep only kommuner in a treated kommun's län."""
    lan = ref.lan
    lans = {lan[t] for t in treated}
    return drop_if(cand, lambda k: lan[k] not in lans, "other län (same_lan=True)",
                   "annat län än löfteskommunens", excluded)


# ------------------------------------------------------------------------------------------------
# Pre-period fit and the pool rule
# ------------------------------------------------------------------------------------------------
def pre_fit(wide: pd.DataFrame, treated: tuple[str, ...], cand: list[str], pre: tuple[int, ...], *,
            log_scale: bool) -> pd.DataFrame:
    """RMSPE and correlation of each candidate's demeaned pre-period series with the treated mean."""
    values = wide.to_numpy(dtype=float)[:, wide.columns.get_indexer(list(pre))]
    if log_scale:
        values = np.log(np.maximum(values, 0.0) + 1.0)
    # the memory layouts (and so the summation order and BLAS path) of the pandas steps this
    # replaces, so that every figure is the same to the last bit: a row-wise (pairwise) sum for
    # the treated mean, a row-major matrix after the log, a column-major one without it
    own = np.ascontiguousarray(values[wide.index.get_indexer(list(treated))].T)
    target = own.sum(axis=1) / own.shape[1]
    x = values[wide.index.get_indexer(cand)] if cand else np.empty((0, len(pre)))
    x = np.ascontiguousarray(x) if log_scale else np.asfortranarray(x)
    xd = x - x.mean(axis=1, keepdims=True)
    td = target - target.mean()
    rmspe = np.sqrt(np.mean((xd - td) ** 2, axis=1)) if cand else np.array([])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (xd @ td) / (np.linalg.norm(xd, axis=1) * np.linalg.norm(td))
    return pd.DataFrame({"pre_rmspe": rmspe, "pre_corr": corr, "fit_rank": _first_rank(rmspe)},
                        index=pd.Index(cand, name="kommun", dtype=object))


def _first_rank(x: np.ndarray) -> pd.arrays.IntegerArray:
    """``Series.rank(method="first")`` as ``Int64`` (ties by position, NaN unranked)."""
    ok = ~np.isnan(x)
    rank = np.zeros(x.size, dtype=np.int64)
    idx = np.flatnonzero(ok)
    rank[idx[np.argsort(x[idx], kind="stable")]] = np.arange(1, idx.size + 1)
    return pd.arrays.IntegerArray(rank, ~ok)


def choose(cand: list[str], treated: tuple[str, ...], ref: RefMaps, fit: pd.DataFrame,
           comparison: Any, n_comparison: int | None, size_factor: float,
           excluded: list[Why]) -> tuple[list[str], list[str]]:
    """Apply the pool rule (or the explicit list), then trim by pre-period fit; returns (pool, notes)."""
    notes: list[str] = []
    if not isinstance(comparison, str):
        chosen = {str(k) for k in comparison}
        unknown = sorted(chosen - set(cand))
        if unknown:
            notes.append(f"requested comparison kommuner not usable (excluded or missing): {unknown}")
        excluded.extend(Why(k, "not in the requested comparison list", "inte med i den begärda listan "
                            "över jämförelsekommuner") for k in cand if k not in chosen)
        return [k for k in cand if k in chosen], notes
    group, label, pops = ref.group, ref.label, ref.population
    groups = {group[t] for t in treated}
    lo, hi = min(pops[t] for t in treated) / size_factor, max(pops[t] for t in treated) * size_factor
    in_group = {k for k in cand if group[k] in groups}
    in_size = {k for k in cand if lo <= pops[k] <= hi}
    options = {"all": [(set(cand), "")], "kommungrupp": [(in_group, "g")], "size": [(in_size, "s")],
               "auto": [(in_group & in_size, "gs"), (in_size, "s"), (in_group, "g"), (set(cand), "")]}
    labels = {"gs": "kommungrupp and size", "s": "size only", "g": "kommungrupp only", "": "all kommuner"}
    for i, (pool_set, used) in enumerate(options[comparison]):
        if comparison != "auto" or len(pool_set) >= MIN_POOL:
            break
    if comparison == "auto" and i > 0:
        notes.append(f"fewer than {MIN_POOL} kommuner matched kommungrupp and size; rule relaxed to "
                     f"{labels[used]}")
    band, band_sv = f"{lo:,.0f}-{hi:,.0f}", f"{_num_sv(lo, ',.0f')}\u2013{_num_sv(hi, ',.0f')}"
    for k in cand:
        if k in pool_set:
            continue
        en, sv = [], []
        if "g" in used and k not in in_group:
            en.append(f"other kommungrupp ({group[k]})")
            sv.append(f"annan kommungrupp ({_group_sv(group[k], label[k])})")
        if "s" in used and k not in in_size:
            en.append(f"population {pops[k]:,.0f} outside {band}")
            sv.append(f"folkmängd {_num_sv(pops[k], ',.0f')} utanför {band_sv}")
        excluded.append(Why(k, "; ".join(en), "; ".join(sv)))
    rmspe = fit["pre_rmspe"].to_dict()
    pool = sorted(pool_set, key=lambda k: rmspe[k])
    return trim_by_fit(pool, rmspe, n_comparison, notes, excluded), notes


def trim_by_fit(pool: list[str], rmspe: dict[str, float], n_comparison: int | None, notes: list[str],
                excluded: list[Why]) -> list[str]:
    """Keep the best ``n_comparison``, or drop fits worse than ``FIT_CUTOFF`` x the median (>= MIN_POOL kept)."""
    if n_comparison is not None:
        if n_comparison < 1:
            raise DesignError(f"n_comparison must be >= 1 (got {n_comparison}).")
        excluded.extend(Why(k, f"pre-period fit rank beyond n_comparison={n_comparison}",
                            f"inte bland de {n_comparison} bäst anpassade under förperioden "
                            f"(n_comparison={n_comparison})") for k in pool[n_comparison:])
        return pool[:n_comparison]
    if len(pool) <= MIN_POOL:
        return pool
    med = float(np.median([rmspe[k] for k in pool]))
    good = [k for k in pool if rmspe[k] <= FIT_CUTOFF * med]
    if len(good) < MIN_POOL:
        good = pool[:MIN_POOL]
    kept = set(good)
    for k in pool:
        if k not in kept:
            excluded.append(Why(
                k, f"poor pre-period fit (RMSPE {rmspe[k]:.3g} > {FIT_CUTOFF:g} x pool median {med:.3g})",
                f"dålig anpassning under förperioden (RMSPE {_num_sv(rmspe[k], '.3g')} > "
                f"{_num_sv(FIT_CUTOFF, 'g')} × poolens median {_num_sv(med, '.3g')})"))
    if len(good) < len(pool):
        notes.append(f"{len(pool) - len(good)} kommuner dropped for pre-period RMSPE > {FIT_CUTOFF:g} x median")
    return good


# ------------------------------------------------------------------------------------------------
# Output frames
# ------------------------------------------------------------------------------------------------
def comparison_frame(pool: list[str], ref: RefMaps, fit: pd.DataFrame, treated: tuple[str, ...],
                     comparison: Any) -> pd.DataFrame:
    """One row per comparison kommun with its fit and why it was chosen: as data (``same_group``,
    ``size_ratio`` = its population over the treated kommuner's mean, ``fit_rank``, ``requested``) and
    as one sentence (``reason``, ``reason_sv``)."""
    groups = {ref.group[t] for t in treated}
    tpop = float(np.mean([ref.population[t] for t in treated]))
    whose = "löfteskommunens folkmängd" if len(treated) == 1 else "löfteskommunernas genomsnittliga folkmängd"
    rows = fit.index.get_indexer(pool)
    rmspe = fit["pre_rmspe"].to_numpy(float)[rows]
    ranks = _first_rank(rmspe)
    given = not isinstance(comparison, str)
    en_rows, sv_rows = [], []
    for k, rank in zip(pool, ranks):
        g, p = ref.group[k], ref.population[k]
        en = ["requested"] if given else []
        sv = ["vald av användaren"] if given else []
        same = g in groups
        en.append(f"same kommungrupp {g}" if same else f"kommungrupp {g}")
        sv.append(f"{'samma' if same else 'annan'} kommungrupp ({_group_sv(g, ref.label[k])})")
        ratio = _ratio(p / tpop)
        en.append(f"population {ratio} x treated")
        sv.append(f"{ratio.replace('.', ',')} × {whose}")
        en.append(f"pre-period RMSPE rank {int(rank)}")
        sv.append(f"rang {int(rank)} i förperiodens anpassning")
        en_rows.append("; ".join(en))
        sv_rows.append("; ".join(sv))
    text = object if not pool else None
    return pd.DataFrame({"kommun": pd.Series(pool, dtype=text), "name": pd.Series([ref.name[k] for k in pool], dtype=text),
                         "kommungrupp": pd.Series([ref.group[k] for k in pool], dtype=text),
                         "kommungrupp_label": pd.Series([ref.label[k] for k in pool], dtype=text),
                         "same_group": np.array([ref.group[k] in groups for k in pool], dtype=bool),
                         "lan": pd.Series([ref.lan[k] for k in pool], dtype=text),
                         "population": np.array([ref.population[k] for k in pool], dtype=float),
                         "size_ratio": np.array([ref.population[k] / tpop for k in pool], dtype=float),
                         "pre_rmspe": rmspe, "pre_corr": fit["pre_corr"].to_numpy(float)[rows],
                         "fit_rank": ranks.to_numpy(), "requested": np.full(len(pool), given, dtype=bool),
                         "reason": pd.Series(en_rows, dtype=text), "reason_sv": pd.Series(sv_rows, dtype=text)},
                        columns=COMPARISON_COLUMNS)


def excluded_frame(excluded: list[Why], ref: RefMaps) -> pd.DataFrame:
    """``kommun, name, reason, reason_sv`` for every kommun left out of the pool."""
    return pd.DataFrame({"kommun": [w.kommun for w in excluded], "name": [ref.name.get(w.kommun, "") for w in excluded],
                         "reason": [w.en for w in excluded], "reason_sv": [w.sv for w in excluded]},
                        columns=EXCLUDED_COLUMNS)


def reason_counts(excluded: list[Why]) -> str:
    """``"12 other kommungrupp; 3 missing values ..."`` for error messages."""
    counts: dict[str, int] = {}
    for w in excluded:
        key = w.en.split(" (")[0].split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{v} {k}" for k, v in counts.items()) or "none"
