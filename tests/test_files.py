"""The one atomic writer and the safe-text helpers (``lofteeval.files``), with a kill and a concurrency test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.files import (atomic_group, atomic_path, inside, protect_sheet, spreadsheet_frame,
                             spreadsheet_text, terminal_text, write_text)

FORMULAS = ["=1+1", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "=cmd|' /C calc'!A0",
            '=HYPERLINK("http://evil.example","klicka")']
SAFE = ["-3", "+2,5", "-1.5e3", "12 %", "-", "+", "abc", "Gotland – narkotika", ""]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_escaped_with_an_apostrophe(text):
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("value", [*SAFE, 5, 2.5, None])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert spreadsheet_text(value) == value


def test_frame_escapes_text_columns_and_keeps_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "ok"], "value": [-3.0, 2.0], "=col": ["a", "b"]})
    out = spreadsheet_frame(frame)
    assert list(out["text"]) == ["'=1+1", "ok"] and out["value"].tolist() == [-3.0, 2.0]
    assert list(out.columns) == ["text", "value", "'=col"]
    assert frame["text"].iloc[0] == "=1+1"  # input not mutated


@pytest.mark.parametrize("raw, clean", [
    ("a\x1b[31mred\x1b[0m", "ared"),
    ("\x1b[2Jcleared", "cleared"),
    ("\x1b]0;window title\x07after", "after"),
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("\x9b31mC1 CSI", "31mC1 CSI"),
    ("nul\x00bell\x07bs\x08del\x7f", "nulbellbsdel"),
    ("cr\rover", "crover"),
    ("keeps\nnewline\tand tab", "keeps\nnewline\tand tab"),
    ("Malung-Sälen – åäö ÅÄÖ", "Malung-Sälen – åäö ÅÄÖ"),
])
def test_terminal_text_removes_escapes_and_controls(raw, clean):
    assert terminal_text(raw) == clean


@pytest.mark.parametrize("part", ["../../x", "../x", "a/../../b", "/etc/passwd"])
def test_inside_refuses_paths_leaving_the_base(tmp_path, part):
    with pytest.raises(DataError, match="must stay inside"):
        inside(tmp_path / "out", part)


def test_inside_refuses_a_link_leading_out(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(DataError, match="must stay inside"):
        inside(tmp_path / "out", "link/x")
    assert inside(tmp_path / "out", "gotland-2020") == (tmp_path / "out" / "gotland-2020").resolve()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part") or ".part." in p.name)


def test_failed_write_keeps_the_previous_file_and_no_temporary(tmp_path):
    target = write_text(tmp_path / "a.csv", "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old\n" and _leftovers(tmp_path) == []


def test_failed_first_write_leaves_no_file(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "sub" / "new.parquet") as tmp:
        tmp.write_bytes(b"PAR1")
        raise RuntimeError("killed")
    assert not (tmp_path / "sub" / "new.parquet").exists() and _leftovers(tmp_path / "sub") == []


def test_group_failure_in_the_last_writer_keeps_the_whole_previous_set(tmp_path):
    paths = {"html": tmp_path / "rapport.html", "pdf": tmp_path / "rapport.pdf"}
    for p in paths.values():
        p.write_text(f"previous {p.suffix}")
    with pytest.raises(ValueError), atomic_group(paths) as tmp:
        tmp["html"].write_text("new html")
        raise ValueError("pdf failed")
    assert [p.read_text() for p in paths.values()] == ["previous .html", "previous .pdf"]
    assert _leftovers(tmp_path) == []


def test_written_file_has_normal_permissions(tmp_path):
    path = write_text(tmp_path / "x.txt", "x")
    assert path.stat().st_mode & 0o644 == 0o644  # mkstemp's 0600 is not left on the final file


def test_protect_sheet_keeps_the_text_and_stores_it_as_text(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = "=1+1", -3, "ok"
    assert protect_sheet(ws) == 1
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert back["A1"].value == "=1+1" and back["A1"].data_type == "s" and back["A1"].quotePrefix
    assert back["A2"].value == -3 and back["A2"].data_type == "n"


_SLOW_WRITER = textwrap.dedent("""
    import sys, time
    from lofteeval.files import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        with open(tmp, "w") as fh:
            fh.write("kommun,year\\n" + "0180,2020\\n" * 1000)
            fh.flush()
            print("half", flush=True)
            time.sleep(60)
            fh.write("the rest\\n")
""")


def test_killed_writer_leaves_the_previous_file(tmp_path):
    target = write_text(tmp_path / "panel.csv", "previous complete file\n")
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "half"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert target.read_text() == "previous complete file\n"
    # the half-written bytes sit under a hidden temporary name, never under the final one
    assert all(p.name.startswith(".panel.csv.") for p in tmp_path.iterdir() if p != target)


_PANEL_WRITER = textwrap.dedent("""
    import sys
    from lofteeval.datasets import demo_panel
    from lofteeval.harmonise.panel import save_panel
    panel = demo_panel(seed=int(sys.argv[2]))
    panel = panel[panel["kommun"].isin(["0180", "0980", "1495"])]
    for _ in range(5):
        save_panel(panel, sys.argv[1])
""")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_concurrent_panel_writers_both_leave_a_valid_file(tmp_path, suffix):
    from lofteeval.harmonise.panel import load_panel

    target = tmp_path / f"panel{suffix}"
    procs = [subprocess.Popen([sys.executable, "-c", _PANEL_WRITER, str(target), str(seed)],
                              stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    errors = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    panel = load_panel(target)
    assert set(panel["kommun"]) == {"0180", "0980", "1495"} and panel.attrs.get("synthetic") is True
    assert _leftovers(tmp_path) == []


def test_a_half_written_panel_is_refused_by_its_row_count(tmp_path):
    from lofteeval.datasets import demo_panel
    from lofteeval.harmonise.panel import load_panel, save_panel

    path = save_panel(demo_panel(seed=0).head(200), tmp_path / "panel.csv")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:120]))  # what a non-atomic writer killed mid-way would leave
    with pytest.raises(DataError, match=r"has 119 rows but its sidecar .* records 200"):
        load_panel(path)

