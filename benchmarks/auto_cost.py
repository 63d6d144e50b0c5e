"""What ``method="auto"`` costs over running its chosen design directly (demo panel, synthetic data).

For the first ``--loften`` single-kommun löften of the registry and every crime indicator of
their focus areas, times ``evaluate(method="auto")`` and ``evaluate(method=<the design auto
chose>)`` in the same run (CPU seconds of this process), and prints the totals, their ratio and
how often each design was chosen.  The ratio is the price of the pre-period design rule (issue 13,
item 5): every eligible pooled design fitted once more on the pre-period with a placebo start.

Usage::

    nice -n 10 .venv/bin/python benchmarks/auto_cost.py --loften 6
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections import Counter

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loften", type=int, default=6)
    args = parser.parse_args()

    from lofteeval.datasets import demo_panel
    from lofteeval.errors import LofteevalError
    from lofteeval.evaluation import evaluate
    from lofteeval.indicators import indicators_for
    from lofteeval.registry import list_loften, load_lofte

    panel = demo_panel()
    table = list_loften()
    ids = [i for i, k, c in zip(table["id"], table["kind"], table["kommuner"]) if k == "lofte" and "," not in c]
    pairs = []
    for lid in ids[: args.loften]:
        lf = load_lofte(lid)
        seen = dict.fromkeys(s.id for a in lf.focus_areas for s in indicators_for(a) if s.kind == "crime")
        pairs += [(lf, ind) for ind in seen]
    t_auto = t_direct = 0.0
    chosen: Counter[str] = Counter()
    for lf, ind in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                c0 = time.process_time()
                res = evaluate(panel, lf, ind, method="auto")
                c1 = time.process_time()
                evaluate(panel, lf, ind, method=res.method)
                c2 = time.process_time()
            except (LofteevalError, ValueError):
                continue
        t_auto, t_direct = t_auto + (c1 - c0), t_direct + (c2 - c1)
        chosen[res.method] += 1
    n = sum(chosen.values())
    print(f"{n} löfte x indicator pairs ({args.loften} single-kommun löften, crime indicators, demo panel)")
    print(f"auto:   {t_auto:7.2f} CPU s ({1000 * t_auto / max(n, 1):6.1f} ms a pair)")
    print(f"direct: {t_direct:7.2f} CPU s ({1000 * t_direct / max(n, 1):6.1f} ms a pair)")
    print(f"auto / direct = {t_auto / t_direct:.2f}")
    print("chosen: " + ", ".join(f"{m} {k}" for m, k in chosen.most_common()))


if __name__ == "__main__":
    main()
