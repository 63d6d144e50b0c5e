"""CLI commands for the löfte registry.

``lofteeval loften`` (table), ``lofteeval lofte show ID``, ``lofteeval lofte check``,
``lofteeval lofte draft FILE`` and
``lofteeval lofte followup ID FILE [--year YEAR]`` and
``lofteeval lofte followup-template ID [--year YEAR] --out FILE``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _table(frame: pd.DataFrame, *, max_colwidth: int = 60) -> str:
    import pandas as pd

    with pd.option_context("display.max_colwidth", max_colwidth, "display.width", 200,
                           "display.max_columns", None):
        return frame.to_string(index=False)


@contextlib.contextmanager
def _skipped_files_reported() -> Iterator[None]:
    """Print each skipped registry file as one line on stderr (every time, not once per session)."""
    from ..registry import RegistryWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RegistryWarning)
        yield
    for w in caught:
        if issubclass(w.category, RegistryWarning):
            print(f"lofteeval: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _cmd_list(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..registry import load_registry
    from ..registry.display import focus_area_label, kommun_names

    with _skipped_files_reported():
        loften = list(load_registry(args.registry).values())
    rows = [{"id": lf.id, "typ": "löfte" if lf.is_lofte else "problembild",
             "kommuner": kommun_names(lf.kommuner), "lokalpolisområde": lf.lokalpolisomrade or "–",
             "år": f"{lf.start_year}–{lf.end_year}" if lf.end_year > lf.start_year else str(lf.start_year),
             "fokusområden": ", ".join(focus_area_label(a) for a in lf.focus_areas) or "–",
             "aktiviteter": len(lf.activities)} for lf in loften]
    print(_table(pd.DataFrame(rows, columns=["id", "typ", "kommuner", "lokalpolisområde", "år", "fokusområden",
                                             "aktiviteter"])))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from ..registry import load_lofte
    from ..registry.display import confidence_label, focus_area_label, kommun_names, other_area_label

    with _skipped_files_reported():
        lf = load_lofte(args.id, path=args.registry)
    kind = "löfte" if lf.is_lofte else "problembild (sammanhang, utvärderas inte)"
    src = lf.source
    title = src.get("title") or lf.title
    date = src.get("date")
    when = date.isoformat() if date is not None and hasattr(date, "isoformat") else str(date or "utan datum")
    lines = [f"{lf.id}: {lf.title}", f"  typ:              {kind}",
             f"  kommuner:         {kommun_names(lf.kommuner, with_code=True)}",
             f"  lokalpolisområde: {lf.lokalpolisomrade or '–'}",
             f"  undertecknat:     {lf.signed or 'okänt'}", f"  period:           {lf.start} – {lf.end}",
             f"  fokusområden:     {', '.join(focus_area_label(a) for a in lf.focus_areas) or '–'}",
             f"  källa:            {src.get('publisher') or 'okänd utgivare'}: {title} ({when})"]
    lines += [f"  webbadress:       {u}" for u in (lf.url, *src.get("other_urls", ())) if u]
    if lf.confidence:
        lines.append(f"  tillförlitlighet: {confidence_label(lf.confidence)} "
                     "(hur säkert källan kunde läsas)")
    if lf.renews:
        lines.append(f"  förnyar:          {_title_of(lf.renews, args.registry)} ({lf.renews})")
    if lf.scope_note:
        lines.append(f"  omfattning:       {lf.scope_note}")
    if lf.other_areas:
        others = ", ".join(other_area_label(a) for a in lf.other_areas)
        lines.append(f"  andra områden:    {others} (utanför paketets fokusområden)")
    if lf.targets:
        lines.append("  åtaganden (som den nationella listan sammanfattar källan):")
        lines += [f"    – {t}" for t in lf.targets]
    lines += [f"  antagande:        {a}" for a in lf.assumptions]
    lines += ["", "Fokusområden och indikatorer (id inom parentes, för --indicator):"]
    lines += _measurability_lines(lf.focus_areas)
    print("\n".join(lines))
    if lf.activities:
        print("\nAktiviteter:\n" + _table(_activities_frame(lf), max_colwidth=70))
    return 0


def _title_of(lofte_id: str, registry: str | None) -> str:
    """The title of a registered löfte, or its id when the registry does not hold it (the
    registry's skipped files were reported when the shown löfte was loaded: not again here)."""
    from ..errors import RegistryError
    from ..registry import RegistryWarning, load_lofte

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RegistryWarning)
        try:
            return load_lofte(lofte_id, path=registry).title
        except RegistryError:
            return lofte_id


def _target_text(target: object, unit: object) -> str:
    from ..registry.display import cell

    number = cell(target)
    return f"{number} {cell(unit)}".strip() if number else "–"


def _activities_frame(lf: object) -> pd.DataFrame:
    """The activities of a löfte with labels: who, target with its unit, deadline, focus area, text."""
    import pandas as pd

    from ..registry.display import cell, focus_area_label, owner_label

    return pd.DataFrame([{"id": a.id, "ansvar": owner_label(a.owner, lf.kommuner),  # type: ignore[attr-defined]
                          "mål": _target_text(a.target, a.unit), "senast": cell(a.deadline, empty="–"),
                          "fokusområde": focus_area_label(a.focus_area) or "–", "aktivitet": a.text}
                         for a in lf.activities])  # type: ignore[attr-defined]


