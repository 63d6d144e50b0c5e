"""Parsers for Brå's statistikdatabas (SOL): the topic page and the result table.

Formats (``../shared/SOURCES.md`` §3.2, checked against the real result page in
``tests/fixtures/bra_sol/`` and the public scrapers jensfinnas/bra_scraper and
Lulea-statistik/BR-brottsstatistik):

- **Topic page** (``anmalda/urval/urval?menyid=101``): JavaScript arrays, one string per category,
  fields joined by ``*``::

      arrayPeriod[12]="2526*289*År 2016 prel.*ar";
      arrayNivaett[0]="5036*Totalt antal brott*5036*Totalt antal brott";
      arrayNivatva[3]="11650*Brott mot narkotikastrafflagen*11085*Brott mot specialstraffrättsliga
          författningar, Brott mot narkotikastrafflagen";
      arrayRegionNivaTva[4]="8365*Gotland kommun*8302*Hela landet, Gotlands län, Gotland kommun";

  Crimes and regions: ``id*label*parent id*full label path`` (the full path is the label we match
  on; with fewer fields the second field is the label).  Periods: the label is the
  second-to-last field.  Period ids change every year and crime ids differ between topics, so
  every id is read from the page at run time; nothing here hard-codes one.
- **Result table** (``anmalda/urval/soktabell``): one ``<td class="resultatAntal"
  headers="PERIOD_ID YEAR_AXIS CRIME_ID REGION_ID MEASURE">`` per cell; ``&nbsp;`` (or a space)
  groups thousands; ``..`` means no value; period headers ``<th id=PERIOD_ID axis="manader">`` carry
  the label (``2016 prel.`` = preliminary).  The page declares ISO-8859-1 but the real copy is UTF-8:
  bytes are decoded as UTF-8 when valid, else cp1252.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = [
    "SolTopic",
    "cells_to_raw",
    "decode_page",
    "match_crimes",
    "parse_result_page",
    "parse_topic_page",
    "period_year",
]

_ARRAY = re.compile(r'\b(array(?:Period|Niva|RegionNiva)\w*)\s*\[\s*\d+\s*\]\s*=\s*"((?:[^"\\]|\\.)*)"')
_NBSP = re.compile(r"[\s\u00a0\u202f]|&nbsp;|\\xA0", re.IGNORECASE)


def decode_page(data: bytes | str) -> str:
    """Text of a SOL page: UTF-8 when the bytes are valid UTF-8, else cp1252 (ISO-8859-1 superset)."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def period_year(label: str) -> tuple[int, bool]:
    """``"År 2016 prel."`` → ``(2016, True)``; raises ``DataError`` when no year is in the label."""
    m = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", str(label))
    if not m:
        raise DataError(f"SOL period label {label!r} has no year (expected e.g. 'År 2024' or '2016 prel.').")
    return int(m.group(0)), "prel" in str(label).lower()


@dataclass(frozen=True)
class SolTopic:
    """The ids of one SOL topic page: ``periods``, ``crimes`` and ``regions`` tables.

    ``periods``: ``id, label, year, preliminary, yearly``; ``crimes`` and ``regions``: ``id,
    label`` (last segment), ``path`` (full label path), ``parent``, ``level`` (array name).
    """

    periods: pd.DataFrame
    crimes: pd.DataFrame
    regions: pd.DataFrame

    def period_ids(self, years: list[int] | None = None) -> pd.DataFrame:
        """Yearly periods (optionally only ``years``), one per year."""
        p = self.periods[self.periods["yearly"]]
        if years is not None:
            p = p[p["year"].isin(list(years))]
        return p.drop_duplicates("year", keep="last").sort_values("year")


def _category(array: str, raw: str) -> dict:
    parts = [p.strip() for p in raw.replace('\\"', '"').split("*")]
    if not parts[0].isdigit():
        raise DataError(f"SOL topic page: {array} entry {raw[:60]!r} does not start with a numeric id; "
                        "the page layout changed — download the export by hand (`lofteeval import bra-sol`).")
    path = parts[3] if len(parts) >= 4 else (parts[1] if len(parts) > 1 else "")
    path = _NBSP.sub(" ", path).strip()
    path = re.sub(r"\s{2,}", " ", path)
    label = parts[1] if len(parts) > 1 else path
    parent = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
    return {"id": int(parts[0]), "label": re.sub(r"\s+", " ", _NBSP.sub(" ", label)).strip(),
            "path": path, "parent": parent, "level": array}


