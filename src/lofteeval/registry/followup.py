"""Activity follow-up: did the promised activities happen?

A strategist fills in one file per löfte and year (CSV, ``;`` or ``,``, UTF-8 or cp1252, lines
starting with ``#`` are comments; or ``.xlsx``) with the columns

=============  ==============================================================================
activity_id    the activity's id in the registry entry (``lofteeval lofte show ID`` lists them)
done           a number (how many were done) or yes/no (``ja``/``nej``, ``yes``/``no``, ``x``)
date           when it was done or reported (YYYY-MM-DD, optional)
comment        free text (optional)
=============  ==============================================================================

:func:`follow_up` compares with the registry's targets and returns one row per activity with a
status: ``uppfyllt`` (done >= target, or yes for an activity without a number), ``delvis``
(0 < done < target), ``ej uppfyllt`` (done == 0 or no), ``ej rapporterat`` (no row or empty).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError, RegistryError
from ..files import atomic_path, protect_sheet, spreadsheet_frame, workbook_frame, write_text
from .lofte import PACKAGE_DIR, Lofte, load_lofte

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["read_follow_up", "follow_up", "example_follow_up_path", "follow_up_template",
           "write_follow_up_template", "FOLLOW_UP_COLUMNS"]

FOLLOW_UP_COLUMNS = ("activity_id", "done", "date", "comment")
EXAMPLE_DIR = PACKAGE_DIR / "followup"
_YES = {"ja", "j", "yes", "y", "x", "true", "sant", "klar", "klart", "genomförd", "genomfört", "1"}
_NO = {"nej", "n", "no", "false", "falskt", "ej", "inte", "ej genomförd", "0"}
_TEMPLATE_CONTEXT = ["owner", "focus_area", "target", "unit", "deadline", "text"]
_OUT = ["activity_id", "owner", "focus_area", "text", "target", "unit", "deadline", "done", "date",
        "status", "comment"]


def example_follow_up_path(lofte_id: str = "gotland-2020", year: int = 2020) -> Path:
    """Path of a packaged example follow-up file (invented numbers, for demonstration only)."""
    path = EXAMPLE_DIR / f"{lofte_id}_{year}.csv"
    if not path.is_file():
        raise RegistryError(f"no example follow-up file for {lofte_id!r} {year}; available: "
                            f"{sorted(p.name for p in EXAMPLE_DIR.glob('*.csv'))}.")
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            bad = exc
    else:
        raise DataError(f"follow-up file {path.name!r} is neither UTF-8 nor cp1252 text (byte "
                        f"{data[bad.start:bad.start + 1]!r} at position {bad.start}); save it as UTF-8 "
                        "(Excel: Spara som > CSV UTF-8).")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"follow-up file {path.name!r} is empty; it needs the columns {FOLLOW_UP_COLUMNS}.")
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    from io import StringIO

    try:
        return pd.read_csv(StringIO("\n".join(lines)), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise DataError(f"follow-up file {path.name!r} is not a readable CSV ({str(exc).strip()}); "
                        "check for an unbalanced quote (\") or a row with more fields than the header.") from None


def _read_xlsx(path: Path) -> pd.DataFrame:
    import zipfile

    import pandas as pd

    try:
        return pd.read_excel(path, dtype=str, engine="openpyxl").fillna("")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise DataError(f"follow-up file {path.name!r} is not a readable .xlsx workbook "
                        f"({exc.__class__.__name__}: {exc}); save it again from Excel as .xlsx, or as CSV.") from None


def read_follow_up(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a follow-up file (CSV or XLSX) into a frame with the columns ``activity_id, done, date, comment``.

    Raises
    ------
    DataError
        The file lacks ``activity_id`` or ``done``, has an unknown extension, or cannot be read
        (a byte that is neither UTF-8 nor cp1252, an unbalanced quote, a broken workbook).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        frame = _read_csv(path)
    else:
        raise DataError(f"follow-up file {path.name!r} must be .csv or .xlsx (got {suffix or 'no extension'!r}).")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return _check_columns(frame, path.name)


def _check_columns(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    missing = [c for c in ("activity_id", "done") if c not in frame.columns]
    if missing:
        raise DataError(f"follow-up {origin!r} must have the columns {FOLLOW_UP_COLUMNS}; missing "
                        f"{missing} (got {list(frame.columns)}).")
    out = frame.copy()
    for col in ("date", "comment"):
        if col not in out.columns:
            out[col] = ""
    out = out[[*FOLLOW_UP_COLUMNS, *[c for c in out.columns if c not in FOLLOW_UP_COLUMNS]]]
    out["activity_id"] = out["activity_id"].astype(str).str.strip().map(_unescape)
    return out


def _unescape(text: str) -> str:
    """Undo the apostrophe that keeps a formula-like cell text (``'=x`` -> ``=x``) in written templates."""
    from ..files import is_formula_like

    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text


def _parse_done(value: object, activity_id: str) -> tuple[float | None, bool | None]:
    """``(number, flag)``: a count, or a yes/no flag; ``(None, None)`` when not reported."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None, None
    number_text = text.replace(" ", "").replace(",", ".")
    try:
        number = float(number_text)
    except ValueError:
        if text in _YES:
            return None, True
        if text in _NO:
            return None, False
        raise DataError(f"follow-up for activity {activity_id!r}: 'done' must be a number or yes/no "
                        f"(ja/nej) (got {value!r}).") from None
    if number < 0:
        raise DataError(f"follow-up for activity {activity_id!r}: 'done' must be >= 0 (got {value!r}).")
    return number, number > 0


def _status(target: int | None, number: float | None, flag: bool | None,
            activity_id: str) -> str:
    if number is None and flag is None:
        return "ej rapporterat"
    if target is None:  # no number promised: yes/no
        return "uppfyllt" if flag else "ej uppfyllt"
    if number is None:  # yes/no reported for a numbered target
        if not flag:
            return "ej uppfyllt"
        raise DataError(f"activity {activity_id!r} promises a number ({target}); 'done' must be how "
                        "many were done, not yes (write e.g. 3).")
    if number >= target:
        return "uppfyllt"
    return "delvis" if number > 0 else "ej uppfyllt"


def _rows_by_activity(lofte: Lofte, frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    known = [a.id for a in lofte.activities]
    unknown = sorted(set(frame["activity_id"]) - set(known))
    if unknown:
        raise RegistryError(f"follow-up names activities that löfte {lofte.id!r} does not have: "
                            f"{unknown}; known activity ids: {known}. Fix the ids in the file.")
    dup = sorted(frame["activity_id"][frame["activity_id"].duplicated()].unique())
    if dup:
        raise DataError(f"follow-up reports activities {dup} more than once; keep one row per "
                        "activity and year.")
    return {r["activity_id"]: r for r in frame.to_dict("records")}


def follow_up(lofte: str | Lofte, followup: pd.DataFrame | str | os.PathLike[str], *,
              year: int | None = None) -> pd.DataFrame:
    """Target vs outcome for every promised activity of a löfte.

    Parameters
    ----------
    lofte : str or Lofte
        Registry id or :class:`~lofteeval.registry.Lofte`.
    followup : DataFrame or path
        A frame with ``activity_id, done`` (optional ``date, comment``, ``year``) or a CSV/XLSX path.
    year : int, optional, keyword-only
        The year followed up; when the frame has a ``year`` column only that year's rows are used.

    Returns
    -------
    DataFrame
        One row per activity: ``lofte_id, year, activity_id, owner, focus_area, text, target, unit,
        deadline, done, date, status, comment``; ``status`` in ``uppfyllt``, ``delvis``,
        ``ej uppfyllt``, ``ej rapporterat``.

    Raises
    ------
    RegistryError
        The file names an activity id the löfte does not have.
    DataError
        Missing columns, a ``done`` that is neither a number nor yes/no, duplicate rows.
    """
    import pandas as pd

    lf = load_lofte(lofte)
    if isinstance(followup, pd.DataFrame):
        frame = _check_columns(followup.rename(columns=str.lower), "<frame>")
    else:
        frame = read_follow_up(followup)
    if year is not None and "year" in frame.columns:
        frame = frame[pd.to_numeric(frame["year"], errors="coerce") == year]
    if year is not None and year not in lf.years:
        raise DataError(f"year {year} is outside löfte {lf.id!r} ({lf.start_year}-{lf.end_year}).")
    rows = _rows_by_activity(lf, frame)
    out = []
    for act in lf.activities:
        row = rows.get(act.id, {})
        number, flag = _parse_done(row.get("done"), act.id)
        status = _status(act.target, number, flag, act.id)
        done: object = number if number is not None else (None if flag is None else "ja" if flag else "nej")
        out.append({"activity_id": act.id, "owner": act.owner, "focus_area": act.focus_area,
                    "text": act.text, "target": act.target, "unit": act.unit,
                    "deadline": act.deadline, "done": done, "date": str(row.get("date", "") or ""),
                    "status": status, "comment": str(row.get("comment", "") or "")})
    result = pd.DataFrame(out, columns=_OUT)
    result.insert(0, "year", year if year is not None else pd.NA)
    result.insert(0, "lofte_id", lf.id)
    result["target"] = result["target"].astype("Int64")
    return result


def _template_year(lf: Lofte, year: int | None) -> int:
    if year is None:
        if len(lf.years) == 1:
            return lf.start_year
        raise DataError(f"löfte {lf.id!r} runs {lf.start_year}-{lf.end_year}; pass the year to follow "
                        f"up (one file per year), e.g. year={lf.start_year} or --year {lf.start_year}.")
    if year not in lf.years:
        raise DataError(f"year {year} is outside löfte {lf.id!r} ({lf.start_year}-{lf.end_year}).")
    return year


def follow_up_template(lofte: str | Lofte, *, year: int | None = None) -> pd.DataFrame:
    """An empty follow-up table for a strategist: one row per promised activity.

    Parameters
    ----------
    lofte : str or Lofte
        Registry id or :class:`~lofteeval.registry.Lofte`.
    year : int, optional, keyword-only
        The year to follow up; required when the löfte spans several years.

    Returns
    -------
    DataFrame
        ``activity_id, year, done, date, comment`` (empty, to fill in) followed by the read-only
        context ``owner, focus_area, target, unit, deadline, text``.  :func:`follow_up` reads it
        back unchanged; empty ``done`` means *ej rapporterat*.

    Raises
    ------
    RegistryError
        The löfte has no activities (a problem picture, for instance).
    DataError
        ``year`` is missing for a multi-year löfte or outside its period.
    """
    import pandas as pd

    lf = load_lofte(lofte)
    if not lf.activities:
        raise RegistryError(f"löfte {lf.id!r} ({lf.kind}) has no activities to follow up; add "
                            "[[activities]] to its registry file first.")
    yr = _template_year(lf, year)
    rows = [{"activity_id": a.id, "year": yr, "done": "", "date": "", "comment": "",
             "owner": a.owner, "focus_area": a.focus_area or "",
             "target": "" if a.target is None else a.target, "unit": a.unit or "",
             "deadline": "" if a.deadline is None else a.deadline.isoformat(), "text": a.text}
            for a in lf.activities]
    return pd.DataFrame(rows, columns=["activity_id", "year", "done", "date", "comment",
                                       *_TEMPLATE_CONTEXT])


def write_follow_up_template(lofte: str | Lofte, path: str | os.PathLike[str], *,
                             year: int | None = None, overwrite: bool = False) -> Path:
    """Write :func:`follow_up_template` to ``path`` (``.csv`` with ``;`` and UTF-8 BOM, or ``.xlsx``).

    The CSV starts with ``#`` comment lines explaining how to fill it in (the reader skips them).
    Refuses to overwrite an existing file unless ``overwrite=True`` (it may hold reported numbers).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DataError(f"follow-up template {path.name!r} must end in .csv or .xlsx (got "
                        f"{suffix or 'no extension'!r}).")
    if path.is_dir():
        raise DataError(f"follow-up template {str(path)!r} is a folder; pass a file name ending in "
                        ".csv or .xlsx.")
    if path.exists() and not overwrite:
        raise DataError(f"follow-up file {str(path)!r} already exists and may hold reported numbers; "
                        "choose another name, or overwrite it with overwrite=True (CLI: --force).")
    lf = load_lofte(lofte)
    frame = follow_up_template(lf, year=year)
    lf_id, yr = lf.id, int(frame["year"].iloc[0])
    if suffix == ".xlsx":
        _write_xlsx(frame, path, sheet=f"uppfoljning_{yr}")
        return path
    head = (f"# Uppföljning av medborgarlöfte {lf_id}, år {yr}. Fyll i done (antal, eller ja/nej när\n"
            "# inget antal utlovats), date (ÅÅÅÅ-MM-DD) och comment. Tom done = ej rapporterat.\n"
            "# Kolumnerna efter comment är från registret och läses inte.\n")
    write_text(path, head + spreadsheet_frame(frame).to_csv(sep=";", index=False), encoding="utf-8-sig")
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path, *, sheet: str) -> None:
    """One sheet, written atomically; registry text is stored as text, never as a formula."""
    import pandas as pd

    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            workbook_frame(frame).to_excel(xl, index=False, sheet_name=sheet)
            protect_sheet(xl.sheets[sheet])
