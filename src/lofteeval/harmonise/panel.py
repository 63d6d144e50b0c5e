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

import numpy as np
import pandas as pd

from ..errors import DataError, DroppedRowsWarning, FlaggedRowsWarning
from ..files import atomic_group
from .schema import empty_tidy, validate_tidy

__all__ = ["ImportReport", "SYNTHETIC_NOTICE", "build_panel", "panel_gaps", "save_panel", "load_panel"]

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
            kinds = self.gaps["reason"].str.split(":").str[0].value_counts()
            whole = int((self.gaps["reason"] == KOMMUN_ABSENT).sum())
            parts = [f"{int(kinds.get('absent', 0)) - whole} absent cells",
                     f"{whole} in kommun-indicators with no rows at all",
                     f"{int(kinds.get('missing value', 0))} NaN with a flag"]
            lines.append(f"  gaps: {len(self.gaps)} kommun x year x indicator cells missing over "
                         f"{self.gaps['kommun'].nunique()} kommuner ({', '.join(parts)}); see report.gaps")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()


def _flag_counts(frame: pd.DataFrame) -> dict[str, int]:
    if "flag" not in frame or frame.empty:
        return {}
    counts: dict[str, int] = {}
    for flag, n in frame["flag"].fillna("").astype(str).value_counts().items():
        for part in filter(None, str(flag).split(";")):
            counts[part] = counts.get(part, 0) + int(n)
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


# --------------------------------------------------------------------------- building
ABSENT = "absent"
KOMMUN_ABSENT = "absent: kommun has no rows for this indicator"


def panel_gaps(panel: pd.DataFrame, *, kommuner: list[str] | None = None) -> pd.DataFrame:
    """Missing kommun × year × indicator cells of a tidy panel.

    For each indicator, the expected grid is every kommun (default: all 290 current kommuner)
    × every year from that indicator's first to last year.  A cell is a gap when no row exists
    (``reason="absent"``; ``"absent: kommun has no rows for this indicator"`` when the kommun
    has no row of that indicator in any year) or every row of it has a NaN value
    (``reason="missing value: <flag>"``).  A cell with a value from any source is not a gap.

    Parameters
    ----------
    panel : pandas.DataFrame
        A validated tidy panel.
    kommuner : list of str, optional
        The expected kommuner (default: :func:`lofteeval.harmonise.kommuner.kommuner`, all 290).

    Returns
    -------
    pandas.DataFrame
        ``kommun, year, indicator, reason``, sorted.
    """
    cols = ["kommun", "year", "indicator", "reason"]
    if panel.empty:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "year" else "str") for c in cols})
    if kommuner is None:
        from .kommuner import kommuner as _reference

        kommuner = list(_reference()["kommun"])
    kom = np.array(sorted(set(kommuner) | set(panel["kommun"].unique())), dtype=object)
    k_idx = np.searchsorted(kom, panel["kommun"].to_numpy(dtype=object))
    i_idx, inds = pd.factorize(panel["indicator"], sort=True)
    year = panel["year"].to_numpy(dtype="int64")
    y0 = int(year.min())
    y_idx = year - y0
    shape = (len(inds), len(kom), int(year.max()) - y0 + 1)
    present = np.zeros(shape, dtype=bool)
    valued = np.zeros(shape, dtype=bool)
    present[i_idx, k_idx, y_idx] = True
    has = panel["value"].notna().to_numpy()
    valued[i_idx[has], k_idx[has], y_idx[has]] = True
    lo = np.full(len(inds), shape[2]); hi = np.full(len(inds), -1)
    np.minimum.at(lo, i_idx, y_idx)
    np.maximum.at(hi, i_idx, y_idx)
    years = np.arange(shape[2])
    in_range = (years[None, :] >= lo[:, None]) & (years[None, :] <= hi[:, None])
    gap = in_range[:, None, :] & ~valued
    gi, gk, gy = np.nonzero(gap)
    if not len(gi):
        return panel_gaps(panel.iloc[0:0])
    reason = np.where(present[gi, gk, gy], "", ABSENT).astype(object)
    reason[~np.asarray(present.any(axis=2))[gi, gk]] = KOMMUN_ABSENT
    nan_rows = ~has
    if nan_rows.any():
        flags = panel["flag"].to_numpy(dtype=object)[nan_rows]
        lookup = dict(zip(zip(i_idx[nan_rows], k_idx[nan_rows], y_idx[nan_rows]), flags))
        blank = np.flatnonzero(reason == "")
        reason[blank] = ["missing value: " + str(lookup[(gi[j], gk[j], gy[j])]) for j in blank]
    gaps = pd.DataFrame({"kommun": pd.array(kom[gk], dtype="str"), "year": (gy + y0).astype("int64"),
                         "indicator": pd.array(np.asarray(inds, dtype=object)[gi], dtype="str"),
                         "reason": pd.array(reason, dtype="str")})
    return gaps.sort_values(cols[:3], kind="stable").reset_index(drop=True)


