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
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="worker processes (default: up to 2)")
    p.add_argument("--no-pooled", action="store_true", help="skip the pooled staggered estimates")
    p.add_argument("--no-report", action="store_true", help="write the tables only")
    p.add_argument("--lang", choices=["sv", "en"], default="sv",
                   help="language of the printed table and the CSV format (sv: ';' and decimal comma; default sv)")
    p.set_defaults(func=run)


def write_tables(table: Any, pooled: Any, out: Path, *, synthetic: bool, lang: str = "sv") -> list[Path]:
    """The national and pooled tables as parquet, CSV (sv: ``;`` and decimal comma) and one XLSX."""
    import pandas as pd

    from ..files import atomic_path, protect_sheet, spreadsheet_frame, workbook_frame

    label = "syntetiska data – endast för demonstration" if synthetic else ""
    frames = {"national": table.assign(data=label), "pooled": pooled.assign(data=label)}
    sep, dec = (";", ",") if lang == "sv" else (",", ".")
    paths: list[Path] = []
    for name, frame in frames.items():
        pq, csv = out / f"{name}.parquet", out / f"{name}.csv"
        with atomic_path(pq) as tmp:
            frame.to_parquet(tmp, index=False)
        with atomic_path(csv) as tmp:  # registry text reaches the CSV: never as a formula
            spreadsheet_frame(frame).to_csv(tmp, index=False, sep=sep, decimal=dec)
        paths += [pq, csv]
    xlsx = out / "national.xlsx"
    with atomic_path(xlsx) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in frames.items():
            workbook_frame(frame).to_excel(writer, sheet_name=name, index=False)
            protect_sheet(writer.sheets[name])
    return paths + [xlsx]


def run(args: argparse.Namespace) -> int:
    """Run the national evaluation and write the tables and the report."""
    from ..errors import DataError
    from ..national import evaluate_national, pooled_by_area
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
    bar = _progress_bar()
    run_ = evaluate_national(panel, focus_areas=args.focus_area, method=args.method, level=args.level,
                             through=through, n_jobs=args.jobs, progress=bar)
    bar.close()
    pooled, results = (pooled_by_area(panel, sorted(set(run_.table["focus_area"])), level=args.level)
                       if not args.no_pooled else (run_.pooled, {}))
    out = Path(args.out)
    paths = write_tables(run_.table, pooled, out, synthetic=synthetic, lang=args.lang)
    if not args.no_report:
        from ..reports.national import write_national_report

        paths.append(write_national_report(run_.table, pooled, results, out, synthetic=synthetic))
    t = run_.table
    print(f"{run_.info['n_loften']} löften, {len(t)} rows ({int((t['status'] == 'ok').sum())} evaluated, "
          f"{int((t['status'] != 'ok').sum())} not evaluated, with reasons); "
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
    """A tqdm bar on stderr fed with ``(done, total)``."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, unit="löfte", file=sys.stderr, disable=not sys.stderr.isatty())
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