def parse_topic_page(page: bytes | str | Path) -> SolTopic:
    """Parse the period, crime and region arrays of a SOL topic page.

    Raises
    ------
    DataError
        The page holds no ``arrayPeriod``/``arrayNiva``/``arrayRegionNiva`` entries (a login or
        error page, or a changed layout).
    """
    text = decode_page(Path(page).read_bytes() if isinstance(page, Path) else page)
    found: dict[str, list[dict]] = {"Period": [], "Niva": [], "RegionNiva": []}
    for array, raw in _ARRAY.findall(text):
        kind = "Period" if array.startswith("arrayPeriod") else (
            "RegionNiva" if array.startswith("arrayRegionNiva") else "Niva")
        if kind == "Period":
            parts = raw.split("*")
            if not parts[0].strip().isdigit() or len(parts) < 2:
                raise DataError(f"SOL topic page: period entry {raw[:60]!r} is not 'id*...*label*...'.")
            label = parts[-2].strip() if len(parts) >= 3 else parts[1].strip()
            year, prel = period_year(label)
            yearly = not re.search(r"kvartal|jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec", label.lower())
            found[kind].append({"id": int(parts[0]), "label": label, "year": year,
                                "preliminary": prel, "yearly": yearly})
        else:
            found[kind].append(_category(array, raw))
    missing = [k for k, v in found.items() if not v]
    if missing:
        raise DataError(
            f"SOL topic page holds no {', '.join('array' + m for m in missing)} entries; it is not a "
            "topic page (error page, expired session, or a changed layout). Try again later, or "
            "download the table by hand and run `lofteeval import bra-sol FILE`.")
    frames = {k: pd.DataFrame(v).drop_duplicates("id", keep="first") for k, v in found.items()}
    return SolTopic(frames["Period"].reset_index(drop=True), frames["Niva"].reset_index(drop=True),
                    frames["RegionNiva"].reset_index(drop=True))


def _norm_path(text: str) -> str:
    s = re.sub(r"\s+", " ", _NBSP.sub(" ", str(text))).strip().lower()
    return re.sub(r"\s*\((?:t\.o\.m\.|fr\.o\.m\.)[^)]*\)", "", s).strip()


def match_crimes(topic: SolTopic, paths: tuple[str, ...]) -> dict[str, int]:
    """SOL crime id of each label path in ``paths`` (matched on the normalised full path).

    A path may end in a regular expression after ``~`` (``"..., 4 kap. Brott mot frihet och frid,
    ~Ofredande"``): the prefix must match exactly and the last segment by the pattern.

    Raises
    ------
    DataError
        A path matches no category (or several), naming the closest labels on the page.
    """
    import difflib

    norm = topic.crimes.assign(_n=topic.crimes["path"].map(_norm_path))
    out: dict[str, int] = {}
    for path in paths:
        if "~" in path:
            prefix, pattern = path.split("~", 1)
            pre = _norm_path(prefix)
            rx = re.compile(pattern.lower())
            hits = norm[norm["_n"].str.startswith(pre) & norm["_n"].str[len(pre):].map(
                lambda tail, rx=rx: bool(rx.match(tail.lstrip())))]
            if len(hits) > 1:  # sub-categories extend their parent's path: keep the offence totals
                names = set(hits["_n"])
                hits = hits[[not any(n != o and n.startswith(o + ",") for o in names) for n in hits["_n"]]]
        else:
            hits = norm[norm["_n"] == _norm_path(path)]
        if len(hits) != 1:
            near = difflib.get_close_matches(_norm_path(path.replace("~", "")), norm["_n"].tolist(), n=3, cutoff=0.4)
            what = "no category" if hits.empty else (
                f"{len(hits)} sibling categories ({'; '.join(hits['path'])}) — name the one meant, or list "
                "each to sum them,")
            raise DataError(f"SOL label path {path!r} matches {what} on the topic page"
                            + (f" (closest: {'; '.join(near)})" if near else "")
                            + ". Brå may have renamed it: update lofteeval.sources.catalogue.")
        out[path] = int(hits["id"].iloc[0])
    return out


def _number(text: str) -> tuple[float, str]:
    s = _NBSP.sub("", text or "")
    if s in ("..", "…", ".", ""):
        return np.nan, "suppressed" if s in ("..", "…") else "missing"
    if s in ("-", "–", "—"):
        return 0.0, ""
    s = s.replace(",", ".")
    try:
        return float(s), ""
    except ValueError:
        raise DataError(f"SOL result cell {text!r} is not a number (expected digits with &nbsp; "
                        "thousands, or '..' for no value).") from None


