"""The kommun reference: 290 codes, names, län, SKR kommungrupp, code history, population, neighbours.

Everything here is read from small CSV tables shipped in ``lofteeval/data/`` (see
``data/PROVENANCE.md``), so the package works without ``../shared``.  Kommun names are looked up,
never used as keys: every function returns or expects 4-digit string codes such as ``"0114"``.

Name resolution (:func:`kommun_code`) tries, in order: a code (``"0114"``, ``114``), an exact
normalised name (case, surrounding whitespace, hyphen/en dash/space, the suffixes ``kommun``/``stad``
and the prefix ``Region`` do not matter; SCB's genitive long names such as ``Arjeplogs kommun``
are known), an old code from :func:`code_history`, and last an accent-folded name, which is used
only when it points to exactly one kommun.  ``Håbo`` (0305) and ``Habo`` (0643) fold to the same
text, so a folded match never decides between them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .._types import KommunCode
from ..errors import DataError

__all__ = [
    "kommuner",
    "kommun_code",
    "kommun_codes",
    "kommun_name",
    "lan_of",
    "code_history",
    "population",
    "neighbours",
    "POPULATION_YEARS",
]

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212_"), "-")
_FOLD = str.maketrans("åäöéèüàáÅÄÖÉÈÜÀÁ", "aaoeeuaaaaoeeuaa")
_SUFFIXES = (" kommun", " stad", " municipality", " kommune")


def _read(name: str) -> pd.DataFrame:
    with resources.files("lofteeval.data").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _kommuner() -> pd.DataFrame:
    frame = _read("kommuner.csv")
    pop = _population_wide()
    latest = max(pop.columns.drop("kommun"), key=int)
    frame = frame.merge(pop[["kommun", latest]].rename(columns={latest: "population"}), on="kommun")
    frame["population"] = frame["population"].astype("int64")
    frame.attrs["population_year"] = int(latest)
    return frame


def kommuner() -> pd.DataFrame:
    """All 290 kommuner with their län, SKR kommungrupp and latest population.

    Returns
    -------
    pandas.DataFrame
        One row per kommun, sorted by code: ``kommun`` (4-digit str), ``name`` (short form, e.g.
        ``Gotland``), ``long_name`` (SCB's form, e.g. ``Gotlands kommun``), ``lan`` (2-digit str),
        ``lan_name``, ``kommungrupp`` (SKR 2023 code, e.g. ``C9``), ``kommungrupp_label`` and
        ``population`` (31 December of ``attrs["population_year"]``).  A fresh copy each call.
    """
    return _kommuner().copy()


# --------------------------------------------------------------------------- name resolution
def _norm(text: str) -> str:
    """Case-fold, unify dashes/hyphens with spaces, drop suffixes and the prefix ``region``."""
    s = unicodedata.normalize("NFC", str(text)).translate(_DASHES).casefold()
    s = re.sub(r"[\s\-]+", " ", s).strip()
    if s.startswith("region "):
        s = s[len("region "):]
    for suffix in _SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)].strip()
    return s


def _fold(text: str) -> str:
    return text.translate(_FOLD)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str], dict[str, set[str]], dict[str, str]]:
    """Exact keys -> code, folded keys -> codes, and key -> display name (for suggestions)."""
    exact: dict[str, str] = {}
    display: dict[str, str] = {}
    for row in _read("kommuner.csv").itertuples(index=False):
        for form in (row.name, row.long_name):
            key = _norm(form)
            if exact.get(key, row.kommun) != row.kommun:  # pragma: no cover - data check
                raise DataError(f"kommun name {form!r} is ambiguous in the reference table")
            exact[key] = row.kommun
            display.setdefault(key, f"{row.name} ({row.kommun})")
    folded: dict[str, set[str]] = {}
    for key, code in exact.items():
        folded.setdefault(_fold(key), set()).add(code)
    return exact, folded, display


@lru_cache(maxsize=1)
def _old_codes() -> dict[str, tuple[str, int]]:
    hist = code_history()
    rec = hist[hist["kind"] == "recode"]
    return {o: (n, int(y)) for o, n, y in zip(rec["old_code"], rec["new_code"], rec["year"])}


def _valid_codes() -> frozenset[str]:
    return frozenset(_kommuner()["kommun"])


def _closest(query: str, n: int = 3) -> list[str]:
    exact, _, display = _index()
    key = _norm(query)
    keys = list(exact)
    near = difflib.get_close_matches(key, keys, n=10, cutoff=0.0)
    near += difflib.get_close_matches(_fold(key), [_fold(k) for k in keys], n=10, cutoff=0.0)
    folded_to_key = {_fold(k): k for k in keys}
    out: list[str] = []
    for k in near:
        label = display[k] if k in display else display[folded_to_key[k]]
        if label not in out:
            out.append(label)
    scored = sorted(out, key=lambda lab: -difflib.SequenceMatcher(
        None, _fold(key), _fold(_norm(lab.rsplit(" (", 1)[0]))).ratio())
    return scored[:n]


def _resolve_code(text: str, year: int | None) -> str | None:
    code = text.zfill(4)
    if code in _valid_codes():
        return code
    old = _old_codes().get(code)
    if old is None:
        return None
    new, changed = old
    if year is not None and year >= changed:
        raise DataError(
            f"kommun code {code!r} was replaced by {new!r} on 1 January {changed}, so it cannot "
            f"label data for {year}. Check the source's codes, or pass the current code {new!r}."
        )
    return new


def _resolve(x: object, year: int | None) -> str:
    """Resolve one input or raise DataError naming the closest matches."""
    if isinstance(x, bool) or x is None or (isinstance(x, float) and np.isnan(x)):
        raise DataError(f"kommun must be a code or a name (got {x!r}).")
    if isinstance(x, (int, np.integer)) or (isinstance(x, float) and float(x).is_integer()):
        text = str(int(x))
    else:
        text = unicodedata.normalize("NFC", str(x)).strip()
    if re.fullmatch(r"\d{1,4}", text):
        code = _resolve_code(text, year)
        if code is None:
            raise DataError(
                f"unknown kommun code {text.zfill(4)!r}: must be one of the 290 current 4-digit codes "
                "or an old code listed in code_history(). See kommuner() for the list."
            )
        return code
    m = re.fullmatch(r"(\d{4})\s+(.+)", text)  # PxWeb style "0114 Upplands Väsby"
    if m:
        code = _resolve(m.group(1), year)
        named = _resolve(m.group(2), year)
        if code != named:
            raise DataError(f"{text!r}: the code {m.group(1)} and the name {m.group(2)!r} "
                            f"({named}) disagree. Fix the source row.")
        return code
    exact, folded, _ = _index()
    key = _norm(text)
    if key in exact:
        return exact[key]
    hits = folded.get(_fold(key), set())
    if len(hits) == 1:
        return next(iter(hits))
    if len(hits) > 1:
        names = ", ".join(f"{kommun_name(c)} ({c})" for c in sorted(hits))
        raise DataError(f"kommun name {text!r} is ambiguous without å/ä/ö: it could be {names}. "
                        "Spell it with its Swedish letters or pass the 4-digit code.")
    raise DataError(f"unknown kommun {text!r}. Closest matches: {', '.join(_closest(text))}. "
                    "Pass a 4-digit code or a name as SCB spells it.")


def kommun_code(x: object, year: int | None = None) -> KommunCode:
    """Return the 4-digit code of a kommun given as a code or a name.

    Parameters
    ----------
    x : str or int
        A code (``"0114"``, ``114``), an old code (``1917`` -> ``"0331"``), a short name
        (``"Gotland"``), a long name (``"Ale kommun"``, ``"Arjeplogs kommun"``, ``"Region Gotland"``,
        ``"Gotlands kommun"``, ``"Stockholms stad"``), in any case, with hyphen or en dash.
    year : int, optional
        The year the data refer to.  An old code is accepted only for years before it was
        replaced (``kommun_code("1917", year=2010)`` raises).

    Returns
    -------
    str
        The current 4-digit code.

    Raises
    ------
    DataError
        Unknown input (the message names the 3 closest kommuner), a name that is ambiguous once
        accents are dropped (``"Hàbo"``), or an old code used after it was replaced.

    Examples
    --------
    >>> kommun_code("Region Gotland"), kommun_code(114), kommun_code("Malung–Sälen")
    ('0980', '0114', '2023')
    """
    return _resolve(x, year)


def kommun_codes(values: Iterable[object] | pd.Series, year: int | None = None) -> pd.Series:
    """Vectorised :func:`kommun_code`: resolve every value, raising one error for all unknowns.

    Returns a string Series aligned with ``values`` (same index when a Series is given).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    uniques = pd.unique(series.astype(object))
    mapping: dict[object, str] = {}
    problems: list[str] = []
    for value in uniques:
        try:
            mapping[value] = _resolve(value, year)
        except DataError as exc:
            problems.append(f"{value!r} ({int((series.astype(object) == value).sum())} rows): {exc}")
    if problems:
        head = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DataError(f"{len(problems)} kommun value(s) could not be resolved:\n  {head}{more}")
    return series.astype(object).map(mapping).astype("str")


def kommun_name(code: object) -> str:
    """Short name (``"Gotland"``) of a kommun given by code (or anything :func:`kommun_code` takes)."""
    frame = _kommuner()
    c = _resolve(code, None)
    return str(frame.loc[frame["kommun"] == c, "name"].iloc[0])


def lan_of(code: object) -> str:
    """The 2-digit län code of a kommun (``"0980"`` -> ``"09"``)."""
    return _resolve(code, None)[:2]


def code_history() -> pd.DataFrame:
    """Kommun code changes since 1990, as data (``data/code_history.csv``) with a source per row.

    Returns
    -------
    pandas.DataFrame
        ``year`` (int, in force from 1 January), ``kind`` (``"split"``: ``new_code`` was formed out
        of ``old_code``, which still exists; ``"recode"``: same kommun, ``old_code`` retired),
        ``old_code``, ``new_code``, ``old_name``, ``new_name``, ``note``, ``source``.
    """
    frame = _read("code_history.csv")
    frame["year"] = frame["year"].astype("int64")
    return frame


# --------------------------------------------------------------------------- population
@lru_cache(maxsize=1)
def _population_wide() -> pd.DataFrame:
    return _read("population.csv")


@lru_cache(maxsize=1)
def _population_years() -> pd.DataFrame:
    return _read("population_years.csv")


POPULATION_YEARS = (1990, 2024)
"""First and last year :func:`population` covers from the shipped tables."""


@lru_cache(maxsize=1)
def _population_long() -> pd.DataFrame:
    wide = _population_wide()
    long = wide.melt(id_vars="kommun", var_name="year", value_name="value")
    long["year"] = long["year"].astype("int64")
    long["value"] = long["value"].astype("float64")
    flags = {}
    for row in _population_years().itertuples(index=False):
        for y in range(int(row.year_from), int(row.year_to) + 1):
            flags[y] = row.flag
    long["flag"] = long["year"].map(flags).fillna("").astype("str")
    # fill gap years by linear interpolation within each kommun
    all_years = range(POPULATION_YEARS[0], POPULATION_YEARS[1] + 1)
    full = pd.MultiIndex.from_product([sorted(wide["kommun"]), all_years], names=["kommun", "year"])
    long = long.set_index(["kommun", "year"]).reindex(full)
    gap = long["value"].isna()
    filled = long["value"].unstack("kommun").interpolate(method="index", limit_area="inside")
    long["value"] = filled.stack().reorder_levels(["kommun", "year"]).reindex(full)
    long.loc[gap, "value"] = long.loc[gap, "value"].round()  # persons are whole numbers
    long.loc[gap, "flag"] = "interpolated"
    return long.reset_index()


def _split_flags(frame: pd.DataFrame) -> pd.Series:
    """``True`` for rows of a split kommun (child or parent) in years before the split."""
    hist = code_history()
    hist = hist[hist["kind"] == "split"]
    mask = pd.Series(False, index=frame.index)
    for row in hist.itertuples(index=False):
        codes = {row.old_code, row.new_code}
        mask |= frame["kommun"].isin(codes) & (frame["year"] < row.year)
    return mask


def population(
    kommuner: Iterable[object] | None = None,
    years: Iterable[int] | None = None,
    *,
    scb: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Folkmängd 31 December per kommun and year as tidy rows.

    Parameters
    ----------
    kommuner : iterable of codes or names, optional
        Default: all 290.
    years : iterable of int, optional
        Default: every year from ``POPULATION_YEARS[0]`` to ``POPULATION_YEARS[1]`` (1990-2024).
    scb : pandas.DataFrame, optional
        Population from the SCB fetcher (tidy: ``kommun, year, value``); its values replace the
        shipped ones for the same kommun and year (and add years not shipped), flag cleared.

    Returns
    -------
    pandas.DataFrame
        ``kommun, year, indicator="population", value, unit="count", source="scb", flag``.

    Notes
    -----
    The shipped SCB files lack 2020, 2022 and 2023.  2020 is SCB's figure rounded to 100 as
    published by SKR (flag ``rounded``); 2022-2023 are interpolated linearly between 2021 and 2024
    (flag ``interpolated``).  Series are in current borders; for kommuner split since 1990 (see
    :func:`code_history`), both the new kommun and the one it was split from are flagged
    ``split_before`` in years before the split: SCB's back-calculated values describe today's
    territory, not the kommun as it then existed.  Values are never invented beyond that.
    """
    # the shipped table is flagged once per process; a report asks for it a dozen times
    long = _shipped_population() if scb is None else _flagged(_apply_scb(_population_long(), scb))
    if kommuner is not None:
        codes = set(kommun_codes(list(kommuner)))
        long = long[long["kommun"].isin(codes)]
    if years is not None:
        wanted = {int(y) for y in years}
        missing = sorted(wanted - set(long["year"]))
        if missing:
            raise DataError(
                f"population is available for {POPULATION_YEARS[0]}-{POPULATION_YEARS[1]} "
                f"(got years {missing}). Pass an SCB frame with scb= for other years."
            )
        long = long[long["year"].isin(wanted)]
    return long.reset_index(drop=True).copy()


@lru_cache(maxsize=1)
def _shipped_population() -> pd.DataFrame:
    return _flagged(_population_long())


def _flagged(long: pd.DataFrame) -> pd.DataFrame:
    """The tidy population rows: split flags, indicator, unit and source, sorted by kommun and year."""
    long = long.copy()
    split = _split_flags(long)
    long.loc[split, "flag"] = np.where(long.loc[split, "flag"] == "", "split_before",
                                       long.loc[split, "flag"] + ";split_before")
    long["indicator"] = "population"
    long["unit"] = "count"
    long["source"] = "scb"
    cols = ["kommun", "year", "indicator", "value", "unit", "source", "flag"]
    return long[cols].sort_values(["kommun", "year"]).reset_index(drop=True)


def _apply_scb(long: pd.DataFrame, scb: pd.DataFrame) -> pd.DataFrame:
    missing = {"kommun", "year", "value"} - set(scb.columns)
    if missing:
        raise DataError(f"scb= must have columns kommun, year, value (missing {sorted(missing)}).")
    if "indicator" in scb.columns:
        scb = scb[scb["indicator"] == "population"]
    new = pd.DataFrame({"kommun": kommun_codes(scb["kommun"]).to_numpy(),
                        "year": scb["year"].astype("int64").to_numpy(),
                        "value": scb["value"].astype("float64").to_numpy(), "flag": ""})
    new = new[new["value"].notna()]
    keep = long.merge(new[["kommun", "year"]], on=["kommun", "year"], how="left", indicator=True)
    long = long[(keep["_merge"] == "left_only").to_numpy()]
    return pd.concat([long, new], ignore_index=True)


# --------------------------------------------------------------------------- neighbours
@lru_cache(maxsize=1)
def _neighbours() -> pd.DataFrame:
    frame = _read("neighbours.csv")
    frame["shared_border_km"] = frame["shared_border_km"].astype("float64")
    return frame


def neighbours(kommun: object, *, include_links: bool = False, min_border_km: float = 0.0) -> list[str]:
    """Codes of the kommuner bordering ``kommun`` on land (SCB 2024 borders).

    Parameters
    ----------
    kommun : str or int
        Code or name.
    include_links : bool
        Also count bridge and car-ferry links of island kommuner (Gotland, Lidingö, Tjörn, ...).
    min_border_km : float
        Keep land neighbours whose shared border is at least this long; ``0.0`` keeps corner
        contacts (queen contiguity), a small positive value drops them (rook contiguity).

    Returns
    -------
    list of str
        Sorted codes (empty for an island kommun without ``include_links``).
    """
    code = _resolve(kommun, None)
    nb = _neighbours()
    rows = nb[(nb["kommun_a"] == code) & (nb["shared_border_km"] >= min_border_km)]
    out = set(rows["kommun_b"])
    if include_links:
        links = _read("island_links.csv")
        out |= set(links.loc[links["kommun_a"] == code, "kommun_b"])
    return sorted(out)
