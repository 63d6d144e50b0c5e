"""Merge validated tidy frames into one panel; the conservation report; save and load.

Every reader and :func:`build_panel` account for their rows with an :class:`ImportReport`:
rows in = rows out + rows dropped (by reason); flagged rows are kept and counted by flag.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, DroppedRowsWarning, FlaggedRowsWarning
from .schema import IDENTITY, OPTIONAL_COLUMNS, TIDY_COLUMNS, empty_tidy, validate_tidy

__all__ = ["ImportReport", "SYNTHETIC_NOTICE"]

SYNTHETIC_NOTICE = "Syntetiska data – endast för demonstration"


@dataclass(frozen=True)
class ImportReport:
    """What an import or panel build did with its rows.

    Attributes
    ----------
    source : str
        Reader or step name (``"bra"``, ``"kolada"``, ``"panel"``).
    rows_in, rows_out : int
        Rows read and rows in the tidy result.
    rows_flagged : dict
        Flag -> number of output rows carrying it (kept, e.g. ``{"suppressed": 3}``).
    rows_dropped : dict
        Reason -> number of input rows removed (``{"stadsdel, not a kommun": 12}``).
    notes : tuple of str
        Anything else a reader of the import must know (encoding found, aggregation done).
    gaps : pandas.DataFrame or None
        Missing kommun × year × indicator cells of a panel (``build_panel`` only).
    """

    source: str
    rows_in: int
    rows_out: int
    rows_flagged: dict[str, int] = field(default_factory=dict)
    rows_dropped: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    gaps: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    @property
    def n_dropped(self) -> int:
        """Total rows dropped."""
        return int(sum(self.rows_dropped.values()))

    @property
    def balanced(self) -> bool:
        """``True`` when rows in = rows out + rows dropped."""
        return self.rows_in == self.rows_out + self.n_dropped

    def check(self) -> ImportReport:
        """Raise :class:`DataError` unless rows in = rows out + dropped; return self."""
        if not self.balanced:
            raise DataError(
                f"{self.source}: rows do not add up: {self.rows_in} in != {self.rows_out} out + "
                f"{self.n_dropped} dropped (difference {self.rows_in - self.rows_out - self.n_dropped}). "
                "Every removed row must be counted under a reason."
            )
        return self

    def warn(self) -> None:
        """Emit a DroppedRowsWarning / FlaggedRowsWarning with the counts, if any."""
        if self.n_dropped:
            reasons = "; ".join(f"{k}: {v}" for k, v in self.rows_dropped.items())
            warnings.warn(f"{self.source}: dropped {self.n_dropped} row(s) ({reasons})",
                          DroppedRowsWarning, stacklevel=2)
        flagged = {k: v for k, v in self.rows_flagged.items() if k and v}
        if flagged:
            text = "; ".join(f"{k}: {v}" for k, v in flagged.items())
            warnings.warn(f"{self.source}: flagged {sum(flagged.values())} row(s) ({text})",
                          FlaggedRowsWarning, stacklevel=2)

    def text(self) -> str:
        """The conservation summary as a few plain lines (returned, not printed)."""
        status = "OK" if self.balanced else (
            f"DOES NOT ADD UP (difference {self.rows_in - self.rows_out - self.n_dropped})")
        eq = "=" if self.balanced else "!="
        lines = [
            f"{self.source}: rows in {self.rows_in} {eq} rows out {self.rows_out} + dropped "
            f"{self.n_dropped}  [{status}]"
        ]
        flagged = {k: v for k, v in self.rows_flagged.items() if k and v}
        if flagged:
            lines.append(f"  flagged (kept): {sum(flagged.values())} - "
                         + ", ".join(f"{k} {v}" for k, v in sorted(flagged.items())))
        for reason, count in self.rows_dropped.items():
            lines.append(f"  dropped: {count} - {reason}")
        if self.gaps is not None and len(self.gaps):
            lines.append(f"  gaps: {len(self.gaps)} kommun x year x indicator cells missing")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _flag_counts(frame: pd.DataFrame) -> dict[str, int]:
    if "flag" not in frame or frame.empty:
        return {}
    parts = frame["flag"].fillna("").astype(str).str.split(";").explode()
    counts = parts[parts != ""].value_counts()
    return {str(k): int(v) for k, v in counts.items()}