def _measurability_lines(areas: tuple[str, ...]) -> list[str]:
    """One line per focus area: its indicators (ambiguous ones marked) or why it is not measured."""
    from ..indicators import FOCUS_AREAS, indicators_for

    out = []
    for area in areas:
        fa = FOCUS_AREAS[area]
        if not fa.measurable:
            out.append(f"  {fa.label_sv} ({area}): ej mätbart med brotts- eller trygghetsdata – "
                       "följs upp via aktiviteterna")
            continue
        names = ", ".join(f"{s.label_sv} ({s.id}" + (", tvetydig riktning)" if s.better == "ambiguous" else ")")
                          for s in indicators_for(area))
        out.append(f"  {fa.label_sv} ({area}): {names}")
    return out


def _cmd_template(args: argparse.Namespace) -> int:
    from ..registry.followup import write_follow_up_template
    from ..registry import load_lofte

    lf = load_lofte(args.id, path=args.registry)
    path = write_follow_up_template(lf, args.out, year=args.year, overwrite=args.force)
    print(f"Skrev uppföljningsmall för {lf.id} ({len(lf.activities)} aktiviteter) till {path}. "
          f"Fyll i done/date/comment och kör: lofteeval lofte followup {lf.id} {path}"
          + (f" --year {args.year}" if args.year else ""))
    return 0


def _cmd_draft(args: argparse.Namespace) -> int:
    from ..registry import draft_lofte, load_registry

    path = Path(args.file)
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    with _skipped_files_reported():
        taken = set(load_registry(args.registry))
    print(draft_lofte(text, source_document=path.name, url=args.url, lofte_id=args.id,
                      registry_ids=taken), end="")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from ..registry.check import check_registry

    report = check_registry(args.registry)
    print(report.summary())
    if report.overlaps is not None and len(report.overlaps):
        print("\nÖverlappande perioder (rapporteras, inget fel):")
        print(_table(report.overlaps.drop(columns=["overlap_from", "overlap_to"]), max_colwidth=40))
    return 0 if report.ok else 1


def _cmd_followup(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..registry import load_lofte
    from ..registry.display import cell, focus_area_label, owner_label
    from ..registry.followup import follow_up

    lf = load_lofte(args.id, path=args.registry)
    frame = follow_up(lf, args.file, year=args.year)
    rows = [{"aktivitet": r["activity_id"], "ansvar": owner_label(r["owner"], lf.kommuner),
             "fokusområde": focus_area_label(cell(r["focus_area"])) or "–",
             "mål": _target_text(r["target"], r["unit"]), "utfört": cell(r["done"], empty="–"),
             "datum": cell(r["date"], empty="–"), "status": r["status"], "kommentar": cell(r["comment"])}
            for r in frame.to_dict("records")]
    print(f"{lf.id}: {lf.title}" + (f" – uppföljning {args.year}" if args.year else ""))
    print(_table(pd.DataFrame(rows), max_colwidth=50))
    counts = frame["status"].value_counts()
    print("\n" + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``loften`` and ``lofte {show,draft,followup,followup-template}`` to the parser."""
    reg = argparse.ArgumentParser(add_help=False)
    reg.add_argument("--registry", metavar="DIR", default=None,
                     help="extra folder of löfte TOML files (also $LOFTEEVAL_REGISTRY)")
    p_list = subparsers.add_parser("loften", parents=[reg], help="list the registered löften")
    p_list.set_defaults(func=_cmd_list)

    p_lofte = subparsers.add_parser("lofte", help="show, draft or follow up one löfte")
    sub = p_lofte.add_subparsers(dest="lofte_command", metavar="ACTION")
    p_show = sub.add_parser("show", parents=[reg], help="show one löfte and its activities")
    p_show.add_argument("id", help="registry id, e.g. gotland-2020 (`lofteeval loften` lists them)")
    p_show.set_defaults(func=_cmd_show)
    p_check = sub.add_parser("check", parents=[reg],
                             help="check the whole registry: renewals, overlapping periods, bad files")
    p_check.set_defaults(func=_cmd_check)
    p_draft = sub.add_parser("draft", parents=[reg],
                             help="draft a registry TOML entry from a löfte text")
    p_draft.add_argument("file", help="text file (web page or press release, UTF-8)")
    p_draft.add_argument("--url", default=None, help="the page's public address (source.url)")
    p_draft.add_argument("--id", default=None, help="registry id to use (never one already taken)")
    p_draft.set_defaults(func=_cmd_draft)
    p_fu = sub.add_parser("followup", parents=[reg], help="target vs outcome from a follow-up file")
    p_fu.add_argument("id", help="registry id of the löfte followed up, e.g. gotland-2020")
    p_fu.add_argument("file", help="CSV or XLSX with activity_id, done, date, comment")
    p_fu.add_argument("--year", type=int, default=None,
                      help="year followed up (only that year's rows when the file has a year column)")
    p_fu.set_defaults(func=_cmd_followup)
    p_tpl = sub.add_parser("followup-template", parents=[reg],
                           help="write an empty follow-up file (one row per activity) to fill in")
    p_tpl.add_argument("id", help="registry id of the löfte, e.g. gotland-2020")
    p_tpl.add_argument("--year", type=int, default=None,
                       help="year to follow up (required when the löfte spans several years)")
    p_tpl.add_argument("--out", required=True, metavar="FILE", help="output .csv or .xlsx")
    p_tpl.add_argument("--force", action="store_true", help="overwrite an existing file")
    p_tpl.set_defaults(func=_cmd_template)
