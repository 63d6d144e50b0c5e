"""Measure the focus-area classifier on real löfte pages from the national list.

    python scripts/measure_classifier.py [--pages DIR] [--split held_out_3|seen|...|all] [--per-area]
                                         [--drafts]

**Labels.** ``tests/registry/real_pages.csv`` names, for each row of ``loften_national/loften.csv``
whose public page could be read, the page's URL and the row's hand-coded focus areas (closed
vocabulary only; ``other:`` areas have no classifier slot).  The labels are the national list's, not
ours.

**Texts (not in the repository).** The page texts are read from ``$LOFTEEVAL_PAGES`` (default
``.cache/real_pages/`` in the project, git-ignored), one ``<id>.txt`` per row.  They were obtained
from a search service over stored copies of public web pages, queried with the kommun, the word
"medborgarlöfte" and the year or the page title; a result was kept only when its address is the
row's ``source_url`` (or one of them).  That service returns the *beginning* of each stored page,
about 2,000 characters, so long pages are cut short: areas promised further down cannot be found
and count as misses.  The text was saved verbatim (UTF-8) as returned.  Where one address serves
several rows (a kommun page updated year after year), the text is assigned to the row whose start
year it names, and to no row when that is ambiguous.

**Which stored copy counts for a row (round 3, written down before any round-3 text was used).**
``real_pages.csv`` says per row which rule admitted its text (column ``rule``):

- ``A``: the copy's address is one of the row's ``source_url`` addresses (the first listed address
  that has a qualifying copy).  When the address serves only this row, its stored copy counts unless
  it names another period; when it serves several rows (a page updated year after year), only a
  version that names this row's period counts.  A copy that announces several kommuners' löften
  without saying anything of this one's content is not a copy of this löfte.
- ``B``: the same page under a variant of the address (http/https, trailing slash, Polisen's older
  ``/om-polisen/medborgarloften/<kommun>/`` path for the newer ``.../medborgarloften-och-lokal-samverkan/``
  path), naming the row's period.
- ``C``: no qualifying copy at the row's addresses; another page of the same kommun's or Polisen's
  site about this löfte, naming the row's kommun(er) and period.
- Never: a copy that repeats a seen page's promises word for word (it would measure a tuned text
  again: Halmstad 2018, 2019), a version that names no year on an address shared by several rows
  (Trollhättan 2019), or one whose only stored versions name another period (Enköping 2019,
  Motala 2016, Valdemarsvik 2020; Göteborg 2019, whose one stored version is headed 2020).

**Splits, each fixed before its figures were looked at.**

- Round 1 (``round = 1``, the 57 pages first read): a row is ``tune`` when
  ``int(sha256(id).hexdigest(), 16) % 4 == 0``, otherwise ``held_out`` (:func:`split_of`).  The
  classifier was changed looking at ``tune`` pages only, then ``held_out`` was measured once
  (``docs/classifier.md``).  After that measurement the round-1 held-out pages were used for
  tuning too, so their later figures are not held-out figures.
- Round 2 (``round = 2``): every page read after the round-1 measurement is ``held_out_2``.  No
  round-2 page was read when changing the classifier before its one measurement; since then the
  76 pages of rounds 1 and 2 are all "seen" and may be used for tuning.
- Round 3 (``round = 3``): every page found for a row that had no page in rounds 1 and 2 is
  ``held_out_3``, without exception (:func:`expected_split`).  This rule and the labels were
  committed before any round-3 text was used; the classifier was changed looking at the 76 seen
  pages only, then ``held_out_3`` was measured once (``docs/classifier.md``).

**Figures.** Micro-averaged precision and recall over (page, area) pairs, and per area, as a
Markdown table (``docs/classifier.md`` quotes them with the commit they were measured at).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "registry" / "real_pages.csv"
ENV_VAR = "LOFTEEVAL_PAGES"
DEFAULT_PAGES = ROOT / ".cache" / "real_pages"


def split_of(lofte_id: str) -> str:
    """``"tune"`` for about one row in four (by a hash of the id), else ``"held_out"``."""
    return "tune" if int(hashlib.sha256(lofte_id.encode()).hexdigest(), 16) % 4 == 0 else "held_out"


def expected_split(row: dict[str, str]) -> str:
    """The split a row of ``real_pages.csv`` must have, by its ``round`` (see the module docstring)."""
    if row["round"] == "1":
        return split_of(row["id"])
    return {"2": "held_out_2", "3": "held_out_3"}[row["round"]]


def pages_dir(path: str | None = None) -> Path:
    """Where the page texts are cached: ``--pages``, ``$LOFTEEVAL_PAGES`` or ``.cache/real_pages``."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PAGES)


