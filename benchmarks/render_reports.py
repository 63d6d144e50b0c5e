"""Seconds per report: render registry löften end to end, as a user does (``lofteeval report``).

By default each report runs as its own ``lofteeval report ID --demo`` process (kernel start,
papermill, HTML, PDF and XLSX), so the figure is what a strategist waits for.  Machines here are
noisy, so the same run also times a peer baseline: a papermill run of a one-cell notebook in a
fresh process (the fixed cost of any notebook-based report).  The ratio report / baseline is the
number to compare between commits; the target is that it does not grow as the report gains
content (``../shared/TARGETS.md``: gotland-2020 about 9 s on a quiet 2-core machine, always < 30 s).

Each line also shows the report's CPU seconds (the process and its kernel), which a busy shared
machine inflates far less than wall seconds.

``--baseline-venv PATH`` (a virtual environment of another checkout, e.g. the commit an issue was
filed at) times that checkout's ``lofteeval report`` on the same ids in the same run, alternating
with this checkout's run by run (``--repeat`` pairs), so both see the same load; each line then
shows the CPU and wall seconds of both and the ratios now / baseline.  CPU seconds (the process,
its kernel and their children) are the figure to compare on a shared machine; wall seconds move
with the load.

``--in-process`` renders with :func:`lofteeval.reports.write_report` in worker processes instead
(no kernel; the panel is loaded once per worker; CPU seconds of the report alone): the
quick way to render all 146 registry löften (``--all``) and to find the ones that fail.  A
report that fails is listed with its one-line error and the run exits non-zero; the run never
stops at the first failure.

Usage::

    .venv/bin/python benchmarks/render_reports.py                 # the five seed löften, sv
    .venv/bin/python benchmarks/render_reports.py --lang sv,en --repeat 2
    .venv/bin/python benchmarks/render_reports.py --all --in-process --jobs 2 --lang sv,en
    .venv/bin/python benchmarks/render_reports.py --ids gotland-2020 --repeat 5 --baseline-venv ../base/.venv
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def _children_cpu() -> float:
    """CPU seconds of the finished child processes so far (their own children, e.g. the kernel, included)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(cmd: list[str], cwd: str) -> tuple[float, float, str | None]:
    """Wall and CPU seconds of ``cmd``, and its last output line when it failed (None when it succeeded).

    CPU time moves far less than wall time with the load of a shared machine.
    """
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    error = None if done.returncode == 0 else f"exit {done.returncode}: {_one_line(done.stderr or done.stdout)}"
    return took, _children_cpu() - cpu, error


def _baseline(folder: str) -> float:
    """A fresh process running a one-cell notebook through papermill (the fixed cost)."""
    script = (
        "import nbformat, papermill as pm\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}\n"
        "nbformat.write(nb, 'empty.ipynb')\n"
        "pm.execute_notebook('empty.ipynb', 'out.ipynb', kernel_name='python3', progress_bar=False)\n"
    )
    took, _, error = _timed([sys.executable, "-c", script], folder)
    if error:
        raise SystemExit(f"the baseline notebook failed ({error})")
    return took


def _ids(all_loften: bool, national_only: bool = False) -> list[str]:
    from lofteeval.registry import NATIONAL_DIR, list_loften

    ids = list(list_loften()["id"])
    # the national entries are generated one file per id (scripts/build_national_registry.py)
    national = [i for i in ids if (NATIONAL_DIR / f"{i}.toml").exists()]
    if national_only:
        return national
    return ids if all_loften else [i for i in ids if i not in national]


def _render_in_process(lofte_id: str, lang: str, out: str) -> tuple[float, float, str | None]:
    """``(wall, cpu, error)`` of one :func:`~lofteeval.reports.write_report` call in this process."""
    import warnings

    from lofteeval.reports import write_report

    wall, cpu = time.perf_counter(), time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_report(lofte_id, demo=True, lang=lang, out_dir=out)
        error = None
    except Exception as exc:  # a benchmark lists every failure and goes on
        error = f"{type(exc).__name__}: {_one_line(str(exc))}"
    return time.perf_counter() - wall, time.process_time() - cpu, error


def _in_process(jobs: list[tuple[str, str]], out: str, n_jobs: int) -> Iterator[tuple[str, str, float, float, str | None]]:
    """Render ``jobs`` with ``n_jobs`` worker processes, yielding results as they finish (in order)."""
    from joblib import Parallel, delayed

    run = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1)
    for (lofte_id, lang), (wall, cpu, error) in zip(jobs, run(delayed(_render_in_process)(i, lg, out)
                                                             for i, lg in jobs)):
        yield lofte_id, lang, wall, cpu, error


