"""The one cached registry: :func:`load_registry` of the default folders, reread when a file changes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .lofte import load_registry, registry_dirs

__all__ = ["cached_registry"]


def _registry_key() -> tuple[tuple[str, int, int], ...]:
    files: list[tuple[str, int, int]] = []
    for folder in registry_dirs():
        for f in sorted(Path(folder).glob("*.toml")):
            st = f.stat()
            files.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(files)


@lru_cache(maxsize=4)
def _registry_for(key: tuple[tuple[str, int, int], ...]) -> dict[str, Any]:
    return load_registry()


def cached_registry() -> dict[str, Any]:
    """:func:`lofteeval.registry.load_registry` (default folders), cached on the files' mtime and size."""
    return dict(_registry_for(_registry_key()))
