"""Rebuild the vendored kommun reference tables in ``src/lofteeval/data/`` from ``../shared/data``.

Run from the project root::

    python scripts/build_reference.py            # reads ../shared/data
    python scripts/build_reference.py --shared /path/to/shared

It writes (facts only, UTF-8, comma, LF, codes as zero-padded strings):

- ``kommuner.csv``       kommun, name, long_name, lan, lan_name, kommungrupp, kommungrupp_label
- ``population.csv``     wide: kommun, one column per year (1990-2019, 2020, 2021, 2024)
- ``neighbours.csv``     kommun_a, kommun_b, shared_border_km (both directions)
- ``island_links.csv``   kommun_a, kommun_b, link_type, link_name (both directions)

``code_history.csv`` and ``population_years.csv`` are hand-written data (with sources) and are
not touched.  Every check that failed while building raises instead of writing a partial table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "lofteeval" / "data"
FIRST_YEAR = 1990

# national totals (SCB, 31 December) that the vendored table must reproduce exactly
NATIONAL_TOTALS = {2000: 8_882_792, 2010: 9_415_570, 2019: 10_327_589, 2021: 10_452_326, 2024: 10_587_710}


def _read(path: Path, **kw: object) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)  # type: ignore[arg-type]


def build_kommuner(data: Path) -> pd.DataFrame:
    """Join SCB codes/names/län with the SKR 2023 kommungrupp (by kommunkod, never by name)."""
    mun = _read(data / "scb_kommuner" / "municipality_county.csv")
    grp = _read(data / "skr_kommungrupp" / "DERIVED_kommungrupp_2023_with_kommunkod.csv")
    out = mun.rename(columns={
        "municipality_code": "kommun", "municipality_name_short": "name",
        "municipality_name": "long_name", "county_code": "lan", "county_name": "lan_name",
    })[["kommun", "name", "long_name", "lan", "lan_name"]]
    grp = grp.rename(columns={"kommunkod": "kommun", "gruppkod": "kommungrupp",
                              "kommungrupp_2023": "kommungrupp_label"})
    out = out.merge(grp[["kommun", "kommungrupp", "kommungrupp_label"]], on="kommun",
                    how="left", validate="one_to_one")
    _check(len(out) == 290 and out["kommun"].is_unique, "290 unique kommun codes")
    _check(out["kommungrupp"].str.len().eq(2).all(), "every kommun has a kommungrupp")
    _check((out["kommun"].str[:2] == out["lan"]).all(), "län = first two digits of the code")
    return out.sort_values("kommun").reset_index(drop=True)


def build_population(data: Path, codes: pd.Series) -> pd.DataFrame:
    """Wide population table: folkmängd 31 Dec 1990-2019, 2020 (SKR, rounded), 2021, 2024."""
    pop_dir = data / "scb_population"
    wide = pd.read_csv(pop_dir / "folkmangd.csv", sep=";", encoding="utf-8-sig", dtype={"k_ID": str})
    key = _read(pop_dir / "DERIVED_folkmangd_kid_to_kommunkod.csv")
    # join on the repository's k_ID, never on the folded name (two rows are called "Habo")
    wide = wide.drop(columns="kommun").merge(key[["k_ID", "kommunkod"]], on="k_ID", how="inner", validate="one_to_one")
    _check(len(wide) == 290, "folkmangd.csv k_ID -> kommunkod covers 290 rows")
    cols = {f"ar_{y}": str(y) for y in range(FIRST_YEAR, 2020)}
    out = wide.rename(columns={"kommunkod": "kommun", **cols})[["kommun", *cols.values()]]

    skr = _read(data / "skr_kommungrupp" / "DERIVED_kommungrupp_2023_with_kommunkod.csv")
    skr = skr.rename(columns={"kommunkod": "kommun", "population_rounded_source": "2020"})
    d21 = _read(pop_dir / "municip_data22.csv")
    d21 = pd.DataFrame({"kommun": d21["municip_code"].str.zfill(4), "2021": d21["pop"]})
    d24 = _read(pop_dir / "folkmangd_2024.csv")
    _check(d24["ar"].eq("2024").all(), "folkmangd_2024.csv is year 2024")
    d24 = d24.rename(columns={"kommunkod": "kommun", "folkmangd": "2024"})
    for extra in (skr[["kommun", "2020"]], d21, d24[["kommun", "2024"]]):
        out = out.merge(extra, on="kommun", how="left", validate="one_to_one")
    _check(out.notna().all().all(), "no missing population cells")
    _check(set(out["kommun"]) == set(codes), "population codes equal the SCB code list")
    for year, total in NATIONAL_TOTALS.items():
        got = out[str(year)].astype(int).sum()
        _check(got == total, f"population {year} sums to SCB's national total {total} (got {got})")
    return out.sort_values("kommun").reset_index(drop=True)


def build_neighbours(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Land adjacency with shared border length, and the hand-listed bridge/ferry links."""
    nb = _read(data / "kommun_grannar" / "DERIVED_kommun_neighbours.csv")
    links = _read(data / "kommun_grannar" / "DERIVED_kommun_island_links.csv")
    _check(len(nb) == 1456, "728 neighbour pairs in both directions")
    return nb, links


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"build_reference: check failed: {what}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared folder (default: ../shared next to the project root)")
    args = parser.parse_args(argv)
    data = args.shared / "data"
    if not data.is_dir():
        print(f"build_reference: {data} not found; pass --shared", file=sys.stderr)
        return 2
    kom = build_kommuner(data)
    pop = build_population(data, kom["kommun"])
    nb, links = build_neighbours(data)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in (("kommuner.csv", kom), ("population.csv", pop),
                        ("neighbours.csv", nb), ("island_links.csv", links)):
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {name}: {len(frame)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
