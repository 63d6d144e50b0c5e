"""Benchmark: Callaway & Sant'Anna on R did's mpdta, lofteeval vs csdid 0.4.3 and differences.

Same problem for every tool: outcome ``lemp``, cohorts ``first.treat``, never-treated (and, as a
cross-check without an R reference, not-yet-treated) controls, no covariates, varying base period,
analytic standard errors (no bootstrap).  Timed in one run, on one machine; the script prints
ratios (peer time / lofteeval time) and the estimates side by side.  TARGET: >= 2x faster than
csdid 0.4.3.

Run (peers live in their own venv, see benchmarks/README.md)::

    python3 -m venv benchmarks/.venv
    benchmarks/.venv/bin/pip install -e . csdid==0.4.3 differences moderndid==0.2.0
    benchmarks/.venv/bin/python benchmarks/bench_staggered.py [--repeat 7]

mpdta is read from the copy shipped in the PyPI package ``moderndid``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import io
import pickle
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from lofteeval.estimators.staggered import staggered_did

AGGS = ["simple", "group", "dynamic", "calendar"]
CSDID_AGG = {"simple": "simple", "group": "group", "dynamic": "dynamic", "calendar": "calendar"}
DIFF_AGG = {"simple": "simple", "group": "cohort", "dynamic": "event", "calendar": "time"}
CONTROL = {"never_treated": ("nevertreated", "never_treated"),
           "not_yet_treated": ("notyettreated", "not_yet_treated")}
R_DID = {"simple": -0.0399512752, "group": -0.0310182822, "dynamic": -0.0772398215,
         "calendar": -0.0417004321}


def load_mpdta() -> pd.DataFrame:
    spec = importlib.util.find_spec("moderndid")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("moderndid (ships mpdta) is not installed in this venv; see the top.")
    path = Path(list(spec.submodule_search_locations)[0]) / "core/datasets/mpdta_long.pkl.gz"
    with gzip.open(path, "rb") as fh:
        return pickle.load(fh)


def timed(fn: Callable[[], dict[str, tuple[float, float]]], repeat: int) -> tuple[float, dict]:
    """Median wall time over ``repeat`` runs (after one warm-up) and the last output."""
    out = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def ours(data: pd.DataFrame, control: str, aggs: list[str]) -> dict[str, tuple[float, float]]:
    res = {}
    for agg in aggs:
        r = staggered_did(data, unit="countyreal", time="year", outcome="lemp",
                          cohort="first.treat", control_group=control, aggregation=agg)
        res[agg] = (r.estimate, r.diagnostics["se"])
    return res


def csdid_run(data: pd.DataFrame, control: str, aggs: list[str]) -> dict[str, tuple[float, float]]:
    from csdid.att_gt import ATTgt

    res = {}
    with contextlib.redirect_stdout(io.StringIO()):
        fit = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                    xformla="lemp~1", data=data, control_group=CONTROL[control][0]
                    ).fit(est_method="reg", bstrap=False)
        for agg in aggs:
            out = fit.aggte(typec=CSDID_AGG[agg], bstrap=False).atte
            res[agg] = (float(out["overall_att"]), float(out["overall_se"]))
    return res


def differences_run(data: pd.DataFrame, control: str,
                    aggs: list[str]) -> dict[str, tuple[float, float]]:
    from differences import ATTgt

    frame = data.assign(cohort=data["first.treat"].where(data["first.treat"] > 0))
    model = ATTgt(data=frame.set_index(["countyreal", "year"]), cohort_column="cohort")
    model.fit(formula="lemp", est_method="reg", control_group=CONTROL[control][1],
              progress_bar=False)
    res = {}
    for agg in aggs:
        out = model.aggregate(DIFF_AGG[agg], overall=True)
        res[agg] = (float(out.iloc[0, 0]), float(out.iloc[0, 1]))
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    data = load_mpdta()
    tools = {"lofteeval": ours, "csdid 0.4.3": csdid_run, "differences": differences_run}
    for control in CONTROL:
        for label, aggs in (("simple only", ["simple"]), ("all four aggregations", AGGS)):
            print(f"\n== mpdta, {control}, {label} (median of {args.repeat} runs) ==")
            results = {}
            for name, fn in tools.items():
                try:
                    results[name] = timed(lambda fn=fn, c=control, a=aggs: fn(data, c, a),
                                          args.repeat)
                except Exception as exc:  # a peer that breaks is reported, not fatal
                    print(f"  {name}: failed ({type(exc).__name__}: {exc})")
            base = results["lofteeval"][0]
            for name, (sec, _) in results.items():
                ratio = ("" if name == "lofteeval"
                         else f"  ratio {sec / base:7.1f}x slower than lofteeval")
                print(f"  {name:<14} {1e3 * sec:9.2f} ms{ratio}")
            if label.startswith("all"):
                header = "  aggregation  " + "".join(f"{n:>28}" for n in results)
                print(header + ("" if control != "never_treated" else f"{'R did':>16}"))
                for agg in aggs:
                    cells = "".join(f"{est:>16.10f} ({se:.6f})" for est, se in
                                    (results[n][1][agg] for n in results))
                    ref = f"{R_DID[agg]:>16.10f}" if control == "never_treated" else ""
                    print(f"  {agg:<12} {cells}{ref}")


if __name__ == "__main__":
    main()
