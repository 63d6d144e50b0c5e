"""False positives, coverage and power of synthetic control's conformal inference on the battery.

The null processes, variants and summary of ``benchmarks/battery.py`` (``docs/calibration.md``),
with synthetic control run three ways: the default studentised placebo rank test
(``synth``), ``inference="conformal"`` (moving-block, ``synth_conformal``) and
``inference="conformal_iid"`` (``synth_conformal_iid``).  Figures: ``docs/sensitivity.md``::

    nice -n 10 .venv/bin/python benchmarks/conformal_battery.py --reps 40 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import battery  # noqa: E402
import null_process as npc  # noqa: E402

EXTRA = {
    "synth_conformal": ("synthetic_control", dict(outcome="rate", inference="conformal")),
    "synth_conformal_iid": ("synthetic_control", dict(outcome="rate", inference="conformal_iid")),
}


def replicate(variant: str, seed: int, designs: list[str]) -> list[dict]:
    """:func:`battery.replicate` with the conformal designs registered (in every worker)."""
    battery.DESIGNS.update(EXTRA)
    return battery.replicate(variant, seed, designs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variants", default=",".join(npc.VARIANTS))
    ap.add_argument("--designs", default="synth,synth_conformal,synth_conformal_iid")
    ap.add_argument("--raw", default=None, help="also write the raw rows to this CSV file")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    designs = args.designs.split(",")
    tasks = [(v, args.seed + r) for v in args.variants.split(",") for r in range(args.reps)]
    if args.jobs == 1:
        out = [replicate(v, s, designs) for v, s in tasks]
    else:
        from joblib import Parallel, delayed

        out = Parallel(n_jobs=args.jobs, backend="loky", batch_size=2, verbose=5)(
            delayed(replicate)(v, s, designs) for v, s in tasks)
    raw = pd.DataFrame([row for rows in out for row in rows])
    if args.raw:
        from lofteeval.files import atomic_path

        with atomic_path(args.raw) as tmp:
            raw.to_csv(tmp, index=False)
    print(battery.markdown(battery.summarise(raw), args.reps, args.seed))
    print(f"(wall time {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
