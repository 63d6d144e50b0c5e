"""Provenance of a report: package version, git commit, data sources (date, checksum), parameters,
and the citations a reader can follow (publisher, title, table, date, public address).

:func:`citations` cites the löfte text by its publisher, title, date and address (the registry
entry's ``[source]``) and every data source by publisher, database, table and address
(:mod:`lofteeval.sources.catalogue`; a fetched panel adds its fetch date and vintage).  Cache file
names and checksums are kept in a separate *technical* line, never as the citation.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..harmonise.schema import is_synthetic

__all__ = ["citations", "data_sources", "panel_sources", "provenance", "provenance_rows", "vintage_text"]


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    commit = out.stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=5, check=False)
    return commit + (" (med lokala ändringar)" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def _first(record: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if record.get(key) not in (None, ""):
            return record[key]
    return None


def data_sources(panel: Any = None, *, raw_dir: Path | None = None) -> list[dict[str, Any]]:
    """One row per data source: ``source, file, url, downloaded, sha256``.

    The demo panel gives one synthetic row.  A real panel gives the ``data/raw/*.provenance.json``
    records written by the fetchers (keys read leniently: ``source``/``name``, ``url``,
    ``downloaded``/``download_date``/``fetched_at``, ``sha256``/``checksum``), restricted to the
    sources present in the panel's ``source`` column when that is known.
    """
    if panel is not None and is_synthetic(panel):
        seed = panel.attrs.get("seed", 0)
        return [{"source": "demo", "file": f"lofteeval.datasets.demo_panel(seed={seed})",
                 "url": "", "downloaded": "", "sha256": "",
                 "note": "Syntetiska data – endast för demonstration"}]
    recorded = panel_sources(panel)
    if recorded:
        return recorded
    if raw_dir is None:
        from ..config import raw_dir as _raw

        raw_dir = _raw()
    present = set(panel["source"].astype(str).unique()) if panel is not None and "source" in panel else None
    rows = []
    for path in sorted(Path(raw_dir).glob("*.provenance.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            rows.append({"source": path.name, "file": path.name, "url": "", "downloaded": "",
                         "sha256": "", "note": "oläslig provenansfil"})
            continue
        source = str(_first(rec, "source", "name", "module") or path.name.split(".")[0])
        if present is not None and not any(source.startswith(p) or p.startswith(source) for p in present):
            continue
        rows.append({
            "source": source,
            "file": str(_first(rec, "file", "filename", "path") or path.name.replace(".provenance.json", "")),
            "url": str(_first(rec, "url", "source_url") or ""),
            "downloaded": str(_first(rec, "downloaded", "download_date", "fetched_at", "date") or ""),
            "sha256": str(_first(rec, "sha256", "checksum", "md5") or ""),
            "note": str(_first(rec, "vintage", "note") or ""),
        })
    if not rows and panel is not None:
        for src in sorted(present or ()):
            rows.append({"source": src, "file": "", "url": "", "downloaded": "", "sha256": "",
                         "note": "ingen provenansfil i data/raw"})
    return rows


def panel_sources(panel: Any) -> list[dict[str, Any]]:
    """The sources a panel names itself (``attrs["data_sources"]``, written by ``lofteeval data fetch``
    into the panel's sidecar): one row per publisher with fetch date, checksum and vintage."""
    rows = getattr(panel, "attrs", {}).get("data_sources") if panel is not None else None
    if not rows:
        return []
    out = []
    for r in rows:
        out.append({"source": str(r.get("name") or r.get("source", "")), "publisher": str(r.get("publisher", "")),
                    "file": str(r.get("file", "")),
                    "url": str(r.get("url", "")), "downloaded": str(r.get("downloaded", "")),
                    "sha256": str(r.get("sha256", "")), "note": str(r.get("vintage", ""))})
    return out


def vintage_text(panel: Any) -> str:
    """``"Brå, hämtat 2026-03-02; 2025 preliminärt · SCB, hämtat 2026-03-02"`` for a fetched panel, else ``""``."""
    rows = getattr(panel, "attrs", {}).get("data_sources") if panel is not None else None
    parts = []
    for r in rows or ():
        bit = f"{r.get('publisher') or r.get('name') or r.get('source')}, hämtat {r.get('downloaded', '?')}"
        if r.get("vintage"):
            bit += f"; {r['vintage']}"
        parts.append(bit)
    return " · ".join(dict.fromkeys(parts))


def provenance(panel: Any = None, *, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return what a reader needs to reproduce a report.

    Parameters
    ----------
    panel : pandas.DataFrame, optional
        The tidy panel used; its sources and year range are recorded.
    params : mapping, optional
        The parameters of the run (löfte id, level, language, ...).

    Returns
    -------
    dict
        ``package``, ``version``, ``git_commit``, ``python``, ``generated``, ``synthetic``,
        ``data_years``, ``sources`` (list of dicts, see :func:`data_sources`), ``parameters``.
    """
    from .. import __version__
    from ..config import project_root

    here = Path(__file__).resolve()
    root = next((p for p in here.parents if (p / ".git").exists()), project_root())
    years = None
    if panel is not None and "year" in getattr(panel, "columns", ()) and len(panel):
        years = f"{int(panel['year'].min())}–{int(panel['year'].max())}"
    return {
        "package": "lofteeval",
        "version": __version__,
        "git_commit": _git_commit(root),
        "python": platform.python_version(),
        "generated": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip(),
        "synthetic": bool(panel is not None and is_synthetic(panel)),
        "data_years": years,
        "sources": data_sources(panel) if panel is not None else [],
        "data_vintage": vintage_text(panel) if panel is not None else "",
        "parameters": dict(params or {}),
    }


def provenance_rows(prov: Mapping[str, Any], *, lang: str, synthetic: bool) -> list[tuple[str, str]]:
    """The report's provenance facts as (label, value) rows in ``lang`` (HTML table and workbook)."""
    sv = lang == "sv"
    rows = [
        ("Paket" if sv else "Package", f"{prov.get('package', 'lofteeval')} {prov.get('version', '')}"),
        ("Git-commit" if sv else "Git commit", (prov.get("git_commit") or ("okänd" if sv else "unknown"))
         if sv else str(prov.get("git_commit") or "unknown").replace("med lokala ändringar", "with local changes")),
        ("Python", prov.get("python", "")),
        ("Skapad" if sv else "Generated", prov.get("generated", "")),
        ("Dataår" if sv else "Data years", prov.get("data_years") or "–"),
        ("Syntetiska data" if sv else "Synthetic data", ("ja" if sv else "yes") if synthetic else ("nej" if sv else "no")),
    ]
    if prov.get("data_vintage"):  # a fetched panel names its sources and vintage (sidecar)
        rows.append(("Data: källa och årgång" if sv else "Data: source and vintage", prov["data_vintage"]))
    return [(k, str(v)) for k, v in rows]


# Public addresses of the databases (the SOL topic's address is in the catalogue).
KOLADA_URL = "https://www.kolada.se"
SCB_URL = "https://www.statistikdatabasen.scb.se"
NTU_URL = "https://bra.se/statistik/statistiska-undersokningar/nationella-trygghetsundersokningen.html"


def _lofte_citation(lofte: Any, lang: str) -> dict[str, str]:
    """The löfte text: publisher, title, date, address; the registry id and text file as the technical line."""
    sv = lang == "sv"
    src = dict(getattr(lofte, "source", None) or {})
    document = str(src.get("document") or "")
    title = str(src.get("title") or lofte.title)
    date = src.get("date")
    when = date.isoformat() if date is not None and hasattr(date, "isoformat") else str(date or "")
    parts = [f"{src['publisher']}: {title}" if src.get("publisher") else title,
             (f"publicerad {when}" if sv else f"published {when}") if when else ("odaterad" if sv else "undated")]
    url = str(src.get("url") or "")
    file = document.split(": ", 1)[0] if document else ""
    tech = (f"registerpost {lofte.id}" if sv else f"registry entry {lofte.id}") + (
        f"; textfil {file}" if sv and file else f"; text file {file}" if file else "")
    return {"what": "Löftestext" if sv else "Text of the promise", "text": ", ".join(parts) + (f". {url}" if url else "."),
            "url": url, "technical": tech}


def _indicator_citation(indicator: str, lang: str) -> tuple[str, str]:
    """(citation, url) of one indicator's official source (publisher, database, table)."""
    from ..sources.catalogue import SOL_TOPIC, SOL_TOPIC_URL, source_of

    sv = lang == "sv"
    src = source_of(indicator)
    if src.kind == "sol":
        tables = " + ".join(p.split(", ")[-1].replace("~", "").replace("\\", "") for p in src.sol_paths)
        return (f"Brå: Statistikdatabasen över anmälda brott (SOL), {SOL_TOPIC}, "
                + (f"brottskategori {tables}" if sv else f"offence category {tables}"), SOL_TOPIC_URL)
    if src.kind == "kolada":
        return (f"RKA: Kolada, {'nyckeltal' if sv else 'KPI'} {src.kolada}", KOLADA_URL)
    if src.kind == "scb":
        return (f"SCB: Statistikdatabasen, {'tabell' if sv else 'table'} {src.scb}", SCB_URL)
    if "NTU" in src.name:
        return (src.name, NTU_URL)
    return (src.name + (" (ingen öppen databas per kommun)" if sv else
                        " (local safety surveys of the police and the municipalities; no open database per "
                        "municipality)"), "")


def citations(lofte: Any, indicators: list[str], prov: Mapping[str, Any], *, lang: str = "sv") -> list[dict[str, str]]:
    """What a reader can cite and follow: the löfte text, the data (panel) and each indicator's source.

    Each item has ``what`` (a label), ``text`` (publisher, title/table, date and address in one
    line), ``url`` and ``technical`` (cache file and checksum; may be empty).
    """
    from ..indicators import INDICATORS

    sv = lang == "sv"
    out = [_lofte_citation(lofte, lang)] if lofte is not None else []
    for s in prov.get("sources", ()):
        if s.get("source") == "demo":
            out.append({"what": "Data",
                        "text": ("Syntetisk demopanel (lofteeval.datasets.demo_panel): påhittade siffror, endast för "
                                 "demonstration. Med verkliga data kommer siffrorna från källorna nedan." if sv else
                                 "Synthetic demo panel (lofteeval.datasets.demo_panel): made-up numbers, for "
                                 "demonstration only. With real data the numbers come from the sources below."),
                        "url": "", "technical": s.get("file", "")})
            continue
        when = s.get("downloaded") or ""
        bits = [f"{s['publisher']}: {s['source']}" if s.get("publisher") else str(s.get("source", ""))]
        bits += [f"{'hämtad' if sv else 'downloaded'} {when}"] if when else []
        bits += [str(s["note"])] if s.get("note") else []
        tech = " · ".join(x for x in (str(s.get("file") or ""), f"SHA-256 {s['sha256'][:16]}…" if s.get("sha256") else "") if x)
        out.append({"what": "Data", "text": ", ".join(bits) + (f". {s['url']}" if s.get("url") else "."),
                    "url": str(s.get("url") or ""), "technical": tech})
    for ind in dict.fromkeys(i for i in [*indicators, "population"] if i in INDICATORS or i == "population"):
        try:
            text, url = _indicator_citation(ind, lang)
        except LookupError:
            continue
        label = (INDICATORS[ind].label_sv if sv else INDICATORS[ind].label_en) if ind in INDICATORS else (
            "Folkmängd" if sv else "Population")
        out.append({"what": label, "text": text + (f". {url}" if url else "."), "url": url, "technical": ""})
    return out
