"""A fast slice of the calibration battery (``benchmarks/battery.py``, ``docs/calibration.md``).

The panels come from the battery's own null process (``benchmarks/null_process.py``: real-sized
kommuner, NB counts, kommun and year effects, AR(1) noise), written independently of
``lofteeval.datasets``.  Each case runs one design on 30 null panels; a calibrated 5 % test
rejects 0-4 of them with probability 0.94 (binomial), and its p-values average about 0.5.  The
seeds are fixed, so the outcome is deterministic; the full run and its Monte-Carlo error are in
the docs.  The analytic staggered test on the same panels is the known-broken case: it must fail
the same bound, which shows the check can fail.  Synthetic control and synthetic DiD see counts
with ``exposure=`` as in the battery, and refuse the mean-3-counts variant.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
battery = pytest.importorskip("battery")

SEEDS = range(900, 930)


def _slice(variant: str, design: str):
    out = battery.null_slice(variant, design, SEEDS, n_placebo=199)
    assert (out["error"] == "").all(), out.loc[out["error"] != "", "error"].iloc[0]
    return out


@pytest.mark.parametrize(("variant", "design"), [
    ("stag1", "staggered_placebo"),   # 4 cohorts of one kommun each
    ("base", "did_poisson"),
    ("base", "synth"),
    ("base", "sdid"),
])
def test_design_holds_its_size_on_independent_null_panels(variant, design):
    out = _slice(variant, design)
    rejected = int((out["p"] < 0.05).sum())
    covered = ((out["lo"] <= 0) & (out["hi"] >= 0)).mean()
    assert rejected <= 4, f"{design} on {variant}: {rejected}/30 false positives"
    assert 0.35 < out["p"].mean() < 0.65  # roughly uniform: not merely conservative
    assert covered >= 26 / 30


def test_analytic_staggered_with_one_kommun_per_cohort_fails_the_same_check():
    out = _slice("stag1", "staggered_analytic")
    assert int((out["p"] < 0.05).sum()) > 4
    assert np.isfinite(out["p"]).all()


@pytest.mark.parametrize("design", ["synth", "sdid"])
def test_synthetic_designs_refuse_the_mean_3_counts_variant(design):
    # given counts (exposure=), they refuse fewer than 10 treated counts a year, as the Poisson DiD does
    out = battery.null_slice("mean3", design, range(900, 905))
    assert out["error"].str.contains(r"counts a year before the start; synthetic (?:control|DiD) needs at "
                                     r"least 10").all(), out["error"].tolist()
