"""The one cached registry: :func:`load_registry` of the default folders, reread when a file changes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .lofte import load_lofte, load_registry, registry_dirs

__all__ = ["cached_registry", "cached_lofte"]


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


def cached_lofte(lofte_id: str) -> Any:
    """:func:`lofteeval.registry.load_lofte` of a registered id, from :func:`cached_registry` (the
    registry parsed once per process instead of once per call); an unknown id or a skipped file
    raises ``load_lofte``'s own error."""
    found = cached_registry().get(lofte_id) if isinstance(lofte_id, str) else None
    return found if found is not None else load_lofte(lofte_id)
