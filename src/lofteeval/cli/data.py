"""``lofteeval panel`` (build/write a panel), ``lofteeval kommun`` (resolve a kommun name or code) and
``lofteeval data plan|fetch`` (a löfte's sources; fetch them into ``data/processed/panel.parquet``)."""

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
    register_data(subparsers)


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


# --------------------------------------------------------------------------- lofteeval data plan|fetch
def register_data(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``data plan ID`` and ``data fetch --lofte ID``."""
    from .sources import _years

    d = subparsers.add_parser(
        "data", help="where a löfte's numbers come from (plan) and fetching them into a panel (fetch)",
        description="`data plan ID` lists each indicator's official source, years, breaks and what "
                    "cannot be fetched at kommun level; `data fetch --lofte ID` fetches it (Brå "
                    "statistikdatabas + SCB population, cached under data/raw) and writes "
                    "data/processed/panel.parquet.")
    dsub = d.add_subparsers(dest="data_command", metavar="plan|fetch", required=True)
    plan = dsub.add_parser("plan", help="print the sources of a löfte's indicators",
                           description="For every focus area and indicator of the löfte: the real source "
                                       "(SOL label path, Kolada KPI, SCB table or survey), years, breaks, "
                                       "and what cannot be fetched with the reason.")
    plan.add_argument("lofte_id", metavar="ID", help="registry id, e.g. gotland-2020")
    plan.add_argument("--years", type=_years, default=None, help="e.g. 2010-2025")
    plan.set_defaults(func=_run_plan)
    f = dsub.add_parser("fetch", help="fetch a löfte's official data and build the panel",
                        description="Fetch the crime indicators of the löfte(n) from Brå's statistikdatabas "
                                    "for the treated kommuner and every possible comparison kommun, plus SCB "
                                    "population; cache every response (checksum, provenance, fetch date, "
                                    "vintage) and write the validated panel with a sidecar naming sources "
                                    "and vintage. A second run uses the cache and no network.")
    who = f.add_mutually_exclusive_group(required=True)
    who.add_argument("--lofte", action="append", metavar="ID", help="löfte id (repeatable)")
    who.add_argument("--all", action="store_true", help="every löfte in the registry")
    f.add_argument("--years", type=_years, default=None, help="years to fetch, e.g. 2010-2025 (default 2010-now)")
    f.add_argument("--kommun", action="append", help="only these kommuner (+ the treated ones); default all 290")
    f.add_argument("--out", type=Path, default=None, help="panel file (default data/processed/panel.parquet)")
    f.add_argument("--refresh", action="store_true", help="fetch again even when cached")
    f.add_argument("--source", choices=("sol", "kolada"), default="sol",
                   help="crime data from Brå's statistikdatabas (default; counts and rates, every category) "
                        "or Kolada (rates only, the indicators with a Kolada KPI; when SOL is unreachable)")
    tls = f.add_mutually_exclusive_group()
    tls.add_argument("--sol-ca-bundle", metavar="PATH", help="CA bundle that completes statistik.bra.se's "
                     "certificate chain (safe way around its incomplete chain)")
    tls.add_argument("--sol-insecure", action="store_true", help="skip TLS verification for statistik.bra.se "
                     "only (public data; the connection is then not authenticated)")
    f.set_defaults(func=_run_fetch)


def _run_plan(args: argparse.Namespace) -> int:
    from ..registry import load_lofte
    from ..sources.catalogue import plan_text

    print(plan_text(load_lofte(args.lofte_id), years=args.years))
    return 0


def _progress(done: int, total: int, what: str) -> None:
    import sys

    print(f"  [{done}/{total}] {what}", file=sys.stderr, flush=True)


def _run_fetch(args: argparse.Namespace) -> int:
    from ..registry import list_loften, load_lofte
    from ..sources.fetch_lofte import fetch_for_loften

    ids = list(list_loften(kind="lofte")["id"]) if args.all else args.lofte
    verify: bool | str = args.sol_ca_bundle or not args.sol_insecure
    if args.sol_insecure:
        print("warning: TLS verification for statistik.bra.se is off (--sol-insecure)")
    print(f"Hämtar data för {', '.join(ids)} …", flush=True)
    res = fetch_for_loften([load_lofte(i) for i in ids], years=args.years, kommuner=args.kommun, out=args.out, sol_verify=verify,
                           refresh=args.refresh, progress=_progress, source=args.source)
    for rep in res.reports:
        print(rep.text())
    print(res.panel_report.text())
    p = res.panel
    from ..reports.provenance import vintage_text

    print(f"wrote {res.path} ({len(p)} rows, {p['kommun'].nunique()} kommuner, {p['indicator'].nunique()} "
          f"indicators, years {p['year'].min()}-{p['year'].max()})")
    print(f"Data: {vintage_text(p)}")
    for _, r in res.skipped.iterrows():
        if r["indicator"]:
            print(f"  not fetched: {r['indicator']} – {r['reason']}")
    return 0