def _merged_attrs(frames: tuple[pd.DataFrame, ...]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for f in frames:
        for key, value in f.attrs.items():
            attrs.setdefault(key, value)
    if any(bool(f.attrs.get("synthetic")) for f in frames) or any(
            "source" in f and (f["source"].astype(str) == "demo").any() for f in frames):
        attrs["synthetic"] = True
    return attrs


def build_panel(
    *frames: pd.DataFrame,
    allow_unknown_indicators: bool = False,
    year_range: tuple[int, int] = (1990, 2030),
    return_report: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, ImportReport]:
    """Merge tidy frames from several sources into one validated panel.

    Parameters
    ----------
    *frames : pandas.DataFrame
        Tidy frames (see :mod:`lofteeval.harmonise.schema`), e.g. a reader's output and
        :func:`lofteeval.population`.
    allow_unknown_indicators, year_range
        Passed to :func:`validate_tidy`.
    return_report : bool
        Also return the :class:`ImportReport` (rows in/out, exact duplicates dropped, flags,
        and ``gaps`` from :func:`panel_gaps`).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, ImportReport)
        The panel, sorted by (kommun, year, indicator, source).  ``attrs`` are merged from the
        inputs (first wins); ``attrs["synthetic"]`` is True when any input is synthetic.

    Raises
    ------
    DataError
        Any validation failure, including the same (kommun, year, indicator, source) with
        different values in two frames.
    """
    for i, f in enumerate(frames):
        if not isinstance(f, pd.DataFrame):
            raise DataError(f"build_panel takes DataFrames; argument {i} is {type(f).__name__}.")
    opts: dict[str, Any] = {"year_range": year_range, "allow_unknown_indicators": allow_unknown_indicators}
    rows_in = sum(len(f) for f in frames)
    dropped: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)  # counted below instead
        checked = [validate_tidy(f, **opts) for f in frames]
        within = rows_in - sum(len(c) for c in checked)
        stacked = pd.concat(checked, ignore_index=True) if checked else empty_tidy()
        panel = checked[0].copy() if len(checked) == 1 else validate_tidy(stacked, **opts)
    if within:
        dropped["exact duplicate rows within a frame"] = within
    if len(stacked) - len(panel):
        dropped["exact duplicate rows across frames"] = len(stacked) - len(panel)
    panel.attrs = _merged_attrs(frames)
    report = ImportReport(
        source="panel", rows_in=rows_in, rows_out=len(panel), rows_flagged=_flag_counts(panel),
        rows_dropped=dropped, gaps=panel_gaps(panel),
        notes=(f"{panel['kommun'].nunique()} kommuner, {panel['indicator'].nunique()} indicators, "
               f"years {panel['year'].min()}-{panel['year'].max()}",) if len(panel) else (),
    ).check()
    if dropped:
        reasons = "; ".join(f"{k}: {v}" for k, v in dropped.items())
        warnings.warn(f"build_panel dropped {report.n_dropped} row(s) ({reasons}).",
                      DroppedRowsWarning, stacklevel=2)
    return (panel, report) if return_report else panel


# --------------------------------------------------------------------------- save / load
_PANEL_NAMES = ("panel.parquet", "panel.csv")


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _json_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in attrs.items():
        try:
            json.dumps(value)
        except TypeError:
            continue  # objects that cannot be stored are left out
        out[key] = value
    return out