def read_labels(path: Path = LABELS) -> list[dict[str, str]]:
    """Rows of ``real_pages.csv``: ``id, url, labels, split, round, confidence, chars, rule``.

    ``chars`` is the cached text's length, ``rule`` the rule that admitted it (module docstring).
    """
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def measure(rows: list[dict[str, str]], folder: Path) -> tuple[dict[str, Counter], int]:
    """Per-area counts ``tp, fp, fn`` for the rows whose text is cached; also how many had a text."""
    from lofteeval.registry import classify_focus_areas

    counts: dict[str, Counter] = {}
    n = 0
    for row in rows:
        file = folder / f"{row['id']}.txt"
        if not file.is_file():
            continue
        n += 1
        truth = {a for a in row["labels"].split(";") if a}
        found = {h.focus_area for h in classify_focus_areas(file.read_text(encoding="utf-8"))}
        for area in truth | found:
            c = counts.setdefault(area, Counter())
            c["tp" if area in truth and area in found else "fn" if area in truth else "fp"] += 1
    return counts, n


def _pr(c: Counter) -> tuple[float, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
    return p, r


def report(counts: dict[str, Counter], n: int, split: str, per_area: bool) -> str:
    """Markdown: the micro figures, then (optionally) one row per area."""
    total = sum(counts.values(), Counter())
    p, r = _pr(total)
    lines = [(f"split `{split}`: {n} pages, {total['tp'] + total['fn']} labelled areas; "
              f"precision {p:.2f} ({total['tp']}/{total['tp'] + total['fp']}), "
              f"recall {r:.2f} ({total['tp']}/{total['tp'] + total['fn']})")]
    if per_area:
        lines += ["", "| area | labelled | found | correct | precision | recall |", "|---|---|---|---|---|---|"]
        for area, c in sorted(counts.items()):
            ap, ar = _pr(c)
            lines.append(f"| `{area}` | {c['tp'] + c['fn']} | {c['tp'] + c['fp']} | {c['tp']} | "
                         f"{ap:.2f} | {ar:.2f} |".replace("nan", "–"))
    return "\n".join(lines)


def drafts(rows: list[dict[str, str]], folder: Path) -> str:
    """How close ``lofte draft`` gets to the hand-coded registry entry, per page (Markdown summary)."""
    import tomllib

    from lofteeval.registry import draft_lofte
    from lofteeval.registry.draft_context import is_caption
    from lofteeval.registry import load_registry

    registry = load_registry()
    taken = set(registry)
    counts: Counter = Counter()
    for row in rows:
        file = folder / f"{row['id']}.txt"
        if not file.is_file():
            continue
        data = tomllib.loads(draft_lofte(file.read_text(encoding="utf-8"), registry_ids=taken))
        lf = registry[row["id"]]
        counts["pages"] += 1
        counts["kommuner"] += set(data["kommuner"]) == set(lf.kommuner)
        counts["first_year"] += int(str(data["start"])[:4]) == lf.start_year
        counts["kind"] += data["kind"] == "lofte"
        counts["free_id"] += data["id"] not in taken
        counts["title"] += data["title"] != "TODO" and not is_caption(data["title"])  # a heading, never a caption
    n = counts["pages"]
    return "\n".join([f"lofte draft on {n} pages (registry entry as the answer):",
                      *(f"- {k}: {counts[k]}/{n}" for k in ("kommuner", "first_year", "kind", "free_id", "title"))])


def main(argv: list[str] | None = None) -> int:
    """Command line; prints the figures of one split (held out by default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", default=None, help=f"folder of <id>.txt (default ${ENV_VAR})")
    parser.add_argument("--split", choices=["held_out_3", "held_out_2", "held_out", "tune", "seen", "all"],
                        default="held_out_3")
    parser.add_argument("--per-area", action="store_true")
    parser.add_argument("--drafts", action="store_true", help="also compare `lofte draft` with the registry")
    args = parser.parse_args(argv)
    rows = read_labels()
    bad = [r["id"] for r in rows if r["split"] != expected_split(r)]
    if bad:
        raise SystemExit(f"real_pages.csv splits differ from the rule for {bad}")
    chosen = [r for r in rows if args.split == "all" or r["split"] == args.split
              or (args.split == "seen" and r["round"] in ("1", "2"))]
    folder = pages_dir(args.pages)
    counts, n = measure(chosen, folder)
    if n == 0:
        raise SystemExit(f"no page texts in {folder}; see this script's docstring for how they were got")
    print(report(counts, n, args.split, args.per_area))
    if args.drafts:
        print("\n" + drafts(chosen, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
