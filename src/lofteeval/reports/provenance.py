"""Provenance of a report: package version, git commit, data sources (date, checksum), parameters."""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..harmonise.schema import is_synthetic

__all__ = ["data_sources", "panel_sources", "provenance", "vintage_text"]


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
        out.append({"source": str(r.get("name") or r.get("source", "")), "file": str(r.get("file", "")),
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