def save_panel(panel: pd.DataFrame, path: str | Path) -> Path:
    """Validate and write a panel to ``.parquet`` or ``.csv``; return the path written.

    ``panel.attrs`` (JSON-serialisable entries, e.g. ``synthetic``) are stored in a sidecar
    ``<file>.meta.json`` and, for parquet, also in the file's metadata.  The parent folder is
    created; file and sidecar are written to unique temporary names and renamed into place together
    (:func:`lofteeval.files.atomic_group`), so a failed or killed run leaves the previous panel.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise DataError(f"save_panel writes .parquet or .csv (got {path.name!r}). Change the file name.")
    if path.is_dir():
        raise DataError(f"panel output {str(path)!r} is a folder; pass a file name such as "
                        f"{str(path / 'panel.parquet')!r}.")
    clean = validate_tidy(panel, allow_unknown_indicators=True)
    clean.attrs = _json_attrs(dict(panel.attrs))
    meta = {"attrs": clean.attrs, "rows": len(clean), "columns": list(clean.columns)}
    with atomic_group({"panel": path, "meta": _sidecar(path)}) as tmp:
        if suffix == ".parquet":
            clean.to_parquet(tmp["panel"], index=False)
        else:
            clean.to_csv(tmp["panel"], index=False, lineterminator="\n")
        tmp["meta"].write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _resolve_panel_path(path: Path) -> Path:
    if path.is_dir():
        for name in _PANEL_NAMES:
            if (path / name).is_file():
                return path / name
        raise DataError(f"no panel file in {path} (looked for {', '.join(_PANEL_NAMES)}). "
                        "Write one with `lofteeval panel --out ...` or pass the file path.")
    if not path.is_file():
        raise DataError(f"panel file {path} does not exist. Pass an existing .parquet/.csv file, "
                        "or a folder holding panel.parquet.")
    return path


def _read_panel_file(path: Path) -> pd.DataFrame:
    """The raw frame of a panel file; an unreadable file raises one ``DataError`` naming it."""
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise DataError(f"load_panel reads .parquet or .csv (got {path.name!r}).")
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype={"kommun": str, "indicator": str, "unit": str, "source": str,
                                        "flag": str}, keep_default_na=False,
                           na_values={"value": [""], "n": [""], "se": [""]})
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        kind = "Parquet" if suffix == ".parquet" else "CSV (UTF-8, comma-separated)"
        raise DataError(f"panel file {str(path)!r} is not a readable {kind} panel "
                        f"({exc.__class__.__name__}: {str(exc)[:200]}); write it again with "
                        "`lofteeval panel --out ...` or `lofteeval import ... --out ...`.") from None


def _read_sidecar(path: Path) -> dict[str, Any]:
    side = _sidecar(path)
    if not side.is_file():
        return {}
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"panel sidecar {str(side)!r} is not valid JSON ({exc}); delete it (the "
                        "panel then loads without its attributes) or write the panel again.") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("attrs", {}), dict):
        raise DataError(f"panel sidecar {str(side)!r} must hold a JSON object with an 'attrs' object "
                        f"(got {type(meta).__name__}); delete it or write the panel again.")
    return meta


def load_panel(path_or_dir: str | Path | None = None) -> pd.DataFrame:
    """Read a saved panel (never the demo panel: that is :func:`lofteeval.datasets.demo_panel`).

    Parameters
    ----------
    path_or_dir : str, Path or None
        A ``.parquet``/``.csv`` file, or a folder holding ``panel.parquet`` or ``panel.csv``;
        ``None`` reads the project's ``data/processed/`` folder.

    Returns
    -------
    pandas.DataFrame
        The validated panel with its ``attrs`` restored (codes stay strings).

    Raises
    ------
    DataError
        No panel file there, or ``"demo"`` (the synthetic panel is never read in place of data).
    """
    if isinstance(path_or_dir, str) and path_or_dir == "demo":
        raise DataError("load_panel reads saved panels only (got 'demo'); the synthetic demo panel is "
                        "lofteeval.datasets.demo_panel(seed=0), or `--demo` on the command line.")
    if path_or_dir is None:
        from ..config import processed_dir

        path_or_dir = processed_dir()
    path = _resolve_panel_path(Path(path_or_dir))
    frame = _read_panel_file(path)
    attrs = dict(frame.attrs)
    meta = _read_sidecar(path)
    attrs.update(meta.get("attrs", {}))
    rows = meta.get("rows")
    if isinstance(rows, int) and rows != len(frame):
        raise DataError(f"panel file {str(path)!r} has {len(frame)} rows but its sidecar "
                        f"{_sidecar(path).name} records {rows}; the file is incomplete or was edited. "
                        "Write it again (`lofteeval panel --out ...`).")
    panel = validate_tidy(frame, allow_unknown_indicators=True)
    panel.attrs = attrs
    return panel