def parse_result_page(page: bytes | str | Path) -> pd.DataFrame:
    """Cells of a SOL result table (``soktabell`` or the HTML export) as a long frame.

    Returns
    -------
    pandas.DataFrame
        ``period_id, period_label, year, preliminary, crime_id, crime_label, region_id,
        region_label, measure, value, flag`` — one row per ``td.resultatAntal`` cell; ``value`` NaN with ``flag
        "suppressed"`` for ``..``; ``measure`` is ``count`` or ``per_100k``.

    Raises
    ------
    DataError
        No result cells (an error or "too many cells" page), or a cell that is not a number.
    """
    from lxml import html as lxml_html

    text = decode_page(Path(page).read_bytes() if isinstance(page, Path) else page)
    tree = lxml_html.fromstring(text.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    periods = {th.get("id"): re.sub(r"\s+", " ", th.text_content()).strip()
               for th in tree.xpath("//th[@axis='manader' or @axis='period' or @axis='ar']") if th.get("id")}
    regions = {th.get("id"): re.sub(r"\s+", " ", th.text_content()).strip()
               for th in tree.xpath("//th[@axis='region']") if th.get("id")}
    rows = []
    for td in tree.xpath("//td[contains(concat(' ', @class, ' '), ' resultatAntal ')]"):
        ids = (td.get("headers") or "").split()
        if len(ids) < 5:
            continue  # spacer cells
        value, flag = _number(td.text_content())
        label = periods.get(ids[0], "")
        year, prel = period_year(label) if label else (np.nan, False)
        row_head = td.getparent().xpath("./th")
        crime_label = re.sub(r"\s+", " ", row_head[0].text_content()).strip() if row_head else ""
        rows.append({"period_id": int(ids[0]), "period_label": label, "year": year, "preliminary": prel,
                     "crime_id": int(ids[2]), "crime_label": crime_label, "region_id": int(ids[3]),
                     "region_label": regions.get(ids[3], ""),
                     "measure": "count" if ids[-1].lower() == "antal" else "per_100k",
                     "value": value, "flag": flag})
    if not rows:
        snippet = re.sub(r"\s+", " ", tree.text_content())[:160]
        raise DataError(f"SOL result page has no result cells (td.resultatAntal); page says: {snippet!r}. "
                        "Too many cells in one query, an expired session, or not a result page.")
    return pd.DataFrame(rows)


def cells_to_raw(cells: pd.DataFrame) -> pd.DataFrame:
    """Raw tidy rows from parsed cells that carry ``kommun`` and ``indicator`` columns.

    The count and per-100 000 cells of one (region, year, category) become one row (``value`` =
    SOL's per 100 000, ``n`` = the count; a count alone gives a ``count`` row for
    ``harmonise.rates.add_rates``); several categories of one indicator are summed (NaN when any
    part is missing); ``prel.`` periods are flagged ``provisional``.
    """
    key = ["kommun", "region_id", "year", "indicator", "crime_id"]
    cnt = cells[cells["measure"] == "count"].set_index(key)
    rate = cells[cells["measure"] == "per_100k"].set_index(key)["value"].rename("per_100k")
    wide = cnt.rename(columns={"value": "count"}).join(rate, how="outer").reset_index()
    wide["preliminary"] = wide["preliminary"].astype("boolean").fillna(False).astype(bool)
    wide["flag"] = wide["flag"].fillna("")
    agg = wide.groupby(["kommun", "region_id", "year", "indicator"], as_index=False).agg(
        n=("count", lambda s: s.sum(min_count=len(s))), rate=("per_100k", lambda s: s.sum(min_count=len(s))),
        prel=("preliminary", "max"),
        flag=("flag", lambda s: ";".join(sorted({p for f in s for p in f.split(";") if p}))))
    use_rate = agg["rate"].notna() | agg["n"].isna()
    flags = [";".join(x for x in (("provisional" if p else ""), f) if x) for p, f in zip(agg["prel"], agg["flag"])]
    return pd.DataFrame({"kommun": agg["kommun"].astype(str), "year": agg["year"].astype(int),
                         "indicator": agg["indicator"], "value": np.where(use_rate, agg["rate"], agg["n"]),
                         "unit": np.where(use_rate, "per_100k", "count"), "flag": flags, "n": agg["n"],
                         "se": np.nan})
