"""Calibration battery: every design x every null-process variant (issue 13, item 6).

For each variant of :mod:`null_process` and each replicate seed three panels are drawn:

- the **null** (no effect): false-positive rate at 5 % (``p < 0.05``; target 3-7 %) and coverage
  of the truth 0 by the 95 % interval (target 93-97 %);
- an effect of **-30 %** in the treated kommuner: power = share with ``p < 0.05`` and an estimate
  below 0;
- an effect equal to the design's **own reported MDE** on that replicate's null panel (relative
  MDEs as they are, absolute ones divided by the treated kommuner's expected post-period rate):
  power there should be 0.8 (target 0.75-0.85) if the MDE is honest.

A design that refuses a panel (raises a ``lofteeval`` error) is counted as a refusal, not as a
result.  Monte-Carlo standard error of a rate near 5 % is about 2.2 points with 100 replicates,
of a power near 0.8 about 4 points.

Usage (one command regenerates the table in ``docs/calibration.md`` between its markers)::

    nice -n 10 .venv/bin/python benchmarks/battery.py --reps 100 --write-docs

(``--raw FILE`` keeps the per-replicate rows; ``--from-raw FILE --write-docs`` rebuilds the table
from them without re-running.)

Options: ``--variants base,nb5`` and ``--designs did_poisson,synth`` restrict the run,
``--jobs`` sets joblib (loky) workers (default 2), ``--seed`` the first replicate seed;
``--write-docs --merge`` replaces only the rows of the designs and variants run (the other rows,
and the header line, stay as they are: use it for a re-run on the same seeds).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import null_process as npc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"
START, END = "<!-- battery:start -->", "<!-- battery:end -->"

SINGLE = {  # name -> (estimator, keyword arguments)
    "before_after": ("before_after", dict(outcome="count", exposure="population")),
    "its": ("its", dict(outcome="count", exposure="population")),
    "did_poisson": ("did", dict(outcome="count", exposure="population")),
    "did_linear": ("did", dict(outcome="rate")),
    "synth": ("synthetic_control", dict(outcome="count", exposure="population")),
    "sdid": ("synthetic_did", dict(outcome="count", exposure="population")),
}
STAGGERED = {
    "staggered_analytic": ("staggered_did", dict(outcome="count", exposure="population", inference="analytic")),
    "staggered_placebo": ("staggered_did", dict(outcome="count", exposure="population", inference="placebo")),
}
DESIGNS = {**SINGLE, **STAGGERED}


def fit(design: str, df: pd.DataFrame, n_placebo: int = 999) -> dict:
    """Run one design on one panel; returns ``p, lo, hi, est, mde, rel_mde`` or ``error``."""
    from lofteeval import estimators
    from lofteeval.errors import LofteevalError

    fn_name, kwargs = DESIGNS[design]
    fn = getattr(estimators, fn_name)
    if fn_name == "staggered_did":
        kwargs = dict(kwargs, aggregation="dynamic", n_placebo=n_placebo)
        call = dict(unit="kommun", time="year", cohort="cohort", **kwargs)
    else:
        call = dict(unit="kommun", time="year", treated=df.attrs["treated"],
                    treatment_start=df.attrs["treatment_start"], **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = fn(df, **call)
        except LofteevalError as err:
            return {"error": f"{type(err).__name__}: {err}"}
    mde = float(res.mde) if res.mde is not None else np.nan
    rel = mde if res.scale == "relative" else mde / df.attrs["expected_post_rate"]
    return {"p": float(res.p_value), "lo": float(res.ci_low), "hi": float(res.ci_high),
            "est": float(res.estimate), "mde": mde, "rel_mde": rel, "error": ""}


def replicate(variant: str, seed: int, designs: list[str], n_placebo: int = 999) -> list[dict]:
    """All panels of one (variant, seed): null, -30 % and each design's own MDE."""
    proc = {**npc.VARIANTS, **npc.STAGGERED}[variant]
    rows = []
    null = npc.simulate(proc, seed)
    m30 = npc.simulate(proc, seed, effect=-0.3)
    for d in designs:
        r0 = fit(d, null, n_placebo)
        rows.append({"variant": variant, "design": d, "seed": seed, "panel": "null", **r0})
        rows.append({"variant": variant, "design": d, "seed": seed, "panel": "m30",
                     **fit(d, m30, n_placebo)})
        rel = r0.get("rel_mde", np.nan)
        if np.isfinite(rel) and 0 < rel < 1:
            at = npc.simulate(proc, seed, effect=-rel)
            rows.append({"variant": variant, "design": d, "seed": seed, "panel": "mde",
                         **fit(d, at, n_placebo)})
        else:
            rows.append({"variant": variant, "design": d, "seed": seed, "panel": "mde",
                         "error": f"no usable MDE ({rel})"})
    return rows