def _as_user(jobs: list[tuple[str, str]], out: str, repeat: int) -> Iterator[tuple[str, str, float, float, str | None]]:
    """Render ``jobs`` one by one as ``lofteeval report`` processes (median of ``repeat`` runs)."""
    for lofte_id, lang in jobs:
        runs = [_timed(_report_cmd(BIN / "lofteeval", lofte_id, lang, out), out) for _ in range(repeat)]
        error = next((e for _, _, e in runs if e), None)
        yield lofte_id, lang, statistics.median(t for t, _, _ in runs), statistics.median(c for _, c, _ in runs), error


def _report_cmd(lofteeval: Path, lofte_id: str, lang: str, out: str) -> list[str]:
    return [str(lofteeval), "report", lofte_id, "--demo", "--lang", lang, "--out", out]


def _peer(jobs: list[tuple[str, str]], out: str, repeat: int, baseline: Path) -> int:
    """Time this checkout's and ``baseline``'s ``lofteeval report`` alternately; print medians and ratios.

    Each pair of runs starts with the other checkout than the pair before (ABBA…), so a load that
    rises or falls during the run favours neither.
    """
    ours, theirs = BIN / "lofteeval", baseline / "bin" / "lofteeval"
    if not theirs.is_file():
        raise SystemExit(f"--baseline-venv: no {theirs}; pass the folder of a venv with lofteeval installed.")
    print(f"{'löfte':<28} {'lang':<4} {'cpu now':>8} {'cpu base':>8} {'ratio':>6} "
          f"{'wall now':>8} {'wall base':>9} {'ratio':>6}", flush=True)
    failed = 0
    for lofte_id, lang in jobs:
        now: list[tuple[float, float, str | None]] = []
        base: list[tuple[float, float, str | None]] = []
        for k in range(repeat):
            order = [(ours, now), (theirs, base)]
            for exe, runs in (order if k % 2 == 0 else order[::-1]):
                runs.append(_timed(_report_cmd(exe, lofte_id, lang, out), out))
        error = next((e for _, _, e in now + base if e), None)
        wall_n, wall_b = (statistics.median(t for t, _, _ in r) for r in (now, base))
        cpu_n, cpu_b = (statistics.median(c for _, c, _ in r) for r in (now, base))
        print(f"{lofte_id:<28} {lang:<4} {cpu_n:8.2f} {cpu_b:8.2f} {cpu_n / cpu_b:6.2f} "
              f"{wall_n:8.2f} {wall_b:9.2f} {wall_n / wall_b:6.2f}" + (f"  FAILED {error}" if error else ""),
              flush=True)
        failed += error is not None
    print(f"median of {repeat} runs each, alternating; ratio = now / baseline (CPU: process + kernel + children)")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every registry löfte, not only the five seeds")
    parser.add_argument("--national", action="store_true", help="only the national registry entries")
    parser.add_argument("--lang", default="sv", help="comma-separated languages (sv,en)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per report (median shown; as-user mode)")
    parser.add_argument("--in-process", action="store_true",
                        help="write_report in worker processes (no kernel; prints CPU seconds too)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for --in-process")
    parser.add_argument("--ids", default="", help="comma-separated löfte ids (overrides --all/--national)")
    parser.add_argument("--baseline-venv", type=Path, default=None,
                        help="venv of another checkout: time its `lofteeval report` alternately in the same run")
    args = parser.parse_args(argv)
    ids = [i for i in args.ids.split(",") if i] or _ids(args.all, args.national)
    jobs = [(i, lang) for i in ids for lang in args.lang.split(",") if lang]
    if args.baseline_venv is not None:
        with tempfile.TemporaryDirectory() as folder:
            return _peer(jobs, folder, max(1, args.repeat), args.baseline_venv.resolve())
    failures: list[tuple[str, str, str]] = []
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "out")
        Path(out).mkdir()
        base = float("nan")
        if not args.in_process:
            base = statistics.median(_baseline(folder) for _ in range(max(1, args.repeat)))
            print(f"baseline (one-cell notebook via papermill, fresh process): {base:5.1f} s")
        print(f"{'löfte':<36} {'lang':<4} {'seconds':>8} {'cpu s':>6} {'× baseline':>11}", flush=True)
        runs = (_in_process(jobs, out, max(1, args.jobs)) if args.in_process
                else _as_user(jobs, out, max(1, args.repeat)))
        for lofte_id, lang, took, cpu, error in runs:
            walls.append(took)
            ratio = f"{took / base:11.2f}" if base == base else f"{'–':>11}"
            print(f"{lofte_id:<36} {lang:<4} {took:8.1f} {cpu:6.1f} {ratio}" + (f"  FAILED {error}" if error else ""),
                  flush=True)
            if error:
                failures.append((lofte_id, lang, error))
    print(f"{len(walls)} reports, {len(walls) - len(failures)} rendered, {len(failures)} failed; "
          f"median {statistics.median(walls):.1f} s, max {max(walls):.1f} s (target < 30 s each)")
    for lofte_id, lang, error in failures:
        print(f"  failed: {lofte_id} ({lang}): {error}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
