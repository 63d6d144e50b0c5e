"""``lofteeval panel`` (build/write a panel) and ``lofteeval kommun`` (resolve a kommun name or code)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]

SYNTHETIC_NOTICE = "Syntetiska data – endast för demonstration (synthetic data, for demonstration only)"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``panel`` and ``kommun`` commands."""
    p = subparsers.add_parser(
        "panel", help="write a harmonised kommun x year x indicator panel",
        description="Write a tidy panel (kommun, year, indicator, value, unit, source, flag, n, se) "
                    "to .parquet or .csv. With --demo the panel is the synthetic demo panel.",
    )
    p.add_argument("--demo", action="store_true",
                   help="use the synthetic demo panel (all 290 kommuner, 2010-2024)")
    p.add_argument("--seed", type=int, default=0, help="seed of the demo panel (default 0)")
    p.add_argument("--from", dest="inputs", nargs="+", type=Path, metavar="FILE", default=[],
                   help="tidy .parquet/.csv files to merge (e.g. outputs of `lofteeval import`)")
    p.add_argument("--population", action="store_true",
                   help="add SCB population rows (shipped tables) for the panel's kommuner and years")
    p.add_argument("--out", type=Path, default=None,
                   help="output file, .parquet or .csv (default: data/processed/panel.parquet)")
    p.set_defaults(func=_run_panel)

    k = subparsers.add_parser(
        "kommun", help="resolve a kommun name or code",
        description="Print the 4-digit code, name, län and kommungrupp of a kommun given by name "
                    "('Region Gotland', 'Arjeplogs kommun', 'Malung-Sälen') or code (114, 0114, 1917).",
    )
    k.add_argument("query", nargs="+", help="name or code (several words are joined)")
    k.add_argument("--year", type=int, default=None, help="year the code refers to (for old codes)")
    k.set_defaults(func=_run_kommun)


def _run_panel(args: argparse.Namespace) -> int:
    from ..config import processed_dir
    from ..errors import DataError
    from ..harmonise.kommuner import population
    from ..harmonise.panel import build_panel, load_panel, save_panel

    if not args.demo and not args.inputs:
        raise DataError("nothing to build: pass --demo for the synthetic demo panel or --from FILE ... "
                        "with tidy files (see `lofteeval import --help`).")
    frames = [load_panel(f) for f in args.inputs]
    if args.demo:
        from ..datasets import demo_panel

        frames.insert(0, demo_panel(seed=args.seed))
    if args.population and frames:
        kom = sorted(set().union(*(set(f["kommun"]) for f in frames)))
        yrs = sorted(set().union(*(set(f["year"]) for f in frames)))
        frames.append(population(kom, yrs))
    panel, report = build_panel(*frames, allow_unknown_indicators=True, return_report=True)
    out = args.out or processed_dir() / "panel.parquet"
    written = save_panel(panel, out)
    print(f"wrote {written} ({len(panel)} rows, {panel['kommun'].nunique()} kommuner, "
          f"{panel['indicator'].nunique()} indicators, years {panel['year'].min()}-{panel['year'].max()})")
    print(report.text())
    if panel.attrs.get("synthetic"):
        print(SYNTHETIC_NOTICE)
    return 0


def _run_kommun(args: argparse.Namespace) -> int:
    from ..harmonise.kommuner import kommun_code, kommuner

    code = kommun_code(" ".join(args.query), year=args.year)
    row = kommuner().set_index("kommun").loc[code]
    print(f"{code} {row['name']}  ({row['long_name']}; {row['lan_name']} {row['lan']}; "
          f"kommungrupp {row['kommungrupp']} {row['kommungrupp_label']}; "
          f"folkmängd {int(row['population']):,} (31 dec {kommuner().attrs.get('population_year', '')}))"
          .replace(",", " "))
    return 0
