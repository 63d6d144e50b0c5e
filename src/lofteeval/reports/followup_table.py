"""The follow-up table shown in reports: target vs done per activity, with status."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["followup_table", "normalise_followup", "FOLLOWUP_COLUMNS"]

FOLLOWUP_COLUMNS = ["activity", "text", "owner", "focus_area", "target", "done", "status", "deadline", "comment"]


def followup_table(lofte: Any, path: str | None, *, lang: str = "sv") -> pd.DataFrame:
    """Target vs done per activity (columns ``activity, text, owner, focus_area, target, done,
    status, deadline, comment``); without a file every activity is ``ej rapporterat``."""
    if path is not None:
        from ..registry.followup import follow_up

        frame = follow_up(lofte, path)
        return normalise_followup(frame)
    rows = []
    for a in lofte.activities:
        target = "" if a.target is None else f"{a.target} {a.unit or ''}".strip()
        rows.append({"activity": a.id, "text": a.text, "owner": a.owner, "focus_area": a.focus_area or "",
                     "target": target, "done": "", "status": "ej rapporterat",
                     "deadline": "" if a.deadline is None else a.deadline.isoformat(), "comment": ""})
    return pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def normalise_followup(frame: pd.DataFrame) -> pd.DataFrame:
    """``followup.follow_up`` output -> the report's columns (target and unit joined)."""
    rows = []
    for _, r in frame.iterrows():
        target = _cell(r.get("target"))
        rows.append({
            "activity": _cell(r.get("activity_id", r.get("activity"))), "text": _cell(r.get("text")),
            "owner": _cell(r.get("owner")), "focus_area": _cell(r.get("focus_area")),
            "target": f"{target} {_cell(r.get('unit'))}".strip() if target else "",
            "done": _cell(r.get("done")), "status": _cell(r.get("status")),
            "deadline": _cell(r.get("deadline")), "comment": _cell(r.get("comment")),
        })
    return pd.DataFrame(rows, columns=FOLLOWUP_COLUMNS)
