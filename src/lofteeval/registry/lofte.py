"""The löfte registry: one human-editable TOML file per löfte.

The package ships one file per löfte in ``registry_data/``; users add their own folders with
``load_registry(path=...)`` or the environment variable ``LOFTEEVAL_REGISTRY`` (folders separated
by ``os.pathsep``).  A file looks like this (dates are TOML dates or ``"YYYY-MM-DD"`` strings)::

    id = "gotland-2020"
    kind = "lofte"                      # or "problem_picture" (context, not evaluated)
    title = "Medborgarlöfte 2020"
    kommuner = ["0980"]
    lokalpolisomrade = "Gotland"
    signed = 2020-02-24
    start = 2020-01-01
    end = 2020-12-31
    focus_areas = ["vald_nara_relation", "narkotika"]
    notes = "..."
    assumptions = ["why the period is 2020-01-01 - 2020-12-31"]

    [source]
    document = "000_6654c4057f6be88f.txt: Medborgarlöfte 2020 är signerat"
    publisher = "Region Gotland"
    date = 2020-02-24
    url = ""

    [[activities]]
    id = "vnr-1"
    text = "Under 2020 ska fem våldsutsatta kvinnor ha erbjudits ... (SIP) ..."
    owner = "both"                      # polisen | kommun | both
    target = 5                          # omit when the promise has no number
    unit = "kvinnor erbjudna SIP"
    deadline = 2020-12-31
    focus_area = "vald_nara_relation"

Every problem in a file is collected and raised once as a :class:`~lofteeval.errors.RegistryError`
naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

from .._types import Owner
from ..errors import DataError, RegistryError
from ..indicators import FOCUS_AREAS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Activity", "Lofte", "LofteKind", "load_registry", "load_lofte", "list_loften",
           "parse_lofte", "registry_dirs"]

LofteKind = Literal["lofte", "problem_picture"]
ENV_VAR = "LOFTEEVAL_REGISTRY"
PACKAGE_DIR = Path(__file__).parent.parent / "registry_data"

_REQUIRED = ("id", "title", "kommuner", "start", "end", "focus_areas", "source")
_OPTIONAL = ("kind", "lokalpolisomrade", "signed", "notes", "assumptions", "activities")
_SOURCE_KEYS = {"document": True, "publisher": True, "date": False, "url": False}
_ACTIVITY_KEYS = {"id": True, "text": True, "owner": True, "target": False, "unit": False,
                  "deadline": False, "focus_area": False}


@dataclass(frozen=True)
class Activity:
    """One promised activity: who does what, how much, by when.

    ``target`` is ``None`` when the promise has no number ("stärka sin förmåga ..."); follow-up then
    uses a yes/no ``done``.
    """

    id: str
    text: str
    owner: Owner
    target: int | None = None
    unit: str | None = None
    deadline: dt.date | None = None
    focus_area: str | None = None


@dataclass(frozen=True)
class Lofte:
    """A medborgarlöfte (or, with ``kind="problem_picture"``, a problem picture kept as context)."""

    id: str
    title: str
    kind: LofteKind
    kommuner: tuple[str, ...]
    lokalpolisomrade: str | None
    signed: dt.date | None
    start: dt.date
    end: dt.date
    focus_areas: tuple[str, ...]
    activities: tuple[Activity, ...] = ()
    source: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""
    assumptions: tuple[str, ...] = ()
    path: str | None = field(default=None, compare=False)

    @property
    def start_year(self) -> int:
        """Calendar year the löfte starts."""
        return self.start.year

    @property
    def end_year(self) -> int:
        """Calendar year the löfte ends."""
        return self.end.year

    @property
    def years(self) -> tuple[int, ...]:
        """Every calendar year the löfte covers, ``start_year`` to ``end_year`` inclusive."""
        return tuple(range(self.start_year, self.end_year + 1))

    @property
    def is_lofte(self) -> bool:
        """True for a löfte, False for a problem picture (which is never evaluated)."""
        return self.kind == "lofte"

    def activity(self, activity_id: str) -> Activity:
        """Return the activity ``activity_id`` or raise ``RegistryError`` listing the known ids."""
        for act in self.activities:
            if act.id == activity_id:
                return act
        known = [a.id for a in self.activities]
        raise RegistryError(f"löfte {self.id!r} has no activity {activity_id!r}; known activity ids: "
                            f"{known}.{_suggest(activity_id, known)}")


# --------------------------------------------------------------------------- helpers
def _suggest(name: str, options: Iterable[str]) -> str:
    near = difflib.get_close_matches(str(name), list(options), n=3, cutoff=0.5)
    return f" Did you mean {', '.join(map(repr, near))}?" if near else ""


def _check_kommun(code: object) -> str | None:
    """Return a problem description, or None when ``code`` is a valid 4-digit kommun code."""
    if not isinstance(code, str) or len(code) != 4 or not code.isdigit():
        return f"kommun codes must be 4-digit strings such as \"0980\" (got {code!r})"
    from ..harmonise.kommuner import kommun_code

    try:
        resolved = kommun_code(code)
    except DataError as exc:
        return f"unknown kommun {code!r} ({exc})"
    if resolved != code:
        return f"kommun {code!r} is an old or alias code; use the current code {resolved!r}"
    return None


def _as_date(value: object, name: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f"field {name!r} must be a date YYYY-MM-DD (got {value!r})")
    return None


def _as_str_list(value: object, name: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"field {name!r} must be a list of strings (got {value!r})")
        return ()
    return tuple(value)


def _unknown_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str,
                  problems: list[str]) -> None:
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            problems.append(f"unknown field {where}{key!r}; allowed: {allowed}.{_suggest(key, allowed)}")


def _focus_problem(area: object, name: str) -> str | None:
    if area in FOCUS_AREAS:
        return None
    return (f"field {name!r}: unknown focus area {area!r}; must be one of {sorted(FOCUS_AREAS)}."
            f"{_suggest(str(area), FOCUS_AREAS)}")


def _parse_activity(raw: object, i: int, problems: list[str]) -> Activity | None:
    where = f"activities[{i}]"
    if not isinstance(raw, dict):
        problems.append(f"field {where!r} must be a table (got {raw!r})")
        return None
    _unknown_keys(raw, _ACTIVITY_KEYS, f"{where}.", problems)
    for key, required in _ACTIVITY_KEYS.items():
        if required and key not in raw:
            problems.append(f"missing required field '{where}.{key}'")
    owner = raw.get("owner")
    if "owner" in raw and owner not in get_args(Owner):
        problems.append(f"field '{where}.owner' must be one of {get_args(Owner)} (got {owner!r})")
    target = raw.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int) or target < 0):
        problems.append(f"field '{where}.target' must be a whole number >= 0 (got {target!r}); "
                        "omit it when the promise has no number")
    deadline = raw.get("deadline")
    if deadline is not None:
        deadline = _as_date(deadline, f"{where}.deadline", problems)
    area = raw.get("focus_area")
    if area is not None and (msg := _focus_problem(area, f"{where}.focus_area")):
        problems.append(msg)
    if not {"id", "text"} <= raw.keys():
        return None
    return Activity(id=str(raw["id"]), text=str(raw["text"]).strip(), owner=cast(Owner, owner),
                    target=target, unit=raw.get("unit"), deadline=deadline, focus_area=area)


def _parse_source(raw: object, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(f"field 'source' must be a table with {list(_SOURCE_KEYS)} (got {raw!r})")
        return {}
    _unknown_keys(raw, _SOURCE_KEYS, "source.", problems)
    out: dict[str, Any] = {}
    for key, required in _SOURCE_KEYS.items():
        if required and not raw.get(key):
            problems.append(f"missing required field 'source.{key}'")
        out[key] = raw.get(key) or None
    if out["date"] is not None:
        out["date"] = _as_date(out["date"], "source.date", problems)
    return out


def parse_lofte(data: Mapping[str, Any], *, origin: str = "<data>") -> Lofte:
    """Validate one registry entry (a parsed TOML table) and return the :class:`Lofte`.

    Parameters
    ----------
    data : mapping
        The entry, as ``tomllib`` returns it.
    origin : str, keyword-only
        File name used in error messages.

    Raises
    ------
    RegistryError
        Naming ``origin`` and every field with a problem (all problems at once).
    """
    problems: list[str] = []
    _unknown_keys(data, (*_REQUIRED, *_OPTIONAL), "", problems)
    for key in _REQUIRED:
        if key not in data:
            problems.append(f"missing required field {key!r}")
    kind = data.get("kind", "lofte")
    if kind not in get_args(LofteKind):
        problems.append(f"field 'kind' must be one of {get_args(LofteKind)} (got {kind!r})")
    kommuner = _as_str_list(data.get("kommuner", []), "kommuner", problems)
    if "kommuner" in data and not kommuner:
        problems.append("field 'kommuner' must name at least one kommun code")
    for i, code in enumerate(kommuner):
        if msg := _check_kommun(code):
            problems.append(f"field 'kommuner[{i}]': {msg}")
    start = _as_date(data["start"], "start", problems) if "start" in data else None
    end = _as_date(data["end"], "end", problems) if "end" in data else None
    if start and end and end < start:
        problems.append(f"field 'end' ({end}) is before 'start' ({start}); swap them or fix the year")
    signed = _as_date(data["signed"], "signed", problems) if data.get("signed") else None
    areas = _as_str_list(data.get("focus_areas", []), "focus_areas", problems)
    problems += [m for i, a in enumerate(areas) if (m := _focus_problem(a, f"focus_areas[{i}]"))]
    raw_acts = data.get("activities", [])
    if not isinstance(raw_acts, list):
        problems.append("field 'activities' must be an array of tables ([[activities]])")
        raw_acts = []
    acts = [_parse_activity(a, i, problems) for i, a in enumerate(raw_acts)]
    ids = [a.id for a in acts if a]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.append(f"activity id {dup!r} is used {ids.count(dup)} times; ids must be unique")
    source = _parse_source(data.get("source", {}), problems) if "source" in data else {}
    assumptions = _as_str_list(data.get("assumptions", []), "assumptions", problems)
    if problems:
        raise RegistryError(f"registry file {origin!r} has {len(problems)} problem(s): "
                            + "; ".join(problems))
    return Lofte(id=str(data["id"]), title=str(data["title"]), kind=kind, kommuner=kommuner,
                 lokalpolisomrade=data.get("lokalpolisomrade") or None, signed=signed,
                 start=start, end=end, focus_areas=areas,  # type: ignore[arg-type]
                 activities=tuple(a for a in acts if a), source=source,
                 notes=str(data.get("notes", "")).strip(), assumptions=assumptions, path=origin)


def _read_file(path: Path) -> Lofte:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"registry file {path.name!r} is not valid TOML: {exc}. "
                            "Check quotes, brackets and dates (YYYY-MM-DD).") from None
    except UnicodeDecodeError:
        raise RegistryError(f"registry file {path.name!r} must be UTF-8 text.") from None
    return parse_lofte(data, origin=path.name)


def registry_dirs(path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
                  ) -> list[Path]:
    """The folders read by :func:`load_registry`: the package folder, ``path``, ``$LOFTEEVAL_REGISTRY``."""
    dirs = [PACKAGE_DIR]
    extra: list[str | os.PathLike[str]] = []
    if isinstance(path, (str, os.PathLike)):
        extra.append(path)
    elif path is not None:
        extra.extend(path)
    env = os.environ.get(ENV_VAR, "")
    extra.extend(p for p in env.split(os.pathsep) if p)
    for p in extra:
        folder = Path(p)
        if not folder.is_dir():
            raise RegistryError(f"registry folder {str(p)!r} does not exist or is not a folder; pass "
                                f"an existing folder of *.toml files (argument path= or ${ENV_VAR}).")
        if folder.resolve() not in [d.resolve() for d in dirs]:
            dirs.append(folder)
    return dirs


def load_registry(path: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
                  ) -> dict[str, Lofte]:
    """Read every ``*.toml`` löfte file: the package's own plus user folders.

    Parameters
    ----------
    path : path or list of paths, optional
        Extra folders of ``*.toml`` files; folders in ``$LOFTEEVAL_REGISTRY`` are added as well.

    Returns
    -------
    dict
        ``{id: Lofte}`` in file-name order.

    Raises
    ------
    RegistryError
        A file is invalid (all its problems listed), or two files use the same id.
    """
    out: dict[str, Lofte] = {}
    for folder in registry_dirs(path):
        for file in sorted(folder.glob("*.toml")):
            lofte = _read_file(file)
            if lofte.id in out:
                raise RegistryError(
                    f"duplicate löfte id {lofte.id!r} in {file.name!r} (already defined in "
                    f"{out[lofte.id].path!r}); every löfte needs its own id.")
            out[lofte.id] = lofte
    return out


def load_lofte(id_or_lofte: str | Lofte, *, path: str | os.PathLike[str] | None = None) -> Lofte:
    """Return the registered löfte ``id`` (a :class:`Lofte` passes through unchanged).

    Raises
    ------
    RegistryError
        The id is unknown (the message names the closest ids) or a registry file is invalid.
    """
    if isinstance(id_or_lofte, Lofte):
        return id_or_lofte
    registry = load_registry(path)
    try:
        return registry[id_or_lofte]
    except KeyError:
        raise RegistryError(
            f"unknown löfte id {id_or_lofte!r}; registered ids: {sorted(registry)}."
            f"{_suggest(str(id_or_lofte), registry)} Add a TOML file with `lofteeval lofte draft`."
        ) from None


def list_loften(*, path: str | os.PathLike[str] | None = None,
                kind: LofteKind | None = None) -> pd.DataFrame:
    """A table of the registry: one row per löfte.

    Columns: ``id, kind, title, kommuner`` (comma-separated codes), ``lokalpolisomrade, start, end,
    years, focus_areas, n_activities``.
    """
    import pandas as pd

    rows = [
        {"id": lf.id, "kind": lf.kind, "title": lf.title, "kommuner": ", ".join(lf.kommuner),
         "lokalpolisomrade": lf.lokalpolisomrade or "", "start": lf.start, "end": lf.end,
         "years": f"{lf.start_year}-{lf.end_year}" if lf.end_year > lf.start_year else str(lf.start_year),
         "focus_areas": ", ".join(lf.focus_areas), "n_activities": len(lf.activities)}
        for lf in load_registry(path).values() if kind is None or lf.kind == kind
    ]
    cols = ["id", "kind", "title", "kommuner", "lokalpolisomrade", "start", "end", "years",
            "focus_areas", "n_activities"]
    return pd.DataFrame(rows, columns=cols)
