"""The whole country on the demo panel: every registry löfte × focus area × indicator, then the
pooled staggered estimate per focus area (issue 14, item 5: at most 60 s and 2 GiB on 2 cores).

Prints the wall time of each stage, the CPU seconds of all processes (the honest cost on a
shared machine, where the wall time also counts waiting for other work), the cost per
evaluation, and the memory peak of this process and of each loky worker.

Usage::

    .venv/bin/python benchmarks/national_run.py --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--through", type=int, default=2024)
    args = parser.parse_args()

    from lofteeval.datasets import demo_panel
    from lofteeval.national import evaluate_national, pooled_by_area

    t0, c0 = time.perf_counter(), time.process_time()
    panel = demo_panel()
    t1 = time.perf_counter()
    run = evaluate_national(panel, n_jobs=args.jobs, through=args.through)
    t2, c2 = time.perf_counter(), time.process_time()
    pooled, _ = pooled_by_area(panel, sorted(set(run.table["focus_area"])))
    t3, c3 = time.perf_counter(), time.process_time()
    n_eval = run.info["n_evaluated"]
    cpu_loop = run.info["cpu_seconds"] + (c2 - c0 if args.jobs > 1 else 0.0)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = run.info["peak_rss_mib"]
    print("synthetic demo panel (Syntetiska data – endast för demonstration)")
    print(f"löften {run.info['n_loften']}, rows {run.info['n_rows']}, evaluations {n_eval}, "
          f"pooled estimates {int((pooled['status'] == 'ok').sum())}, jobs {args.jobs}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"wall: panel {t1 - t0:.1f} s, loop {t2 - t1:.1f} s, pooled {t3 - t2:.1f} s, total {t3 - t0:.1f} s")
    print(f"cpu: loop {cpu_loop:.1f} s ({1000 * cpu_loop / max(n_eval, 1):.0f} ms per evaluation), "
          f"pooled {c3 - c2:.1f} s ({1000 * (c3 - c2) / max(len(pooled), 1):.0f} ms per estimate)")
    print(f"memory peak: this process {parent:.0f} MiB, workers "
          f"{', '.join(f'{v:.0f}' for v in workers.values()) or '-'} MiB; "
          f"sum {parent + sum(workers.values()) if args.jobs > 1 else parent:.0f} MiB")


if __name__ == "__main__":
    main()
