"""Regenerate tests/reference/sdid_prop99.csv (synthetic DiD on California Proposition 99).

Not run by the test suite.  Needs ``pip install synthdid-py==0.1.0`` (a Python port of the R package
synthdid that follows its Frank-Wolfe solver, sparsification and placebo SE), e.g. in
``benchmarks/.venv``:  ``benchmarks/.venv/bin/python tests/reference/make_sdid_prop99.py``.

Rows written:
- ``published_estimate``: Arkhangelsky et al. (2021, AER 111(12), Table 1) report -15.6 (8.4); the
  synthdid README prints ``synthdid_estimate: -15.6038``; synthdid-py reproduces -15.6038.
- ``published_placebo_se``: 8.4 (Table 1), one random draw of B = 200 placebo replications.
- ``fw_placebo_se_all_donors``: the B -> infinity limit of that placebo SE for one treated unit
  (every control as pseudo-treated once, population sd), computed with synthdid-py's solver.
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

import numpy as np
import synthdid as sd
from synthdid.vcov import _weights_for_subset, refit

df = sd.load_california_prop99()
pm = sd.panel_matrices(df, unit="State", time="Year", outcome="PacksPerCapita", treatment="treated")
est = sd.synthdid_estimate(pm.Y, pm.N0, pm.T0)
setup = est.setup
draws = []
for k in range(pm.N0):
    ind = np.array([i for i in range(pm.N0) if i != k] + [k])
    draws.append(float(refit(est, Y=setup.Y[ind], N0=pm.N0 - 1, T0=pm.T0, X=setup.X[ind],
                             weights=_weights_for_subset(est.weights, ind[: pm.N0 - 1]))))
header = (
    "# Synthetic DiD on California Proposition 99 (data: tests/reference/california_prop99.csv).\n"
    "# Made by tests/reference/make_sdid_prop99.py with synthdid-py=="
    f"{md.version('synthdid-py')}, numpy=={np.__version__}.\n"
    "# published_* rows: Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), AER 111(12), Table 1,\n"
    "# and the synthdid R package README (estimate -15.6038).\n"
)
rows = [
    ("published_estimate", -15.6038, "synthdid R README / AER Table 1 (-15.6)"),
    ("published_placebo_se", 8.4, "AER Table 1; one random draw of B=200 placebo replications"),
    ("synthdid_py_estimate", float(est), "synthdid-py Frank-Wolfe + sparsify"),
    ("fw_placebo_se_all_donors", float(np.std(draws, ddof=0)), "synthdid-py; every control pseudo-treated once"),
]
out = Path(__file__).with_name("sdid_prop99.csv")
with out.open("w") as fh:
    fh.write(header)
    fh.write("quantity,value,source\n")
    for name, value, src in rows:
        fh.write(f"{name},{value:.6f},{src}\n")
print(out.read_text())
