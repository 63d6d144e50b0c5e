"""Seconds per report: render registry löften end to end, as a user does (``lofteeval report``).

Each report runs as its own ``lofteeval report ID --demo`` process (kernel start, papermill,
HTML, PDF and XLSX), so the figure is what a strategist waits for.  Machines here are noisy, so
the same run also times a peer baseline: a papermill run of a one-cell notebook in a fresh
process (the fixed cost of any notebook-based report).  The ratio report / baseline is the number
to compare between commits; the target is that it does not grow as the report gains content
(``../shared/TARGETS.md``: gotland-2020 about 9 s on a quiet 2-core machine, always < 30 s).

Usage::

    .venv/bin/python benchmarks/render_reports.py                 # the five seed löften, sv
    .venv/bin/python benchmarks/render_reports.py --lang sv,en --repeat 2
    .venv/bin/python benchmarks/render_reports.py --all           # every registry löfte (slow)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _timed(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise SystemExit(f"{' '.join(cmd)} failed with exit {done.returncode}: {tail[0]}")
    return took


def _baseline(folder: str) -> float:
    """A fresh process running a one-cell notebook through papermill (the fixed cost)."""
    script = (
        "import nbformat, papermill as pm\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1 + 1')])\n"
        "nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}\n"
        "nbformat.write(nb, 'empty.ipynb')\n"
        "pm.execute_notebook('empty.ipynb', 'out.ipynb', kernel_name='python3', progress_bar=False)\n"
    )
    return _timed([sys.executable, "-c", script], folder)


def _ids(all_loften: bool) -> list[str]:
    from lofteeval.registry import NATIONAL_DIR, list_loften

    ids = list(list_loften()["id"])
    # the national entries are generated one file per id (scripts/build_national_registry.py)
    return ids if all_loften else [i for i in ids if not (NATIONAL_DIR / f"{i}.toml").exists()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every registry löfte, not only the seeds")
    parser.add_argument("--lang", default="sv", help="comma-separated languages (sv,en)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per report (median shown)")
    args = parser.parse_args(argv)
    ids = _ids(args.all)
    with tempfile.TemporaryDirectory() as folder:
        base = statistics.median(_baseline(folder) for _ in range(max(1, args.repeat)))
        print(f"baseline (one-cell notebook via papermill, fresh process): {base:5.1f} s")
        print(f"{'löfte':<28} {'lang':<4} {'seconds':>8} {'× baseline':>11}")
        total = []
        for lofte_id in ids:
            for lang in args.lang.split(","):
                runs = [_timed([str(BIN / "lofteeval"), "report", lofte_id, "--demo", "--lang", lang,
                                "--out", str(Path(folder) / "out")], folder)
                        for _ in range(max(1, args.repeat))]
                took = statistics.median(runs)
                total.append(took)
                print(f"{lofte_id:<28} {lang:<4} {took:8.1f} {took / base:11.2f}", flush=True)
        print(f"{len(total)} reports, median {statistics.median(total):.1f} s, "
              f"max {max(total):.1f} s (target < 30 s each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
