"""How often each rule-based warning fires on the demo panel (synthetic data), per design.

Evaluates every measurable indicator of the first ``--n`` registry löften with each design and
counts the results carrying ``LowPowerWarning``, ``ZeroCountsWarning`` and ``PoorPreFitWarning``
(``estimators/_warnings.py``), split into crime indicators (counts with population) and survey
indicators.  An indicator the design cannot estimate (missing from the panel, or refused) is
counted as refused.

Usage::

    nice -n 10 .venv/bin/python benchmarks/warning_rates.py --n 12 --methods before_after,did,synth
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter

KINDS = ("LowPowerWarning", "ZeroCountsWarning", "PoorPreFitWarning")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12, help="first N registry löften (default 12)")
    ap.add_argument("--methods", default="before_after,did,synth", help="comma-separated methods")
    ap.add_argument("--seed", type=int, default=0, help="demo panel seed")
    args = ap.parse_args()

    from lofteeval import registry
    from lofteeval.datasets import demo_panel
    from lofteeval.evaluation import evaluate_areas
    from lofteeval.indicators import FOCUS_AREAS, INDICATORS

    panel = demo_panel(seed=args.seed)
    ids = list(registry.list_loften()["id"])[: args.n]
    print(f"demo panel seed {args.seed} (synthetic), first {len(ids)} registry löften")
    print("| method | kind | results | LowPower | ZeroCounts | PoorPreFit | refused |")
    print("|---|---|---|---|---|---|---|")
    for method in args.methods.split(","):
        tally: dict[str, Counter] = {"crime": Counter(), "survey": Counter()}
        for lid in ids:
            lf = registry.load_lofte(lid)
            areas = [a for a in lf.focus_areas if a in FOCUS_AREAS and FOCUS_AREAS[a].measurable]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got_all = evaluate_areas(panel, lf, areas, method=method, quiet=True)
            refused = {s.id: s for a in got_all.areas for s, _ in got_all.failures.get(a, ())}
            for spec in refused.values():
                tally["crime" if spec.unit == "per_100k" else "survey"]["refused"] += 1
            for r in got_all.results():
                kind = "crime" if INDICATORS[r.indicator].unit == "per_100k" else "survey"
                tally[kind]["n"] += 1
                got = {getattr(c, "kind", None) for c in r.warnings}
                tally[kind].update(k for k in KINDS if k in got)
        for kind, t in tally.items():
            print(f"| {method} | {kind} | {t['n']} | {t['LowPowerWarning']} | {t['ZeroCountsWarning']} | "
                  f"{t['PoorPreFitWarning']} | {t['refused']} |")


if __name__ == "__main__":
    main()