def null_slice(variant: str, design: str, seeds: range, n_placebo: int = 199) -> pd.DataFrame:
    """Null panels only (the fast slice used by the test suite): rows ``seed, p, lo, hi``."""
    proc = {**npc.VARIANTS, **npc.STAGGERED}[variant]
    return pd.DataFrame([{"seed": s, **fit(design, npc.simulate(proc, s), n_placebo)}
                         for s in seeds])


def designs_for(variant: str, wanted: list[str] | None) -> list[str]:
    """Single-löfte variants get every design; staggered variants the staggered designs."""
    names = list(STAGGERED) if variant in npc.STAGGERED else list(DESIGNS)
    return [d for d in names if wanted is None or d in wanted]


def run(variants: list[str], reps: int, seed0: int = 0, jobs: int = 2,
        designs: list[str] | None = None, n_placebo: int = 999) -> pd.DataFrame:
    """Raw rows of every (variant, seed); joblib (loky) workers when ``jobs > 1``."""
    tasks = [(v, seed0 + r, designs_for(v, designs)) for v in variants for r in range(reps)]
    if jobs == 1:
        out = [replicate(v, s, d, n_placebo) for v, s, d in tasks]
    else:
        from joblib import Parallel, delayed

        out = Parallel(n_jobs=jobs, backend="loky", batch_size=4, verbose=5)(
            delayed(replicate)(v, s, d, n_placebo) for v, s, d in tasks)
    return pd.DataFrame([row for rows in out for row in rows])


