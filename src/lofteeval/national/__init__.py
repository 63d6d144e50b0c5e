"""The national run: every registry löfte at once, and one pooled staggered estimate per focus area.

- :func:`evaluate_national` (``loop``): every löfte × focus area × indicator in one tidy table, BH
  within each focus area nationally;
- :func:`pooled_by_area` (``pooled``): Callaway–Sant'Anna per focus area and indicator, cohorts =
  the first year a kommun's löfte names the area.
"""

from .loop import (DETECT_CHANGE, NATIONAL_COLUMNS, NationalRun, add_national_bh, evaluate_national,
                   national_loften)
from .pooled import POOLED_COLUMNS, area_loften, pooled_area, pooled_by_area

__all__ = ["DETECT_CHANGE", "NATIONAL_COLUMNS", "NationalRun", "add_national_bh", "evaluate_national",
           "national_loften", "POOLED_COLUMNS", "area_loften", "pooled_area", "pooled_by_area"]
