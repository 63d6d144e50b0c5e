"""Vendor SCB's generalised kommun boundaries as a small JSON of rings (run once; needs pyshp).

Reads ``../shared/data/kommun_grannar/Kommun_Sweref99TM.shp`` (SCB Digitala gränser, CC0;
provenance in that folder's PROVENANCE.md; SWEREF 99 TM metres, .dbf in Latin-1) and writes
``src/lofteeval/data/kommun_boundaries.json``: ``{"crs": "EPSG:3006", "unit": "km", "kommuner":
{code: [ring, ...]}}`` with each ring a flat list ``[x0, y0, x1, y1, ...]`` in km rounded to
0.1 km (100 m), consecutive duplicates removed.  The source is already generalised (9 748
vertices for the country), so rounding is the only simplification.  Maps only: not for areas or
point-in-polygon.

Usage::

    pip install "lofteeval[maps]"   # pyshp
    python scripts/vendor_kommun_boundaries.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "lofteeval" / "data" / "kommun_boundaries.json"


def rings(shape) -> list[list[float]]:
    """The shape's rings as flat km lists, rounded to 0.1 km, without repeated points."""
    parts = list(shape.parts) + [len(shape.points)]
    out = []
    for a, b in zip(parts[:-1], parts[1:]):
        flat: list[float] = []
        last = None
        for x, y in shape.points[a:b]:
            pt = (round(x / 1000, 1), round(y / 1000, 1))
            if pt != last:
                flat += pt
                last = pt
        if len(flat) >= 6:
            out.append(flat)
    return out


def main() -> None:
    import shapefile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args()
    src = Path(args.shared) / "data" / "kommun_grannar" / "Kommun_Sweref99TM.shp"
    reader = shapefile.Reader(str(src), encoding="latin-1")
    kommuner = {rec["KnKod"]: rings(shp) for shp, rec in zip(reader.shapes(), reader.records())}
    if len(kommuner) != 290:
        raise SystemExit(f"expected 290 kommuner in {src.name}, got {len(kommuner)}")
    doc = {"source": "SCB Digitala gränser, Kommun_Sweref99TM (generalised), CC0; see data/PROVENANCE.md",
           "crs": "EPSG:3006", "unit": "km", "kommuner": dict(sorted(kommuner.items()))}
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, prefix=".kommun_boundaries.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    os.replace(tmp, OUT)
    print(f"{OUT.relative_to(ROOT)}: {len(kommuner)} kommuner, {OUT.stat().st_size / 1024:.0f} kB")


if __name__ == "__main__":
    main()