def summarise(raw: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """One row per (design, variant): fp, coverage, power at -30 % and at the MDE, refusals."""
    raw = raw.copy()
    for col in ("p", "lo", "hi", "est", "mde", "rel_mde"):  # every replicate refused: no such column came back
        if col not in raw.columns:
            raw[col] = np.nan
    ok = raw["error"].fillna("") == ""
    raw["reject"] = ok & (raw["p"] < alpha)
    raw["covers"] = ok & (raw["lo"] <= 0) & (raw["hi"] >= 0)
    raw["detect"] = raw["reject"] & (raw["est"] < 0)
    raw["ok"] = ok
    rows = []
    for (design, variant), g in raw.groupby(["design", "variant"], sort=False):
        null, m30, mde = (g[g["panel"] == k] for k in ("null", "m30", "mde"))
        n0 = int(null["ok"].sum())
        rows.append({
            "design": design, "variant": variant, "n": n0,
            "refused": int((~null["ok"]).sum()),
            "false_positive": null.loc[null["ok"], "reject"].mean() if n0 else np.nan,
            "coverage": null.loc[null["ok"], "covers"].mean() if n0 else np.nan,
            "power_m30": m30.loc[m30["ok"], "detect"].mean() if m30["ok"].any() else np.nan,
            "median_mde": null.loc[null["ok"], "rel_mde"].median() if n0 else np.nan,
            "power_at_mde": mde.loc[mde["ok"], "detect"].mean() if mde["ok"].any() else np.nan,
            "n_mde": int(mde["ok"].sum()),
        })
    return pd.DataFrame(rows)


def _cell(x: float, lo: float | None, hi: float | None, pct: bool = True) -> str:
    if not np.isfinite(x):
        return "—"
    txt = f"{100 * x:.1f} %" if pct else f"{x:.2f}"
    bad = lo is not None and not (lo <= x <= hi)
    return f"**{txt}** ✗" if bad else txt


def markdown(table: pd.DataFrame, reps: int, seed0: int) -> str:
    """The battery table as Markdown (cells outside their target band in bold with ✗)."""
    labels = {**{k: v.label for k, v in npc.VARIANTS.items()},
              **{k: v.label for k, v in npc.STAGGERED.items()}}
    lines = [f"{reps} replicates per variant (seeds {seed0}–{seed0 + reps - 1}); targets: false "
             "positives 3–7 %, coverage 93–97 %, power at the reported MDE 0.75–0.85 "
             "(power at −30 % and the median MDE, relative to the treated kommun's level, for "
             "information). Bold ✗ = outside the target band. Power at the MDE counts only "
             "replicates whose reported MDE is below 100 % of the level and whose MDE panel the "
             "design accepted (n).", "",
             "| design | variant | n (refused) | false positives | coverage | power −30 % | "
             "median MDE | power at MDE (n) |", "|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(
            f"| {r.design} | {labels.get(r.variant, r.variant)} | {r.n} ({r.refused}) | "
            f"{_cell(r.false_positive, 0.03, 0.07)} | {_cell(r.coverage, 0.93, 0.97)} | "
            f"{_cell(r.power_m30, None, None, pct=False)} | {_cell(r.median_mde, None, None)} | "
            f"{_cell(r.power_at_mde, 0.75, 0.85, pct=False)} ({r.n_mde}) |")
    return "\n".join(lines)


def write_docs(text: str, path: Path = DOC) -> None:
    """Replace the text between the battery markers of ``path`` (atomic rename)."""
    doc = path.read_text(encoding="utf-8")
    if START not in doc or END not in doc:
        raise SystemExit(f"{path.name} lacks the markers {START} / {END}; add them first.")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    from lofteeval.files import write_text

    write_text(path, f"{head}{START}\n{text}\n{END}{tail}")


def merge_rows(old: str, new: str) -> str:
    """The old table text with the rows of ``new`` put in place of the same (design, variant).

    Rows of the old table that ``new`` does not hold are kept as they are (for a re-run of a few
    designs on the same seeds); rows only ``new`` holds are appended.
    """
    def key(line: str) -> tuple[str, str] | None:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        return (cells[0], cells[1]) if line.startswith("| ") and len(cells) > 2 else None

    fresh = {key(line): line for line in new.splitlines() if key(line) and not line.startswith("| design")}
    out = []
    for line in old.splitlines():
        k = key(line)
        out.append(fresh.pop(k) if k in fresh else line)
    return "\n".join([*out, *fresh.values()])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variants", default=",".join([*npc.VARIANTS, *npc.STAGGERED]))
    ap.add_argument("--designs", default=None)
    ap.add_argument("--raw", default=None, help="also write the raw rows to this CSV file")
    ap.add_argument("--from-raw", default=None,
                    help="summarise raw rows written earlier with --raw instead of running")
    ap.add_argument("--write-docs", action="store_true", help="update docs/calibration.md")
    ap.add_argument("--merge", action="store_true",
                    help="with --write-docs: replace only the rows of the designs and variants run")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    designs = args.designs.split(",") if args.designs else None
    if args.from_raw:
        raw = pd.read_csv(args.from_raw, keep_default_na=False, na_values=[""])
        raw["error"] = raw["error"].fillna("")
    else:
        raw = run(args.variants.split(","), args.reps, args.seed, args.jobs, designs)
    if args.raw and not args.from_raw:
        from lofteeval.files import atomic_path

        with atomic_path(args.raw) as tmp:
            raw.to_csv(tmp, index=False)
    table = summarise(raw)
    text = markdown(table, int(raw["seed"].nunique()), int(raw["seed"].min()))
    print(text)
    for (d, v), g in raw[raw["error"].fillna("") != ""].groupby(["design", "variant"]):
        print(f"first refusal, {d} / {v}: {g['error'].iloc[0][:160]}", file=sys.stderr)
    if args.write_docs:
        if args.merge:
            doc = DOC.read_text(encoding="utf-8")
            text = merge_rows(doc.split(START, 1)[1].split(END, 1)[0].strip("\n"), text)
        write_docs(text)
    print(f"(wall time {time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
