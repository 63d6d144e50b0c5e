"""Client for Brå's statistikdatabas (SOL), yearly kommun topic → tidy crime rows.

Protocol (``../shared/SOURCES.md`` §3.2): a session is opened with ``GET /solwebb/action/start``,
the topic page ``anmalda/urval/urval?menyid=101`` gives period, crime and region ids (read by label
path at run time, :mod:`.sol_parse`), a query is ``POST anmalda/urval/vantapopup`` with
``brottstyp_id_string``, ``region_id_string``, ``period_id_string`` (ids joined by ``*``),
``antal=1`` and ``antal_100k=1``, then ``GET anmalda/urval/sok`` and ``GET anmalda/urval/soktabell``
returns the table.  SOL answers at most :data:`MAX_CELLS` cells per query, so queries are split
(regions × crimes × periods × measures).  Kommun region ids come from the shipped table
``lofteeval/data/sol_regions.csv`` (291 ids: Heby twice, before/after its 2007 län change).

Each result table is cached under ``data/raw/bra_sol/`` with a provenance record (URL, form,
fetch date, sha256, vintage: which years were preliminary); a second run with the same request
reads the cache and sends nothing.  Requests retry 429/5xx politely (``Retry-After``) and pause
:data:`PAUSE` seconds between queries.

**TLS.** statistik.bra.se serves an incomplete certificate chain ("unable to verify the first
certificate").  Verification stays on by default; the choice is the caller's: ``verify=PATH`` to a
CA bundle holding the missing intermediate (safe), or ``verify=False`` for statistik.bra.se only
(CLI ``--sol-insecure``; the data are public, but the connection is then not authenticated).  A
failed verification raises one :class:`~lofteeval.errors.FetchError` naming both options.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, FetchError
from ._finish import ImportResult, finish
from .sol_parse import SolTopic, cells_to_raw, match_crimes, parse_result_page, parse_topic_page

__all__ = ["MAX_CELLS", "SOL_BASE", "SolClient", "fetch_sol", "sol_region_ids", "sol_rows_to_tidy"]

SOL_BASE = "https://statistik.bra.se/solwebb/action/"
TOPIC_MENU_ID = 101
MAX_CELLS = 10_000
PAUSE = 1.0
Progress = Callable[[int, int, str], None]


@lru_cache(maxsize=1)
def sol_region_ids() -> pd.DataFrame:
    """The shipped SOL region id ↔ SCB kommun code table (``sol_region_id, kommun, kommunkod, sol_label``)."""
    from importlib.resources import files

    path = files("lofteeval") / "data" / "sol_regions.csv"
    return pd.read_csv(str(path), dtype={"kommunkod": str, "sol_region_id": int})


def _tls_hint(exc: Exception) -> FetchError:
    return FetchError(
        f"the TLS certificate of statistik.bra.se could not be verified ({exc}); SOL serves an incomplete "
        "certificate chain. Pass --sol-ca-bundle PATH (a CA bundle with the missing intermediate) or "
        "--sol-insecure (skip verification for statistik.bra.se only), or download the table by hand "
        "and run `lofteeval import bra-sol FILE`.")


class SolClient:
    """One SOL session on an ``httpx.Client`` (tests pass one built on ``httpx.MockTransport``).

    Parameters
    ----------
    client : httpx.Client, optional
        Default: a new client with a User-Agent, cookies, redirects and ``verify``.
    verify : bool or str
        TLS verification for a new client (see the module docstring).
    base : str
        SOL's action root.
    """

    def __init__(self, client: Any | None = None, *, verify: bool | str = True, base: str = SOL_BASE) -> None:
        import httpx

        from ._cache import USER_AGENT

        self.base = base
        self._own = client is None
        self.client = client or httpx.Client(timeout=120.0, headers={"User-Agent": USER_AGENT},
                                             follow_redirects=True, verify=verify)
        self._session = False

    def close(self) -> None:
        """Close the HTTP client when this object created it."""
        if self._own:
            self.client.close()

    def _send(self, method: str, path: str, *, data: dict | None = None) -> bytes:
        import httpx

        from ._cache import request_with_retry

        url = self.base + path
        try:
            if data is None:
                return request_with_retry(self.client, method, url).content
            resp = self.client.request(method, url, data=data)
        except httpx.ConnectError as exc:
            if "CERTIFICATE" in str(exc).upper():
                raise _tls_hint(exc) from None
            raise FetchError(f"could not reach {url} ({exc}); are you offline? Run again when online, or "
                             "download the table by hand and use `lofteeval import bra-sol FILE`.") from None
        except FetchError as exc:
            if "CERTIFICATE" in str(exc).upper():
                raise _tls_hint(exc) from None
            raise
        except httpx.HTTPError as exc:
            raise FetchError(f"could not reach {url} ({exc.__class__.__name__}); are you offline?") from None
        if resp.status_code >= 400:
            raise FetchError(f"{url} answered HTTP {resp.status_code} to the query; try again later.")
        return resp.content

    def start(self) -> None:
        """Open the session (cookies) once."""
        if not self._session:
            self._send("GET", "start?menykatalogid=1")
            self._session = True

    def topic_page(self, menu_id: int = TOPIC_MENU_ID) -> bytes:
        """The raw topic page (holds the id arrays)."""
        self.start()
        return self._send("GET", f"anmalda/urval/urval?menyid={menu_id}")

    def query(self, crimes: list[int], regions: list[int], periods: list[int], *,
              per_100k: bool = True, menu_id: int = TOPIC_MENU_ID) -> bytes:
        """Run one query (at most :data:`MAX_CELLS` cells) and return the result table page."""
        cells = len(crimes) * len(regions) * len(periods) * (2 if per_100k else 1)
        if cells > MAX_CELLS:
            raise DataError(f"one SOL query may hold at most {MAX_CELLS} cells (got {cells}); split it "
                            "(fetch_sol does this).")
        self.start()
        self._send("GET", f"anmalda/urval/urval?menyid={menu_id}")
        form = {"brottstyp_id_string": "*".join(map(str, crimes)),
                "region_id_string": "*".join(map(str, regions)),
                "period_id_string": "*".join(map(str, periods)),
                "antal": "1", "antal_100k": "1" if per_100k else "0"}
        self._send("POST", "anmalda/urval/vantapopup", data=form)
        self._send("GET", "anmalda/urval/sok")
        return self._send("GET", "anmalda/urval/soktabell")


def chunks(n_crimes: int, n_regions: int, n_periods: int, measures: int = 2,
           limit: int = MAX_CELLS) -> list[tuple[slice, slice]]:
    """``(crime slice, region slice)`` pairs so that every query stays within ``limit`` cells."""
    per_region = n_periods * measures
    if per_region > limit:
        raise DataError(f"{n_periods} periods × {measures} measures exceed SOL's {limit} cells for even one "
                        "kommun; ask for fewer years (--years).")
    regions_per = min(n_regions, limit // per_region)
    crimes_per = max(1, limit // (per_region * regions_per)) if regions_per == n_regions else 1
    return [(slice(c, c + crimes_per), slice(r, r + regions_per))
            for c in range(0, n_crimes, crimes_per) for r in range(0, n_regions, regions_per)]


def _cached(folder: Path, name: str, make: Callable[[], bytes], record: dict, refresh: bool) -> tuple[bytes, dict]:
    """Bytes of ``folder/name`` (checked against its provenance) or ``make()`` them and record them."""
    from ._cache import _sha256, read_provenance

    path = folder / name
    if path.is_file() and not refresh:
        rec = read_provenance(path)
        if _sha256(path) != rec.get("sha256"):
            raise FetchError(f"cached file {path.name} changed since it was fetched; raw files must not be "
                             "edited. Delete it or pass --refresh.")
        return path.read_bytes(), rec
    data = make()
    rec = {**record, "source": "bra", "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return data, rec


def _commit(folder: Path, name: str, data: bytes, rec: dict) -> None:
    from ..files import write_bytes
    from ._cache import write_provenance

    write_bytes(folder / name, data)
    write_provenance(folder / name, rec)


def fetch_sol(
    indicators: list[str],
    kommuner: list[str] | None,
    years: list[int],
    *,
    client: Any | None = None,
    verify: bool | str = True,
    dest_dir: str | Path | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
    population: pd.DataFrame | None = None,
) -> ImportResult:
    """Fetch crime indicators from SOL's yearly kommun topic and return tidy rows.

    Parameters
    ----------
    indicators
        Indicator ids with a SOL source (:data:`lofteeval.sources.catalogue.INDICATOR_SOURCES`).
    kommuner
        Kommun codes (default all 290).
    years
        Years to fetch; years the topic does not have are left out (reported in the notes).
    client, verify
        ``httpx.Client`` (tests: ``MockTransport``) or TLS verification for a new one.
    dest_dir, refresh
        Cache folder (default ``data/raw/bra_sol``) and whether to fetch again.
    progress
        ``progress(done, total, what)`` called after each query.
    population
        Tidy population rows for rates where SOL gives none.

    Returns
    -------
    ImportResult
        ``value`` per 100 000 (SOL's own), ``n`` the count, ``source="bra"``; preliminary years
        flagged ``provisional``; ``..`` cells NaN flagged ``suppressed``.  ``frame.attrs["vintage"]``
        lists the preliminary years, ``frame.attrs["fetched_at"]`` the fetch dates.
    """
    from .. import config
    from .catalogue import INDICATOR_SOURCES, SOL_TOPIC_URL

    wanted = {i: INDICATOR_SOURCES[i].sol_paths for i in indicators if INDICATOR_SOURCES.get(i) and
              INDICATOR_SOURCES[i].kind == "sol"}
    if not wanted:
        raise DataError(f"none of {indicators} comes from SOL; see `lofteeval data plan`.")
    folder = Path(dest_dir) if dest_dir is not None else config.raw_dir() / "bra_sol"
    table = sol_region_ids()
    if kommuner is not None:
        table = table[table["kommunkod"].isin(set(kommuner)) | (
            (table["kommunkod"] == "1917") & ("0331" in set(kommuner)))]
    sol = SolClient(client, verify=verify)
    try:
        raw, rec = _cached(folder, f"sol-topic-{TOPIC_MENU_ID}.html", sol.topic_page,
                           {"url": SOL_TOPIC_URL, "method": "GET", "what": "SOL topic page"}, refresh)
        topic = parse_topic_page(raw)
        if not (folder / f"sol-topic-{TOPIC_MENU_ID}.html").is_file() or refresh:
            _commit(folder, f"sol-topic-{TOPIC_MENU_ID}.html", raw, rec)
        frames, records = _run_queries(sol, topic, wanted, table, years, folder, refresh, progress)
    finally:
        sol.close()
    return sol_rows_to_tidy(pd.concat(frames, ignore_index=True), topic, wanted, population=population,
                            records=records)


def _run_queries(sol: SolClient, topic: SolTopic, wanted: dict[str, tuple[str, ...]], table: pd.DataFrame,
                 years: list[int], folder: Path, refresh: bool, progress: Progress | None
                 ) -> tuple[list[pd.DataFrame], list[dict]]:
    from . import _cache

    paths = sorted({p for ps in wanted.values() for p in ps})
    ids = match_crimes(topic, tuple(paths))
    periods = topic.period_ids(years)
    if periods.empty:
        raise DataError(f"the SOL topic has none of the years {years[0]}–{years[-1]} "
                        f"(it has {topic.periods['year'].min()}–{topic.periods['year'].max()}).")
    on_page = set(topic.regions["id"])
    absent = sorted(set(table["sol_region_id"]) - on_page)
    if absent:
        raise DataError(f"{len(absent)} kommun region id(s) of the shipped table are not on the SOL topic "
                        f"page (e.g. {absent[:5]}); Brå changed its region ids — update data/sol_regions.csv.")
    regions = table["sol_region_id"].tolist()
    crime_ids = [ids[p] for p in paths]
    plan = chunks(len(crime_ids), len(regions), len(periods))
    frames, records = [], []
    sent = 0
    for i, (cs, rs) in enumerate(plan):
        form = {"crimes": paths[cs], "regions": regions[rs], "periods": periods["label"].tolist()}
        key = hashlib.sha256(json.dumps(form, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
        name = f"sol-{key}.html"

        def make(cs: slice = cs, rs: slice = rs) -> bytes:
            nonlocal sent
            if sent:
                _cache._sleep(PAUSE)
            sent += 1
            return sol.query(crime_ids[cs], regions[rs], periods["id"].tolist())

        prel = periods.loc[periods["preliminary"], "year"].tolist()
        data, rec = _cached(folder, name, make, {
            "url": sol.base + "anmalda/urval/soktabell", "method": "POST vantapopup + GET soktabell",
            "form": form, "vintage": {"preliminary_years": prel}}, refresh)
        frame = parse_result_page(data)  # parse before caching: a bad page is never stored
        if not (folder / name).is_file() or refresh:
            _commit(folder, name, data, rec)
        frames.append(frame)
        records.append(rec)
        if progress:
            progress(i + 1, len(plan), f"Brå SOL {len(crime_ids[cs])} brott × {len(regions[rs])} kommuner")
    return frames, records


def sol_rows_to_tidy(cells: pd.DataFrame, topic: SolTopic, wanted: dict[str, tuple[str, ...]], *,
                     population: pd.DataFrame | None = None, records: list[dict] | None = None) -> ImportResult:
    """Turn parsed SOL cells into tidy rows (sum several paths per indicator, map region ids to codes)."""
    ids = match_crimes(topic, tuple(sorted({p for ps in wanted.values() for p in ps})))
    crime_ind = {ids[p]: ind for ind, ps in wanted.items() for p in ps}
    # Heby's old Västmanland id (1917, to 2006) labels the same kommun as 0331: one code, and the
    # empty twin of each year is dropped by finish() with its reason
    regions = sol_region_ids().set_index("sol_region_id")["kommunkod"].replace({"1917": "0331"})
    rows_in = len(cells)
    known = cells["crime_id"].isin(crime_ind) & cells["region_id"].isin(regions.index)
    c = cells[known].assign(indicator=cells["crime_id"].map(crime_ind),
                            kommun=cells["region_id"].map(regions))
    raw = cells_to_raw(c)
    from collections import Counter

    dropped: Counter[str] = Counter()
    merged = rows_in - int(known.sum())
    if merged:
        dropped["SOL cell outside the requested kommuner/categories"] = merged
    summed = int(known.sum()) - len(raw)
    if summed:
        dropped["SOL cell combined into an indicator row (count + per 100 000 measures, summed categories)"] = summed
    notes = [(f"Brå SOL yearly kommun topic: {len(wanted)} indicator(s), {cells['region_id'].nunique()} region ids, "
              f"years {int(cells['year'].min())}–{int(cells['year'].max())}")]
    result = finish(raw, source="bra", where="Brå SOL", rows_in=rows_in, dropped=dropped, notes=notes,
                    population=population)
    prel = sorted({int(y) for y, p in zip(cells["year"], cells["preliminary"]) if p})
    result.frame.attrs.update({"vintage": {"bra": {"preliminary_years": prel}},
                               "fetched_at": {"bra": sorted({r.get("fetched_at", "")[:10] for r in records or []})},
                               "_records": list(records or [])})
    if math.isnan(float(cells["year"].min())):  # pragma: no cover - guarded by parse_result_page
        raise DataError("SOL result without period labels.")
    return result
