"""``lofteeval national``: every registry löfte × focus area × indicator, the pooled estimates, a report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["register", "write_tables"]


def register(subparsers: Any) -> None:
    """Add ``national`` to the CLI."""
    from .evaluate import add_data_args

    p = subparsers.add_parser("national", help="evaluate every löfte in the registry (the whole country)",
                              description="Every löfte × focus area × indicator in one tidy table "
                                          "(parquet, CSV, XLSX), a pooled staggered estimate per focus "
                                          "area and a national HTML report.")
    add_data_args(p)
    p.add_argument("--focus-area", action="append", metavar="AREA", dest="focus_area",
                   help="only this focus area (repeatable; default all measurable areas)")
    p.add_argument("--method", default="auto",
                   choices=["auto", "before_after", "its", "did", "synth", "sdid"],
                   help="design for every löfte (default auto: each löfte's default design)")
    p.add_argument("--out", default="reports/national", metavar="DIR",
                   help="output folder (default reports/national)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (loky; default: all cores; the table is the same for any N)")
    p.add_argument("--weights", choices=["equal", "population"], default="equal",
                   help="kommun weights of the pooled estimate (default equal; population: per resident)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-pooled", action="store_true", help="skip the pooled staggered estimates")
    p.add_argument("--no-report", action="store_true", help="write the tables only")
    p.add_argument("--lang", choices=["sv", "en"], default="sv",
                   help="language of the printed table and the CSV format (sv: ';' and decimal comma; default sv)")
    p.set_defaults(func=run)


def write_tables(table: Any, pooled: Any, out: Path, *, synthetic: bool, lang: str = "sv") -> list[Path]:
    """The national and pooled tables (:func:`lofteeval.reports.national.write_national_tables`)."""
    from ..reports.national import write_national_tables

    return write_national_tables(table, pooled, out, synthetic=synthetic, lang=lang)


def run(args: argparse.Namespace) -> int:
    """Run the national evaluation and write the tables and the report."""
    from ..errors import DataError
    from ..national import evaluate_national
    from .evaluate import check_args, panel_from_args, synthetic_line

    check_args(args)
    if args.jobs < 1:
        raise DataError(f"--jobs must be at least 1 (got {args.jobs}).")
    panel = panel_from_args(args)
    from ..harmonise.schema import is_synthetic

    synthetic = is_synthetic(panel)
    if synthetic:
        print(synthetic_line(args.lang))
    started = time.perf_counter()
    through = args.through if args.through is not None else _latest_year(panel)
    bar = _progress_bar(quiet=args.quiet)
    run_ = evaluate_national(panel, focus_areas=args.focus_area, method=args.method, level=args.level,
                             through=through, n_jobs=args.jobs, progress=bar, pooled=not args.no_pooled,
                             weights=None if args.weights == "equal" else args.weights)
    bar.close()
    pooled, results = run_.pooled, run_.pooled_results
    out = Path(args.out)
    paths = write_tables(run_.table, pooled, out, synthetic=synthetic, lang=args.lang)
    if not args.no_report:
        from ..reports.national import write_national_report

        paths.append(write_national_report(run_.table, pooled, results, out, synthetic=synthetic,
                                           n_jobs=args.jobs))
    t = run_.table
    print(f"{run_.info['n_loften']} löften, {len(t)} rows ({int((t['status'] == 'ok').sum())} evaluated, "
          f"{int((t['status'] == 'refused').sum())} refused for too few counts, "
          f"{int((t['status'] == 'not_evaluated').sum())} not evaluated, with reasons); "
          f"{int((pooled['status'] == 'ok').sum()) if len(pooled) else 0} pooled estimates; "
          f"{time.perf_counter() - started:.1f} s")
    for path in paths:
        print(f"  {path}")
    if synthetic:
        print(synthetic_line(args.lang))
    return 0


def _latest_year(panel: Any) -> int | None:
    """The latest year with a value (every löfte is followed to it, never before its own end)."""
    have = panel.loc[(panel["indicator"] != "population") & panel["value"].notna(), "year"]
    return int(have.max()) if len(have) else None


class _progress_bar:
    """A tqdm bar on stderr fed with ``(done, total)``; off with ``quiet`` or when stderr is no terminal."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.bar: Any = None
        self.quiet = quiet

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, unit="löfte", file=sys.stderr,
                            disable=self.quiet or not sys.stderr.isatty())
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
