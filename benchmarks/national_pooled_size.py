"""Size of the pooled national estimate on null panels: the real cohort structure, no effect.

For each seed the demo panel is drawn **without** injected effects
(``datasets._demo_panel(seed, inject=False)``) and :func:`lofteeval.national.pooled_area` is run
for one focus area and indicator with the registry's cohorts (default ``inbrott`` /
residential burglary: 16 kommuner in 8 cohorts, the placebo-cohort test).  Prints the share of
p < 0.05 (the size; target 5 %, Monte-Carlo s.e. about 2.2 points at 100 seeds) and the
coverage of 0 by the 95 % interval.

Usage::

    .venv/bin/python benchmarks/national_pooled_size.py --reps 100 --jobs 2
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def one(seed: int, area: str, indicator: str) -> tuple[float, float, float, str]:
    """p-value, interval and inference of one null replicate."""
    from lofteeval import datasets
    from lofteeval.national import pooled_area

    panel = datasets._demo_panel(seed, years=range(2010, 2025), inject=False)
    row, _ = pooled_area(panel, area, indicator)
    return row.get("p_value", float("nan")), row.get("ci_low", float("nan")), row.get("ci_high", float("nan")), \
        str(row.get("inference", row.get("reason")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--area", default="inbrott")
    parser.add_argument("--indicator", default="reported_residential_burglary")
    args = parser.parse_args()
    from joblib import Parallel, delayed

    out = Parallel(n_jobs=args.jobs, backend="loky")(
        delayed(one)(args.seed + i, args.area, args.indicator) for i in range(args.reps))
    ok = [(p, lo, hi) for p, lo, hi, _ in out if p == p]
    size = sum(p < 0.05 for p, _, _ in ok) / len(ok)
    cover = sum(lo <= 0 <= hi for _, lo, hi in ok) / len(ok)
    se = (size * (1 - size) / len(ok)) ** 0.5
    print(f"synthetic null panels (no injected effects), {args.area} / {args.indicator}, "
          f"inference {sorted({i for *_, i in out})}")
    print(f"{len(ok)} of {args.reps} replicates estimated; size (p < 0.05) {100 * size:.1f} % "
          f"(MC s.e. {100 * se:.1f}); coverage of 0 by the 95 % interval {100 * cover:.1f} %")


if __name__ == "__main__":
    main()
