"""Project paths: ``data/raw``, ``data/processed`` and ``reports``.

They are resolved relative to the project root, which is the environment variable
``LOFTEEVAL_HOME`` when set, else the nearest parent of the current directory that holds a
``pyproject.toml`` naming lofteeval, else the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "raw_dir", "processed_dir", "reports_dir"]


def project_root() -> Path:
    """Return the project root (see the module docstring for the rule)."""
    env = os.environ.get("LOFTEEVAL_HOME")
    if env:
        return Path(env).expanduser().resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        pp = candidate / "pyproject.toml"
        if pp.is_file() and 'name = "lofteeval"' in pp.read_text(encoding="utf-8", errors="ignore"):
            return candidate
    return here


def raw_dir() -> Path:
    """Folder for downloads (never edited by hand)."""
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    """Folder for harmonised panels."""
    return project_root() / "data" / "processed"


def reports_dir() -> Path:
    """Folder for rendered reports."""
    return project_root() / "reports"
