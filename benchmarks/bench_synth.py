"""Synthetic control speed and estimates: lofteeval vs pysyncon 1.7.0 (not a test).

Same problem for both: outcome-only synthetic control on California Proposition 99 (39 states x
1970-2000, data in tests/reference/california_prop99.csv), weights on the simplex minimising the
pre-1989 squared error with a fixed identity V, then full placebo-in-space (every donor treated
in turn, the remaining donors as its pool).  pysyncon scales each predictor row by its sd across
the units in the fit, so it is given ``custom_V = sd^2`` per row, which makes its problem the same
identity-V problem; its solver is scipy SLSQP (``Synth.w_optimize``).  pysyncon is run in one
process, placebo by placebo (its PlaceboTest spawns a process pool; we avoid that overhead for it).

Also times lofteeval alone on a 290 x 15 kommun-like panel (TARGET: full placebo < 2 s).

Run (peers live in benchmarks/.venv, see benchmarks/README.md)::

    benchmarks/.venv/bin/python benchmarks/bench_synth.py --repeat 5
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # same for every tool; threads only add contention here

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lofteeval.estimators.synth import synthetic_control

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "reference" / "california_prop99.csv"


def timed(func, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out  # the least-disturbed run on a shared machine (timeit's advice)


def run_lofteeval(df: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return synthetic_control(df, unit="State", time="Year", outcome="PacksPerCapita",
                                 treated="California", treatment_start=1989, placebo_in_time=False)


def run_pysyncon(df: pd.DataFrame):
    from pysyncon import Synth

    wide = df.pivot(index="Year", columns="State", values="PacksPerCapita")
    pre = wide.index < 1989

    def fit(treated: str, controls: list[str]) -> np.ndarray:
        z = wide[[treated, *controls]]
        x = z[pre]
        synth = Synth()
        synth.fit(X0=x[controls], X1=x[treated], Z0=z[controls], Z1=z[treated],
                  custom_V=x.std(axis=1).to_numpy() ** 2)
        return synth.W

    donors = [c for c in wide.columns if c != "California"]
    w = fit("California", donors)
    effects, pre_rmspe, infeasible = [], [], []
    for d in donors:
        pool = [c for c in donors if c != d]
        wd = fit(d, pool)
        infeasible.append(abs(wd.sum() - 1.0) > 1e-9 or wd.min() < -1e-12)
        gap = wide[d] - wide[pool] @ wd
        effects.append(float(gap[~pre].mean()))
        pre_rmspe.append(float(np.sqrt(np.mean(gap[pre] ** 2))))
    att = float((wide.loc[~pre, "California"] - wide.loc[~pre, donors] @ w).mean())
    return pd.Series(w, index=donors), att, np.array(effects), np.array(pre_rmspe), np.array(infeasible)


def kommun_panel(seed: int = 0, n_units: int = 290, years=range(2010, 2025)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years))
    level = rng.normal(np.log(1000), 0.3, n_units)
    year_fx = np.cumsum(rng.normal(0, 0.04, years.size))
    noise = rng.normal(0, 0.05, (n_units, years.size))
    rate = np.exp(level[:, None] + year_fx[None, :] + noise)
    return pd.DataFrame({"kommun": np.repeat([f"{i:04d}" for i in range(n_units)], years.size),
                         "year": np.tile(years, n_units), "value": rate.ravel()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-repeat", type=int, default=2)
    args = parser.parse_args()
    df = pd.read_csv(DATA, comment="#", sep=";")

    t_ours, res = timed(lambda: run_lofteeval(df), args.repeat)
    print(f"lofteeval synth + {len(res.placebo)} placebos (Prop 99): {1000 * t_ours:.1f} ms (best of {args.repeat})")
    try:
        t_peer, (w_peer, att_peer, eff_peer, pre_peer, infeas) = timed(lambda: run_pysyncon(df), args.peer_repeat)
    except ImportError as exc:
        print(f"pysyncon not available ({exc}); install the peers in benchmarks/.venv")
        w_peer = None
    if w_peer is not None:
        print(f"pysyncon 1.7.0 same problem + placebos:   {1000 * t_peer:.1f} ms (best of {args.peer_repeat}) -> ratio {t_peer / t_ours:.0f}x (TARGET >= 200x)")
        table = pd.DataFrame({"lofteeval": res.weights, "pysyncon": w_peer.reindex(res.weights.index)})
        print("\nweights > 0.001 (either tool):")
        print(table[(table > 1e-3).any(axis=1)].round(5).to_string())
        print(f"\nATT 1989-2000: lofteeval {res.estimate:.4f}  pysyncon {att_peer:.4f}")
        ours_pre = res.placebo["pre_rmspe"].to_numpy()
        worse = pre_peer > ours_pre * (1 + 1e-6) + 1e-9
        better = (ours_pre > pre_peer * (1 + 1e-6) + 1e-9) & ~infeas
        print(f"pysyncon placebo weights off the simplex (|sum - 1| > 1e-9 or w < 0): {infeas.sum()} of {infeas.size}")
        print(f"placebo fits: pysyncon's pre-RMSPE is worse than lofteeval's in {worse.sum()} of {worse.size} "
              f"placebos (better while feasible: {better.sum()}); worst: {pre_peer[worse].max() if worse.any() else 0:.2f} "
              f"vs {ours_pre[worse][np.argmax(pre_peer[worse])] if worse.any() else 0:.2f} packs")
        gap = np.abs(res.placebo["effect"].to_numpy() - eff_peer)
        print(f"placebo effects where both fits agree (pre-RMSPE within 1e-3): max |difference| "
              f"{gap[np.abs(pre_peer - ours_pre) < 1e-3].max():.4f}")
        print(f"lofteeval p-value {res.p_value:.4f}, interval [{res.ci_low:.2f}, {res.ci_high:.2f}]")

    panel = kommun_panel()
    t_big, big = timed(lambda: synthetic_control(panel, unit="kommun", time="year", outcome="value",
                                                 treated="0000", treatment_start=2020), max(1, args.repeat // 2))
    print(f"\nlofteeval synth + {len(big.placebo)} placebos, 290 kommuner x 15 years (simulated): "
          f"{t_big:.2f} s (TARGET < 2 s)")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
