"""Registry validation across entries: renewals, overlapping periods, skipped files.

Each file is checked on its own when it loads (:func:`lofteeval.registry.parse_lofte`: fields,
kommun codes, focus areas, id characters).  At national scale some problems only show between
entries; :func:`check_registry` finds them:

- **problems** (the registry is wrong): a user file that could not be loaded (named, with its
  error), a ``renews`` naming an unknown id, a löfte of no shared kommun, or one that does not start
  earlier;
- **overlaps** (reported, not an error): two löften of the same kommun naming the same focus area
  in overlapping periods, e.g. a renewal signed before the previous löfte ran out.  A staggered
  design should treat the kommun as treated from the first of them.

``lofteeval lofte check [--registry DIR]`` prints the report.
"""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .lofte import Lofte, RegistryWarning, _load

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["RegistryReport", "check_registry", "overlaps", "renewal_problems"]

OVERLAP_COLUMNS = ["kommun", "focus_area", "first", "second", "first_period", "second_period",
                   "overlap_from", "overlap_to"]


@dataclass(frozen=True)
class RegistryReport:
    """What :func:`check_registry` found: the löften, skipped files, problems and overlaps."""

    loften: dict[str, Lofte]
    skipped: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    overlaps: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was skipped and no cross-entry problem was found (overlaps allowed)."""
        return not self.skipped and not self.problems

    def summary(self) -> str:
        """A few lines in Swedish: counts, then every problem, then the overlap count."""
        n_lofte = sum(lf.is_lofte for lf in self.loften.values())
        n_over = 0 if self.overlaps is None else len(self.overlaps)
        lines = [(f"{len(self.loften)} poster lästa ({n_lofte} löften, "
                  f"{len(self.loften) - n_lofte} problembilder); {len(self.skipped)} fil(er) "
                  f"överhoppade; {len(self.problems)} problem; {n_over} överlappande perioder "
                  "(samma kommun och fokusområde).")]
        lines += [f"  överhoppad: {msg}" for msg in self.skipped.values()]
        lines += [f"  problem: {msg}" for msg in self.problems]
        return "\n".join(lines)


def renewal_problems(registry: Mapping[str, Lofte]) -> list[str]:
    """Every ``renews`` that names no registered löfte, no shared kommun or a löfte not earlier."""
    out = []
    for lf in registry.values():
        if lf.renews is None:
            continue
        old = registry.get(lf.renews)
        where = f"löfte {lf.id!r} ({lf.path}): renews = {lf.renews!r}"
        if old is None:
            out.append(f"{where} is not a registered id; name the löfte it renews or remove the field")
        elif not set(old.kommuner) & set(lf.kommuner):
            out.append(f"{where} shares no kommun with it ({', '.join(old.kommuner)} vs "
                       f"{', '.join(lf.kommuner)}); a renewal is by the same kommun")
        elif old.start >= lf.start:
            out.append(f"{where} starts {old.start}, not before {lf.start}; a renewal follows the "
                       "löfte it renews")
    return out


def overlaps(registry: Mapping[str, Lofte] | Iterable[Lofte]) -> pd.DataFrame:
    """Pairs of löften of one kommun naming one focus area in overlapping periods.

    Returns
    -------
    DataFrame
        One row per (kommun, focus area, pair): ``kommun, focus_area, first, second, first_period,
        second_period, overlap_from, overlap_to``; sorted by kommun, area and start.  Problem
        pictures are ignored.
    """
    import pandas as pd

    loften = list(registry.values()) if isinstance(registry, Mapping) else list(registry)
    by_key: dict[tuple[str, str], list[Lofte]] = defaultdict(list)
    for lf in loften:
        if lf.is_lofte:
            for code in lf.kommuner:
                for area in lf.focus_areas:
                    by_key[(code, area)].append(lf)
    rows = []
    for (code, area), group in sorted(by_key.items()):
        group.sort(key=lambda x: (x.start, x.id))
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if b.start > a.end:
                    continue
                rows.append({"kommun": code, "focus_area": area, "first": a.id, "second": b.id,
                             "first_period": f"{a.start} – {a.end}",
                             "second_period": f"{b.start} – {b.end}",
                             "overlap_from": max(a.start, b.start), "overlap_to": min(a.end, b.end)})
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def check_registry(path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
                   ) -> RegistryReport:
    """Load the registry (package plus user folders) and check it across entries.

    Parameters
    ----------
    path : path or list of paths, optional
        Extra folders, as for :func:`lofteeval.registry.load_registry`.

    Returns
    -------
    RegistryReport
        Skipped user files (file -> error), cross-entry problems and the overlap table.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RegistryWarning)
        registry, skipped = _load(path, False)
    return RegistryReport(loften=registry, skipped={k: str(v) for k, v in skipped.items()},
                          problems=tuple(renewal_problems(registry)), overlaps=overlaps(registry))
