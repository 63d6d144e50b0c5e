"""Regenerate the diff-diff reference values of the conformal and HonestDiD options.

Not run by the test suite (which reads the CSV files this writes, so it does not need diff-diff).
Needs the ``bench`` extra (``diff-diff==3.13.0``, ``moderndid`` for R did's mpdta)::

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python benchmarks/diffdiff_reference.py

Writes, in ``tests/reference/``:

- ``diffdiff_conformal_prop99.csv``: California Proposition 99 (``california_prop99.csv``),
  ``SyntheticControl().fit(...)`` then ``results.conformal_test(theta, scheme=..., seed=0)``:
  p-values of constant effects ``theta`` (moving-block and iid, ``q`` = 1, 2, inf), and the ends
  of the set of constant effects with ``p >= 1 - level`` found by scanning and bisecting
  diff-diff's own p-value (lofteeval's convention: reject when ``p < 1 - level``, ``1 - level``
  rounded to 12 decimals; diff-diff rejects when ``p <= alpha``, which differs only at exact
  ties such as 500 of 10 000 permutations).
- ``diffdiff_honest_mpdta.csv``: R did's mpdta, ``CallawaySantAnna(base_period="universal")``
  with never-treated controls and analytic standard errors, ``aggregate="event_study"``, then
  ``HonestDiD(method=..., alpha=...).sensitivity_analysis(results, M_grid=...)``: identified
  sets, robust intervals and breakdown values; and the event-study coefficients and covariance.
- ``diffdiff_event_study_mpdta.csv``: the universal-base event study (coefficients and
  covariance) with not-yet-treated controls, anticipation 0 and 1.

``python benchmarks/diffdiff_reference.py conformal`` (or ``honest``, ``event_study``) writes one.
"""

from __future__ import annotations

import gzip
import importlib.metadata as md
import importlib.util
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REF = Path(__file__).resolve().parents[1] / "tests" / "reference"
THETAS = (0.0, -5.0, -10.0, -19.5, -25.0, -30.0, -60.0, 5.0, 10.0)
SD_GRID = (0.0, 0.0025, 0.005, 0.01, 0.02)
RM_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def _header(what: str, data: str, call: str) -> str:
    return (f"# {what}\n# data: {data}\n# made by benchmarks/diffdiff_reference.py with diff-diff=="
            f"{md.version('diff-diff')}, numpy=={np.__version__}, pandas=={pd.__version__}\n# call: {call}\n")


def _write(path: Path, header: str, frame: pd.DataFrame) -> None:
    from lofteeval.files import atomic_path

    with atomic_path(path) as tmp, tmp.open("w") as fh:
        fh.write(header)
        frame.to_csv(fh, index=False, float_format="%.12g", lineterminator="\n")
    print(path.name, len(frame), "rows")


def _edge(p_of, rejected: float, accepted: float, alpha: float) -> float:
    for _ in range(60):
        mid = 0.5 * (rejected + accepted)
        if p_of(mid) >= alpha:
            accepted = mid
        else:
            rejected = mid
    return accepted


def _conformal_ends(p_of, alpha: float) -> tuple[float, float]:
    """Hull of {theta : p >= alpha} on a 0.5-step scan of [-300, 150], ends bisected."""
    grid = np.arange(-300.0, 150.0 + 1e-9, 0.5)
    ok = np.array([p_of(t) >= alpha for t in grid])
    idx = np.flatnonzero(ok)
    lo = -np.inf if ok[0] else _edge(p_of, grid[idx[0] - 1], grid[idx[0]], alpha)
    hi = np.inf if ok[-1] else _edge(p_of, grid[idx[-1] + 1], grid[idx[-1]], alpha)
    return lo, hi


def conformal() -> None:
    from diff_diff import SyntheticControl

    df = pd.read_csv(REF / "california_prop99.csv", comment="#", sep=";")
    res = SyntheticControl().fit(df, outcome="PacksPerCapita", treatment="treated", unit="State",
                                 time="Year")
    rows = []
    for scheme in ("moving_block", "iid"):
        for q in (1, 2, float("inf")):
            for theta in THETAS if q == 1 else (0.0, -19.5):
                p = float(res.conformal_test(theta, q=q, scheme=scheme, seed=0)["p_value"])
                rows.append(("p_value", scheme, q, theta, np.nan, p))

        def p_of(theta: float, scheme: str = scheme) -> float:
            return float(res.conformal_test(theta, scheme=scheme, seed=0)["p_value"])

        for level in (0.90, 0.95):
            lo, hi = _conformal_ends(p_of, round(1 - level, 12))  # lofteeval's alpha_of
            rows.append(("interval_low", scheme, 1, np.nan, level, lo))
            rows.append(("interval_high", scheme, 1, np.nan, level, hi))
    frame = pd.DataFrame(rows, columns=["quantity", "scheme", "q", "theta", "level", "value"])
    frame.loc[len(frame)] = ("synth_att", "", np.nan, np.nan, np.nan, float(res.att))
    _write(REF / "diffdiff_conformal_prop99.csv",
           _header("Conformal inference (Chernozhukov, Wuthrich & Zhu 2021) for synthetic control",
                   "tests/reference/california_prop99.csv (California from 1989, outcome PacksPerCapita)",
                   "SyntheticControl().fit(df, outcome, treatment, unit, time).conformal_test(theta, q=q, "
                   "scheme=scheme, seed=0); iid = the identity + 9999 draws of default_rng(0)"), frame)


