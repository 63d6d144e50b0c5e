"""``lofteeval report ID``: run the report notebook and write HTML, PDF and Excel."""

from __future__ import annotations

import argparse
import time
from typing import Any

from .evaluate import (
    add_data_args,
    check_args,
    panel_from_args,
    panel_line,
    synthetic_line,
    through_from_args,
)

__all__ = ["register"]


def run(args: argparse.Namespace) -> int:
    """Render the report and print progress and the paths written."""
    from ..registry.cache import cached_lofte
    from ..reports import is_synthetic, parse_formats, render_report, write_report

    check_args(args)
    formats = ",".join(parse_formats(args.format))
    lofte = cached_lofte(args.lofte_id)  # parsed once for this and render_report
    sv = args.lang == "sv"
    # the demo panel is drawn where the report is built; this process needs only its last year
    # (--demo with --panel, or neither: panel_from_args raises the one clear error, exit 2)
    panel = None if args.demo and not args.panel else panel_from_args(args)
    synthetic = args.demo or is_synthetic(panel)
    panel_path = args.panel
    if not args.demo and panel_path is None:
        from ..reports.build import default_panel_path

        panel_path = str(default_panel_path(lofte.id))
    through = _through(args, panel, lofte) if lofte.is_lofte else None
    if synthetic:
        print(synthetic_line(args.lang))
    elif panel_line(panel, args.lang):
        print(panel_line(panel, args.lang))
    n_areas = len(lofte.focus_areas)
    print(f"{lofte.id}: {lofte.title} — {n_areas} {'fokusområden' if sv else 'focus areas'}"
          + ("" if lofte.is_lofte else (" (problembild, utvärderas inte)" if sv else " (problem picture, not evaluated)")))
    how = "direkt" if args.direct else "notebook (papermill)"
    print(f"{'Kör rapporten' if sv else 'Running the report'}: {how}, {formats} …", flush=True)
    t0 = time.perf_counter()
    render = write_report if args.direct else render_report
    written = render(args.lofte_id, demo=args.demo, panel_path=panel_path, out_dir=args.out,
                     lang=args.lang, formats=formats, level=args.level, followup_path=args.followup,
                     through=through)
    for fmt, path in written.items():
        print(f"  {'skrev' if sv else 'wrote'} {fmt:<5} {path}")
    print(f"{'Klart på' if sv else 'Done in'} {time.perf_counter() - t0:.1f} s")
    if synthetic:
        print(synthetic_line(args.lang))
    return 0


def _through(args: argparse.Namespace, panel: Any, lofte: Any) -> int:
    """``through_from_args``; for ``--demo`` (``panel`` None) from the demo panel's last year."""
    if panel is None and args.through is None:
        from ..datasets._demo import DEMO_YEARS

        return max(max(DEMO_YEARS), lofte.end_year)
    return through_from_args(args, panel, lofte)


def register(subparsers: Any) -> None:
    """Add ``report`` to the top-level parser."""
    p = subparsers.add_parser("report", help="write the evaluation report (HTML, PDF, Excel) of a löfte",
                              description="Run the parameterised report notebook over every focus area "
                              "and indicator of a löfte; writes <out>/<ID>/rapport.html, rapport.pdf, "
                              "resultat.xlsx (English: report.html, report.pdf, results.xlsx).")
    p.add_argument("lofte_id", metavar="ID", help="registry id, e.g. gotland-2020")
    add_data_args(p)
    p.add_argument("--out", default=None, help="reports folder (default: reports/)")
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="report language (default sv)")
    p.add_argument("--format", default="html,pdf,xlsx", help="comma-separated: html,pdf,xlsx")
    p.add_argument("--followup", metavar="FILE", help="activity follow-up file")
    p.add_argument("--direct", action="store_true",
                   help="build in this process instead of running the notebook (same output, faster)")
    p.set_defaults(func=run)
