"""``lofteeval evaluate ID``: estimate the effects of a löfte and print a readable table."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

__all__ = ["add_data_args", "panel_from_args", "register", "synthetic_line"]


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """``--demo | --panel PATH`` (shared with ``lofteeval report``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true",
                       help="use the synthetic demo panel (labelled as synthetic everywhere)")
    group.add_argument("--panel", metavar="PATH",
                       help="a saved tidy panel (default: data/processed/panel.parquet; without it and "
                            "without --demo the command stops and says how to fetch the data)")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--through", type=int, metavar="YEAR", default=None,
                        help="follow up through this year (default: the latest year in the panel); "
                             "the löfte's years and the years after are shown as two windows")


def check_args(args: argparse.Namespace) -> None:
    """Raise one clear ``DataError`` for a missing file or a bad level."""
    from ..errors import DataError

    if not 0 < args.level < 1:
        raise DataError(f"--level must be between 0 and 1 (got {args.level}); e.g. --level 0.95.")
    for name in ("panel", "followup"):
        value = getattr(args, name, None)
        if value is not None and not Path(value).exists():
            raise DataError(f"--{name} file {value!r} does not exist; check the path.")


def panel_from_args(args: argparse.Namespace) -> Any:
    """Load the panel chosen by ``--demo``/``--panel``."""
    from ..reports import load_report_panel

    return load_report_panel(demo=args.demo, panel_path=args.panel, lofte_id=getattr(args, "lofte_id", None))


def through_from_args(args: argparse.Namespace, panel: Any, lofte: Any) -> int:
    """``--through`` or the latest year with a value in the panel (never before the löfte's end)."""
    from ..errors import DataError

    if args.through is not None:
        if args.through < lofte.start_year:
            raise DataError(f"--through {args.through} is before {lofte.id} starts ({lofte.start_year}); "
                            f"pass a year from {lofte.start_year} on.")
        return int(args.through)
    have = panel.loc[panel["indicator"] != "population"]
    have = have.loc[have["value"].notna(), "year"]
    return max(int(have.max()) if len(have) else lofte.end_year, lofte.end_year)


def panel_line(panel: Any, lang: str = "sv") -> str | None:
    """One line naming a real panel's sources and vintage (``None`` for the demo panel)."""
    from ..reports.provenance import vintage_text

    text = vintage_text(panel)
    if not text:
        return None
    return f"Data: {text}"  # the same word in Swedish and English


def synthetic_line(lang: str = "sv") -> str:
    """The line printed whenever numbers come from the demo panel."""
    from ..plots import synthetic_text

    return f"*** {synthetic_text(lang)} ***"


