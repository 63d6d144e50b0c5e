"""Coverage of the HonestDiD robust intervals when the restriction holds exactly at its edge.

Draws event studies ``beta_hat ~ N(tau + delta, sigma)`` with ``sigma`` the covariance of the
mpdta event study (``tests/reference/diffdiff_honest_mpdta.csv``), no effect (``tau = 0``) and a
difference in trends ``delta`` on the boundary of the restriction (the worst case the interval
must cover), and counts how often the robust 95 % interval contains the true ``theta = 0``.
Figures: ``docs/sensitivity.md``::

    nice -n 10 .venv/bin/python benchmarks/honest_coverage.py --draws 2000 --sd-draws 400
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lofteeval.inference.honest import robust_interval

REF = Path(__file__).resolve().parents[1] / "tests" / "reference" / "diffdiff_honest_mpdta.csv"
N_PRE = 3


def mpdta_sigma() -> np.ndarray:
    ref = pd.read_csv(REF, comment="#")
    times = ref[ref["quantity"] == "coefficient"]["event_time"].astype(int).tolist()
    return np.array([ref[ref["quantity"] == f"vcov_{e}"].set_index("event_time")["value"].loc[times]
                     for e in times])


def scenarios(se_pre: float) -> dict[str, tuple[str, float, np.ndarray]]:
    """``name -> (restriction, M, delta)`` with ``delta`` on the edge of ``Delta(M)``."""
    c = se_pre  # pre-period change of one standard error a year
    rm_pre = np.array([-3 * c, -2 * c, -c])  # changes c, c, c (into the reference: c)
    return {
        "parallel trends, RM Mbar=1": ("relative_magnitude", 1.0, np.zeros(7)),
        "RM edge, pre slope 1 se/yr, Mbar=1": ("relative_magnitude", 1.0,
                                                np.concatenate([rm_pre, c * np.arange(1, 5)])),
        "RM edge, pre slope 3 se/yr, Mbar=1": ("relative_magnitude", 1.0,
                                                3 * np.concatenate([rm_pre, c * np.arange(1, 5)])),
        "SD edge, M=0.005 (bending)": ("smoothness", 0.005,
                                       np.concatenate([np.zeros(3), 0.005 * np.cumsum(np.arange(1, 5))])),
        "SD, linear trend 1 se/yr, M=0": ("smoothness", 0.0, c * np.arange(-3, 5)[np.arange(8) != 3]),
    }


def coverage(restriction: str, m: float, delta: np.ndarray, sigma: np.ndarray, draws: int,
             seed: int) -> float:
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(sigma)
    hits = 0
    for _ in range(draws):
        beta = delta + chol @ rng.standard_normal(delta.size)
        r = robust_interval(beta, sigma, n_pre=N_PRE, restriction=restriction, m=m)  # type: ignore[arg-type]
        hits += r["ci_low"] <= 0.0 <= r["ci_high"]
    return hits / draws


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--sd-draws", type=int, default=400, help="draws of the (slower) smoothness FLCI")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    sigma = mpdta_sigma()
    se_pre = float(np.sqrt(np.mean(np.diag(sigma)[:N_PRE])))
    print(f"pre-period s.e. {se_pre:.4f}; Monte-Carlo s.e. at 95 % = sqrt(0.0475 / draws)\n")
    print("| scenario | restriction | M | draws | coverage of theta = 0 |\n|---|---|---|---|---|")
    for name, (restriction, m, delta) in scenarios(se_pre).items():
        n = args.draws if restriction == "relative_magnitude" else args.sd_draws
        cov = coverage(restriction, m, delta, sigma, n, args.seed)
        print(f"| {name} | {restriction} | {m:g} | {n} | {100 * cov:.1f} % |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
