"""``lofteeval import <source> FILE --out PATH`` and ``lofteeval fetch kolada|scb|bra ...``.

Both validate the tidy result, print the conservation summary (rows in, out, flagged by flag,
dropped by reason) and write the tidy file (``.parquet`` or ``.csv``, chosen by the extension).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

IMPORTERS = ("bra", "bra-sol", "kolada", "scb", "survey", "polisen")


def _years(text: str) -> list[int]:
    """``"2015-2024"`` or ``"2019,2021"`` → list of years."""
    out: list[int] = []
    for part in str(text).split(","):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4}))?\s*", part)
        if not m:
            raise argparse.ArgumentTypeError(f"years must look like 2015-2024 or 2019,2021 (got {text!r})")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        out.extend(range(lo, hi + 1))
    return out


def write_tidy(frame: Any, out: str | Path) -> Path:
    """Write a tidy frame as Parquet (``.parquet``) or CSV (anything else); returns the path."""
    from ..errors import DataError
    from ..files import atomic_path

    path = Path(out)
    if path.is_dir():
        raise DataError(f"--out {str(path)!r} is a folder; pass a file name ending in .parquet or .csv.")
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path


def _finish(result: Any, out: str | None) -> int:
    frame, report = result
    print(report.text())
    if out:
        path = write_tidy(frame, out)
        print(f"wrote {len(frame)} tidy rows to {path}")
    return 0


def _run_import(args: argparse.Namespace) -> int:
    from .. import sources
    from ..errors import DataError

    if len(args.file) > 1 and args.source != "polisen":
        raise DataError(f"`import {args.source}` reads one file (got {len(args.file)}); only polisen "
                        "takes several extracts (e.g. the 1701 and 1702 files, summed).")
    file = args.file[0]
    common: dict[str, Any] = {}
    if args.encoding:
        common["encoding"] = args.encoding
    if args.source == "bra":
        if args.year is None:
            raise DataError("`import bra` needs --year: Brå's kommun CSV does not say which year it covers.")
        result = sources.read_bra_kommun_csv(file, year=args.year, unknown=args.unknown, dash=args.dash, **common)
    elif args.source == "bra-sol":
        from ..sources.sol_export import read_bra_sol_file

        result = read_bra_sol_file(file, unknown=args.unknown, dash=args.dash, **common)
    elif args.source == "kolada":
        result = sources.read_kolada_json(Path(file), unknown=args.unknown)
    elif args.source == "scb":
        result = sources.read_scb_json(Path(file), unknown=args.unknown)
    elif args.source == "survey":
        result = sources.read_survey_csv(file, unknown=args.unknown, **common)
    else:
        result = sources.read_police_extract(args.file if len(args.file) > 1 else file, by=args.by,
                                             unmapped=args.unmapped, complete_years=args.complete_years,
                                             unknown=args.unknown, **common)
    return _finish(result, args.out)


def _run_fetch(args: argparse.Namespace) -> int:
    from .. import sources

    if args.what == "kolada":
        result = sources.fetch_kolada(args.kpi, args.kommun or None, args.years, refresh=args.refresh)
    elif args.what == "scb":
        result = sources.fetch_scb_population(args.years, kommuner=args.kommun or None, refresh=args.refresh)
    elif args.what == "sol":
        from ..harmonise.kommuner import kommun_codes
        from ..sources.sol import fetch_sol
        from .data import _progress

        codes = list(kommun_codes(args.kommun)) if args.kommun else None
        verify = args.sol_ca_bundle or not args.sol_insecure
        result = fetch_sol(args.indicator, codes, args.years, verify=verify, refresh=args.refresh,
                           progress=_progress)
    else:
        result = sources.fetch_bra_kommun_csv(args.year, refresh=args.refresh)
    return _finish(result, args.out)


def register(subparsers: Any) -> None:
    """Add the ``import`` and ``fetch`` commands."""
    imp = subparsers.add_parser(
        "import", help="read a downloaded source file into a validated tidy file",
        description="Read a downloaded file, validate it, print the conservation summary and write "
                    "the tidy rows. Sources: bra (yearly kommun CSV, needs --year), bra-sol (Brå "
                    "statistical database table saved by hand: HTML page, XLS/XLSX or CSV), kolada (saved /data JSON), scb (json-stat2 or v1 "
                    "json), survey (user-kept CSV), polisen (register extract).")
    imp.add_argument("source", choices=IMPORTERS, help="which reader to use")
    imp.add_argument("file", nargs="+", help="the downloaded file (polisen: one or more extracts, read as one)")
    imp.add_argument("--out", help="tidy output (.parquet or .csv); omitted: only the summary")
    imp.add_argument("--year", type=int, help="year the file covers (bra only)")
    imp.add_argument("--encoding", help="force an encoding (default: detect UTF-8/BOM/cp1252)")
    imp.add_argument("--unknown", choices=("raise", "drop"), default="raise",
                     help="unresolvable kommun names: stop (default) or drop with a count")
    imp.add_argument("--dash", choices=("zero", "missing"), default="zero",
                     help="how '-' in Brå files is read (default zero: 'inget finns att redovisa')")
    imp.add_argument("--by", choices=("registration", "offence"), default="registration",
                     help="polisen: year of registration (default, as Brå) or of the offence")
    imp.add_argument("--unmapped", choices=("keep", "drop"), default="keep",
                     help="polisen: brottskoder without an indicator id: keep as police_code_<code> "
                          "(default) or drop with a count")
    imp.add_argument("--complete-years", type=_years, default=None, metavar="YEARS",
                     help="polisen: years (e.g. 2019-2023) you know the extract holds every report "
                          "for all kommuner; kommuner without records get 0 flagged zero_filled "
                          "(default: no zeros, such cells stay absent)")
    imp.set_defaults(func=_run_import)

    fetch = subparsers.add_parser(
        "fetch", help="download kolada / scb / bra / sol data into data/raw (cached) and write tidy rows",
        description="Download with a cache under data/raw/<source>/ (checksum + provenance record; a "
                    "second run reuses it). Offline? Download by hand and use `lofteeval import`.")
    fsub = fetch.add_subparsers(dest="what", metavar="SOURCE", required=True)
    kol = fsub.add_parser("kolada", help="Kolada v3 KPI values", description="Kolada v3 KPI values per kommun and year.")
    kol.add_argument("--kpi", action="append", required=True, help="KPI id, repeatable (e.g. N07540)")
    kol.add_argument("--years", type=_years, default=list(range(2010, 2025)), help="e.g. 2015-2024")
    kol.add_argument("--kommun", action="append", help="kommun code or name, repeatable (default all)")
    scb = fsub.add_parser("scb", help="SCB population (TAB638)", description="SCB folkmängd 31 Dec per kommun.")
    scb.add_argument("--years", type=_years, required=True, help="e.g. 2015-2024")
    scb.add_argument("--kommun", action="append", help="kommun code or name, repeatable (default all)")
    bra = fsub.add_parser("bra", help="Brå yearly kommun CSV", description="Brå anmälda brott i kommunerna (totals).")
    bra.add_argument("--year", type=int, required=True, help="2021, 2023, 2024 or 2025")
    sol = fsub.add_parser("sol", help="Brå statistikdatabas (SOL), crime categories per kommun and year",
                          description="Crime indicators from Brå's yearly kommun topic (label paths in "
                                      "lofteeval.sources.catalogue), cached under data/raw/bra_sol. For a "
                                      "whole löfte use `lofteeval data fetch --lofte ID`.")
    sol.add_argument("--indicator", action="append", required=True,
                     help="indicator id with a SOL source, repeatable (e.g. reported_fraud)")
    sol.add_argument("--years", type=_years, default=list(range(2010, 2026)), help="e.g. 2015-2025")
    sol.add_argument("--kommun", action="append", help="kommun code or name, repeatable (default all)")
    tls = sol.add_mutually_exclusive_group()
    tls.add_argument("--sol-ca-bundle", metavar="PATH", help="CA bundle completing statistik.bra.se's chain")
    tls.add_argument("--sol-insecure", action="store_true", help="no TLS verification for statistik.bra.se only")
    for p in (kol, scb, bra, sol):
        p.add_argument("--out", help="tidy output (.parquet or .csv)")
        p.add_argument("--refresh", action="store_true", help="download again even if cached")
        p.set_defaults(func=_run_fetch)
