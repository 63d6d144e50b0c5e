"""Anchor of the demo panel's count noise on real year-to-year variation (prints figures).

Real: Brå SOL "Totalt antal brott" for the 21 län, 2011-2014 (``../shared/data/bra_sol``,
``DERIVED_sol_fixture_lan_totals.csv``).  The quasi-Poisson dispersion ``phi`` solves
``E[(d_it - d_t)^2] = 2 phi / count_i`` with ``d_it`` the län's log change and ``d_t`` the national
one (mean over län-years); ``indicators.COUNT_DISPERSION`` is this figure, rounded.
Demo: the same statistics for ``reported_crimes_total`` of ``demo_panel(seed)`` summed to län,
and per kommun by size (synthetic data).

Usage::

    .venv/bin/python benchmarks/noise_anchor.py [--shared ../shared] [--seeds 3]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

YEARS = ["2011", "2012", "2013", "2014"]


def real_lan(shared: Path) -> pd.DataFrame:
    """Län x year counts of Brå's total for 2011-2014 (riket left out)."""
    d = pd.read_csv(shared / "data" / "bra_sol" / "DERIVED_sol_fixture_lan_totals.csv")
    d = d[d["period_label"].astype(str).isin(YEARS) & d["region"].str.endswith("län")]
    d = d.assign(v=pd.to_numeric(d["value_raw"].astype(str).str.replace(r"\s", "", regex=True)))
    return d.pivot_table(index="region", columns="period_label", values="v")


def stats(counts: pd.DataFrame) -> dict[str, float]:
    """Log-change s.d., median |change| and the quasi-Poisson dispersion of a unit x year frame."""
    lc = np.log(counts).diff(axis=1).iloc[:, 1:]
    nat = np.log(counts.sum()).diff().iloc[1:]
    dev = (lc - nat).to_numpy()
    phi = float(np.mean(dev**2 * counts.iloc[:, :-1].to_numpy() / 2))
    return {"sd_log_change": float(lc.stack().std()),
            "median_abs_change": float(np.expm1(lc.abs()).stack().median()), "phi": phi}


def demo_counts(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Demo total-crime counts by län and by kommun (2011-2014) and kommun population."""
    from lofteeval.datasets import demo_panel
    from lofteeval.harmonise.kommuner import kommuner

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = demo_panel(seed=seed)
    t = p[(p["indicator"] == "reported_crimes_total") & p["year"].between(2011, 2014)]
    t = t[["kommun", "year", "n"]].rename(columns={"n": "count"})
    lan = kommuner().set_index("kommun")["lan"].astype(str)
    t = t.assign(lan=t["kommun"].map(lan), year=t["year"].astype(str))
    by_lan = t.groupby(["lan", "year"])["count"].sum().unstack()
    by_kommun = t.pivot(index="kommun", columns="year", values="count")
    pop = p[(p["indicator"] == "population") & (p["year"] == 2014)].set_index("kommun")["value"]
    return by_lan, by_kommun, pop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1] / ".." / "shared"))
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args(argv)
    rows = {"real län (Brå SOL)": stats(real_lan(Path(args.shared)))}
    for seed in range(args.seeds):
        lan, kom, pop = demo_counts(seed)
        big = pop.reindex(kom.index) > 100_000
        rows[f"demo län, seed {seed}"] = stats(lan)
        rows[f"demo kommuner, seed {seed}"] = stats(kom.clip(lower=1))
        rows[f"demo kommuner > 100 000, seed {seed}"] = stats(kom[big])
        rows[f"demo kommuner < 10 000, seed {seed}"] = stats(kom[pop.reindex(kom.index) < 10_000])
    print(pd.DataFrame(rows).T.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
