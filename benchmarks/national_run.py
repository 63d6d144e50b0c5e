"""The whole country on the demo panel, as ``lofteeval national --demo`` runs it (issue 14, item 5:
at most 60 s and 2 GiB on 2 cores), and two peers measured in the same run.

1. **The national run**: every registry löfte × focus area × indicator on ``--jobs`` loky workers,
   the pooled estimate per focus area (in the parent while the workers run), the tables and the
   HTML report (figures on the workers).  Printed: wall seconds per stage, CPU seconds of all
   processes (the honest cost on a shared machine, where wall time also counts waiting for other
   work), CPU per evaluation, and the memory peak — the largest sum of the resident memory of
   this process and all its worker processes, sampled every 0.2 s from ``/proc``.
2. **Peers on a subset** (every ``--every``-th löfte, same options): the same loop in one process
   (``n_jobs=1``: the parallel speed-up), and with the panel pivoted per evaluation as before the
   shared pivot (each evaluation pivots its own indicator: the cost the shared pivot removes).

The load average before and after is printed: the figures are only comparable between runs on
an equally loaded machine.  Usage::

    nice -n 0 .venv/bin/python benchmarks/national_run.py --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
import warnings
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


class TreeMemory:
    """Peak of the summed RSS (MiB) of this process and its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        self.every, self.peak, self._stop = every, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(_rss_mib(p) for p in _tree(os.getpid())))
            self._stop.wait(self.every)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu() -> float:
    """CPU seconds of this process, its live descendants (``/proc``) and its reaped children."""
    tick = os.sysconf("SC_CLK_TCK")
    live = 0.0
    for pid in _tree(os.getpid())[1:]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            live += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime + live


def national(args: argparse.Namespace, panel: object, out: Path) -> dict[str, float]:
    """The run of ``lofteeval national --demo`` (loop + pooled, tables, report), timed by stage."""
    from lofteeval.national import evaluate_national
    from lofteeval.reports.national import write_national_report, write_national_tables

    t0, c0 = time.perf_counter(), time.process_time()
    run = evaluate_national(panel, n_jobs=args.jobs, through=args.through, pooled=True)  # type: ignore[arg-type]
    t1 = time.perf_counter()
    write_national_tables(run.table, run.pooled, out, synthetic=run.synthetic)
    t2, c2 = time.perf_counter(), time.process_time()
    write_national_report(run.table, run.pooled, run.pooled_results, out, synthetic=run.synthetic, n_jobs=args.jobs)
    t3 = time.perf_counter()
    return {"loop": t1 - t0, "tables": t2 - t1, "report": t3 - t2, "loop_cpu": run.info["cpu_seconds"],
            "parent_cpu": c2 - c0, "evaluations": run.info["n_evaluated"], "loften": run.info["n_loften"],
            "pooled": int((run.pooled["status"] == "ok").sum())}


def per_call_pivot(panel: object, ids: list[str], through: int) -> tuple[float, int]:
    """CPU seconds and evaluations of the subset with one pivot per evaluation (no sharing)."""
    import pandas as pd

    from lofteeval.design import PanelPivots
    from lofteeval.errors import LofteevalError
    from lofteeval.evaluation import evaluate
    from lofteeval.indicators import indicators_for
    from lofteeval.national.loop import _areas_of, national_loften

    assert isinstance(panel, pd.DataFrame)
    start, n = time.process_time(), 0
    for lf in national_loften(ids=ids):
        for ind in dict.fromkeys(s.id for a in _areas_of(lf, None) for s in indicators_for(a)):
            sub = panel[panel["indicator"].isin([ind, "population"])]
            sub.attrs = dict(panel.attrs)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    evaluate(sub, lf, ind, pivots=PanelPivots(sub), through=max(through, lf.end_year))
                n += 1
            except (LofteevalError, ValueError):
                pass
    return time.process_time() - start, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--through", type=int, default=2024)
    parser.add_argument("--every", type=int, default=6, help="the peers run every N-th löfte (default 6)")
    args = parser.parse_args()

    from lofteeval.datasets import demo_panel
    from lofteeval.national import evaluate_national, national_loften

    load0 = os.getloadavg()
    cpu0 = _cpu()
    t0 = time.perf_counter()
    panel = demo_panel()
    t_panel = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp, TreeMemory() as mem:
        stages = national(args, panel, Path(tmp))
    wall = t_panel + stages["loop"] + stages["tables"] + stages["report"]
    cpu_all = _cpu() - cpu0  # every process of the run: the parent and the (still running) workers
    load1 = os.getloadavg()
    n_eval = int(stages["evaluations"])
    print("synthetic demo panel (Syntetiska data – endast för demonstration)")
    print(f"löften {stages['loften']:.0f}, evaluations {n_eval}, pooled estimates {stages['pooled']:.0f}, "
          f"jobs {args.jobs}, cores {os.cpu_count()}, load average before {load0[0]:.1f}, after {load1[0]:.1f}")
    print(f"wall: panel {t_panel:.1f} s, loop + pooled {stages['loop']:.1f} s, tables {stages['tables']:.1f} s, "
          f"report {stages['report']:.1f} s, total {wall:.1f} s (target 60 s)")
    print(f"cpu: loop + pooled {stages['loop_cpu']:.1f} s ({1000 * stages['loop_cpu'] / max(n_eval, 1):.0f} ms per "
          f"evaluation, all processes); the whole run (panel, loop, pooled, tables, report) {cpu_all:.1f} s "
          f"in all processes")
    print(f"memory peak (this process + workers, summed): {mem.peak:.0f} MiB (target 2048 MiB)")

    ids = [lf.id for lf in national_loften()][:: args.every]
    start = time.perf_counter()
    serial = evaluate_national(panel, loften=ids, through=args.through, n_jobs=1)
    serial_wall = time.perf_counter() - start
    start = time.perf_counter()
    par = evaluate_national(panel, loften=ids, through=args.through, n_jobs=args.jobs)
    par_wall = time.perf_counter() - start
    same = serial.table.equals(par.table)
    old_cpu, old_n = per_call_pivot(panel, ids, args.through)
    n_sub = serial.info["n_evaluated"]
    print(f"peers on every {args.every}th löfte ({len(ids)} löften, {n_sub} evaluations):")
    print(f"  shared pivot, 1 process: wall {serial_wall:.1f} s, cpu {serial.info['cpu_seconds']:.1f} s "
          f"({1000 * serial.info['cpu_seconds'] / max(n_sub, 1):.0f} ms per evaluation)")
    print(f"  shared pivot, {args.jobs} workers: wall {par_wall:.1f} s ({serial_wall / par_wall:.2f}x the 1-process "
          f"speed), cpu {par.info['cpu_seconds']:.1f} s; table identical to the 1-process run: {same}")
    print(f"  pivot per evaluation (before the shared pivot), 1 process: cpu {old_cpu:.1f} s for {old_n} "
          f"evaluations ({1000 * old_cpu / max(old_n, 1):.0f} ms per evaluation, "
          f"{old_cpu / max(old_n, 1) / (serial.info['cpu_seconds'] / max(n_sub, 1)):.2f}x the shared pivot)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