def _table(frame: Any, *, lang: str) -> Any:
    import pandas as pd

    from ..registry.display import focus_area_label
    from ..reports.scale import confirmed
    from ..reports.text import METHOD_NAME, fmt_effect, fmt_p

    rows = []
    for _, r in frame.iterrows():
        res = r["_result"]
        unit = r["_unit"]
        rows.append({
            "fokusområde" if lang == "sv" else "focus area": focus_area_label(r["focus_area"], lang=lang),
            "indikator" if lang == "sv" else "indicator": r["indicator_label"],
            "design": METHOD_NAME[lang].get(res.method, res.method),
            "effekt" if lang == "sv" else "effect": fmt_effect(res.estimate, scale=res.scale, unit=unit, lang=lang),
            "intervall" if lang == "sv" else "interval": (
                f"{fmt_effect(res.ci_low, scale=res.scale, lang=lang)} … "
                f"{fmt_effect(res.ci_high, scale=res.scale, lang=lang)}"),
            "p": fmt_p(res.p_value, lang=lang),
            "p just." if lang == "sv" else "p adj.": fmt_p(res.p_adjusted, lang=lang),
            "MDE": fmt_effect(res.mde, scale=res.scale, lang=lang, sign=False) if res.mde is not None else "–",
            "säkerställd" if lang == "sv" else "significant": (  # as the report says it: after adjustment
                ("ja" if lang == "sv" else "yes") if confirmed(res) else ("nej" if lang == "sv" else "no")),
        })
    return pd.DataFrame(rows)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print; write ``--out`` when given."""
    from ..errors import DataError
    from ..evaluation import evaluate_areas
    from ..harmonise.schema import is_synthetic
    from ..indicators import INDICATORS, indicator
    from ..registry import load_lofte
    from ..reports.build import results_frame

    check_args(args)
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise DataError(f"--out must end in .csv or .xlsx (got {args.out!r}).")
    lofte = load_lofte(args.lofte_id)
    if not lofte.is_lofte:
        raise DataError(f"{lofte.id!r} is a problem picture, not a löfte, and is not evaluated; "
                        "run `lofteeval report` for a context report.")
    if args.focus_area:
        if args.focus_area not in lofte.focus_areas:
            raise DataError(f"--focus-area {args.focus_area!r} is not a focus area of {lofte.id} "
                            f"(its areas: {', '.join(lofte.focus_areas)}).")
        lofte = dataclasses.replace(lofte, focus_areas=(args.focus_area,))
    panel = panel_from_args(args)
    synthetic = is_synthetic(panel)
    if synthetic:
        print(synthetic_line(args.lang))
    elif panel_line(panel, args.lang):
        print(panel_line(panel, args.lang))
    through = through_from_args(args, panel, lofte)
    if args.indicator:
        indicator(args.indicator)
        _check_indicator_in_lofte(args.indicator, lofte)
        panel = panel[panel["indicator"].isin([args.indicator, "population"])]
    evaluated = evaluate_areas(panel, lofte, method=args.method, level=args.level, lang=args.lang, quiet=True,
                               through=through)
    frame = results_frame(evaluated, lang=args.lang)
    if args.indicator:
        frame = frame[frame["indicator"] == args.indicator]
    pairs = {(a, s.id): r for a in evaluated.areas for r, s in evaluated.pairs.get(a, ())}
    frame = frame.assign(_result=[pairs[(a, i)] for a, i in zip(frame["focus_area"], frame["indicator"])],
                         _unit=[INDICATORS[i].unit for i in frame["indicator"]])
    print(f"{lofte.id}: {lofte.title}")
    after = f", {'uppföljning' if args.lang == 'sv' else 'follow-up'} {lofte.end_year + 1}–{through}" \
        if through > lofte.end_year else ""
    print(f"{'löftesår' if args.lang == 'sv' else 'löfte years'} {lofte.start_year}–{lofte.end_year}{after}")
    if len(frame):
        print(_table(frame, lang=args.lang).to_string(index=False))
    failures = [(area, spec, why) for area in evaluated.areas for spec, why in evaluated.failures.get(area, ())
                if not args.indicator or spec.id == args.indicator]
    for area, spec, why in failures:
        print(f"  {area}/{spec.id}: {_not_estimated(why, args.lang)}")
    if not len(frame):
        raise DataError(_nothing_estimated(lofte, failures))
    if args.out:
        _write_out(args, frame, synthetic=synthetic, line=None if synthetic else panel_line(panel, args.lang))
        print(f"{'Skrev' if args.lang == 'sv' else 'Wrote'} {args.out}")
    return 0


def _not_estimated(why: str, lang: str) -> str:
    """``"kan inte avgöras (för få anmälda brott ...)"`` for the small-count rule, else why it failed."""
    from ..reports.text import failure_reason, refused_for_small_counts

    sv = lang == "sv"
    if refused_for_small_counts(why) is not None:
        head = "kan inte avgöras" if sv else "cannot be decided"
    else:
        head = "kunde inte skattas" if sv else "not estimated"
    return f"{head} ({failure_reason(why, lang)})"


def _nothing_estimated(lofte: Any, failures: list[tuple[str, Any, str]]) -> str:
    """The one line for a run where no indicator could be estimated."""
    what = "; ".join(f"{spec.id}: {why}" for _, spec, why in failures[:3])
    more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
    return (f"nothing could be estimated for {lofte.id}"
            + (f" ({what}{more})" if what else " (its focus areas have no measurable indicator)")
            + "; check that the panel has these indicators for the löfte's kommuner and years, or use --demo.")


def _write_out(args: argparse.Namespace, frame: Any, *, synthetic: bool, line: str | None) -> None:
    """``--out``: the people's table (labels, one column per scale) as .csv or .xlsx."""
    from ..indicators import INDICATORS
    from ..plots import synthetic_text
    from ..reports.excel import SHEETS, results_sheet

    rows = [(a, r, INDICATORS[i]) for a, i, r in zip(frame["focus_area"], frame["indicator"], frame["_result"])]
    out = results_sheet(rows, lang=args.lang)
    note = synthetic_text(args.lang) if synthetic else line
    if note:
        out = out.assign(**{"Data": note})
    _write_results(out, args.out, sheet=SHEETS[args.lang][0], head=note, lang=args.lang)


def _check_indicator_in_lofte(indicator_id: str, lofte: Any) -> None:
    """``--indicator`` must belong to one of the löfte's (chosen) focus areas."""
    from ..errors import DataError
    from ..indicators import indicators_for

    ids = list(dict.fromkeys(s.id for a in lofte.focus_areas for s in indicators_for(a)))
    if indicator_id not in ids:
        raise DataError(f"--indicator {indicator_id!r} is not measured in the focus areas of {lofte.id} "
                        f"({', '.join(lofte.focus_areas)}); its indicators: {', '.join(ids) or 'none'}. "
                        "Pick one of those or leave --indicator out.")


def _write_results(out: Any, path: str, *, sheet: str, head: str | None, lang: str) -> None:
    """Write the results table to ``.csv`` (sv: ``;``, decimal comma, BOM) or ``.xlsx`` atomically."""
    from ..errors import DataError
    from ..files import atomic_path
    from ..reports.excel import write_csv, write_sheets

    if Path(path).is_dir():
        raise DataError(f"--out {path!r} is a folder; pass a file name ending in .csv or .xlsx.")
    if path.lower().endswith(".csv"):
        write_csv(out, path, lang=lang)
        return
    with atomic_path(path) as tmp:
        write_sheets({sheet: out}, tmp, lang=lang, banner=head)


def register(subparsers: Any) -> None:
    """Add ``evaluate`` to the top-level parser."""
    p = subparsers.add_parser("evaluate", help="estimate the effects of a löfte and print a table",
                              description="Estimate every focus area and indicator of a löfte (or one of "
                              "them) and print effect, interval, p-values (BH-adjusted) and MDE.")
    p.add_argument("lofte_id", metavar="ID", help="registry id, e.g. gotland-2020")
    p.add_argument("--focus-area", help="only this focus area of the löfte")
    p.add_argument("--indicator", help="only this indicator id")
    p.add_argument("--method", default="auto",
                   choices=["auto", "before_after", "its", "did", "synth", "sdid", "staggered"],
                   help="design (default: auto)")
    add_data_args(p)
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="language of labels")
    p.add_argument("--out", help="also write the results to a .csv or .xlsx file")
    p.set_defaults(func=run)