def _mpdta() -> pd.DataFrame:
    spec = importlib.util.find_spec("moderndid")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("moderndid (ships R did's mpdta) is not installed; pip install -e '.[bench]'")
    path = Path(list(spec.submodule_search_locations)[0]) / "core/datasets/mpdta_long.pkl.gz"
    with gzip.open(path, "rb") as fh:
        return pickle.load(fh)


def honest() -> None:
    from diff_diff import CallawaySantAnna, HonestDiD

    cs = CallawaySantAnna(base_period="universal").fit(
        _mpdta(), outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
        aggregate="event_study")
    rows = []
    idx = [int(e) for e in cs.event_study_vcov_index]
    for i, e in enumerate(idx):
        rows.append(("coefficient", "", e, np.nan, np.nan, float(cs.event_study_effects[e]["effect"])))
        for j, f in enumerate(idx):
            rows.append((f"vcov_{f}", "", e, np.nan, np.nan, float(cs.event_study_vcov[i, j])))
    for method, grid in (("relative_magnitude", RM_GRID), ("smoothness", SD_GRID)):
        for level in (0.95, 0.90):
            sa = HonestDiD(method=method, alpha=1 - level).sensitivity_analysis(cs, M_grid=list(grid))
            for m, (lb, ub), (cl, ch) in zip(sa.M_values, sa.bounds, sa.robust_cis):
                for name, val in (("id_low", lb), ("id_high", ub), ("ci_low", cl), ("ci_high", ch)):
                    rows.append((name, method, np.nan, float(m), level, float(val)))
            bd = np.inf if sa.breakdown_M is None else float(sa.breakdown_M)
            rows.append(("breakdown", method, np.nan, np.nan, level, bd))
    frame = pd.DataFrame(rows, columns=["quantity", "restriction", "event_time", "m", "level", "value"])
    _write(REF / "diffdiff_honest_mpdta.csv",
           _header("HonestDiD (Rambachan & Roth 2023) on the Callaway-Sant'Anna event study",
                   "R did's mpdta (moderndid's copy), lemp, cohorts first.treat, never-treated controls",
                   "CallawaySantAnna(base_period='universal').fit(..., aggregate='event_study'); "
                   "HonestDiD(method, alpha=1-level).sensitivity_analysis(results, M_grid=grid); "
                   "l_vec = mean of event times 0..3"), frame)


def event_study() -> None:
    from diff_diff import CallawaySantAnna

    rows = []
    for anticipation in (0, 1):
        cs = CallawaySantAnna(base_period="universal", control_group="not_yet_treated",
                              anticipation=anticipation).fit(
            _mpdta(), outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
            aggregate="event_study")
        idx = [int(e) for e in cs.event_study_vcov_index]
        for i, e in enumerate(idx):
            rows.append((anticipation, "coefficient", e, float(cs.event_study_effects[e]["effect"])))
            rows += [(anticipation, f"vcov_{f}", e, float(cs.event_study_vcov[i, j]))
                     for j, f in enumerate(idx)]
    _write(REF / "diffdiff_event_study_mpdta.csv",
           _header("Universal-base Callaway-Sant'Anna event study, not-yet-treated controls",
                   "R did's mpdta (moderndid's copy), lemp, cohorts first.treat",
                   "CallawaySantAnna(base_period='universal', control_group='not_yet_treated', "
                   "anticipation=a).fit(..., aggregate='event_study')"),
           pd.DataFrame(rows, columns=["anticipation", "quantity", "event_time", "value"]))


if __name__ == "__main__":
    import sys

    warnings.simplefilter("ignore")
    jobs = {"conformal": conformal, "honest": honest, "event_study": event_study}
    for name in sys.argv[1:] or list(jobs):
        jobs[name]()
