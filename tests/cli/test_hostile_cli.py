"""Hostile and broken input through the CLI and the API: no path escapes, no formula injection,
no escape sequences on the terminal, every failure one line with exit 2 (issue 11).

The hostile registry entry (``hostile-2021``) lives in a user folder given by
``$LOFTEEVAL_REGISTRY``; its title, fields and activities hold formulas and ANSI escapes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from lofteeval.cli import main

HOSTILE = textwrap.dedent('''
    id = "hostile-2021"
    kind = "lofte"
    title = "=HYPERLINK(\\"http://evil.example\\",\\"klicka\\") \\u001b[2J\\u001b]0;pwned\\u0007Gotland"
    kommuner = ["0980"]
    lokalpolisomrade = "@SUM(A1:A9)"
    start = 2021-01-01
    end = 2021-12-31
    focus_areas = ["narkotika"]
    notes = "+1+1"
    assumptions = []

    [source]
    document = "-2+3"
    publisher = "=1+1"
    date = 2021-02-22
    url = "https://example.org/x"

    [[activities]]
    id = "a1"
    text = "=cmd|' /C calc'!A0"
    owner = "kommun"
    focus_area = "narkotika"

    [[activities]]
    id = "a2"
    text = "\\u001b[31mröd\\u001b[0m text"
    owner = "polisen"
    target = 3
    unit = "@tillfällen"
    focus_area = "narkotika"
''')
FORMULAS = {"=HYPERLINK", "=cmd|", "@SUM(", "@tillf", "+1+1", "=1+1", "-2+3"}


@pytest.fixture
def hostile_registry(tmp_path, monkeypatch):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "hostile-2021.toml").write_text(HOSTILE, encoding="utf-8")
    monkeypatch.setenv("LOFTEEVAL_REGISTRY", str(folder))
    return folder


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lofteeval: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


# --------------------------------------------------------------------------- 1. ids and paths
@pytest.mark.parametrize("bad_id", ["../../x", "/tmp/abs", "a/b", "..", "Upper-2020", "a b", "x\x1b[2J"])
def test_report_with_a_path_like_id_writes_nothing(bad_id, tmp_path, capsys, hostile_registry):
    out = tmp_path / "out"
    before = {p for p in tmp_path.rglob("*")}
    assert main(["report", bad_id, "--demo", "--direct", "--format", "html", "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "\x1b" not in line
    assert {p for p in tmp_path.rglob("*")} - before <= {out}


@pytest.mark.parametrize("bad_id", ["../../x", "/abs/path", "a/../b"])
def test_report_folder_refuses_a_path_like_id_in_the_api(bad_id, tmp_path):
    from lofteeval.errors import DataError
    from lofteeval.reports import _out_folder

    with pytest.raises(DataError, match="field 'id' must use only lower-case"):
        _out_folder(tmp_path, bad_id)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad_id", ["../../x", "/etc/x", "Gotland 2020"])
def test_user_folder_entry_with_a_path_like_id_is_skipped_with_its_reason(bad_id, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "bad.toml").write_text(HOSTILE.replace('id = "hostile-2021"', f"id = {json.dumps(bad_id)}"),
                                     encoding="utf-8")
    monkeypatch.setenv("LOFTEEVAL_REGISTRY", str(folder))
    assert main(["loften"]) == 0
    captured = capsys.readouterr()
    assert "field 'id' must use only lower-case" in captured.err and bad_id not in captured.out


@pytest.mark.parametrize("bad_id", ["../../x", "/tmp/x", "Skara 2021"])
def test_draft_refuses_a_bad_id(bad_id, tmp_path, capsys):
    text = tmp_path / "lofte.txt"
    text.write_text("Medborgarlöfte 2021 för Skara kommun. Vi lovar att arbeta mot narkotika.", encoding="utf-8")
    assert main(["lofte", "draft", str(text), "--id", bad_id]) == 2
    assert "lofte draft --id: field 'id' must use only lower-case" in _one_error_line(capsys)


def test_report_template_is_the_packaged_one():
    import lofteeval
    from lofteeval.reports import template_path

    assert Path(lofteeval.__file__).parent in template_path().parents


@pytest.mark.slow
def test_report_ignores_a_template_and_a_module_in_the_current_folder(tmp_path, monkeypatch, capsys):
    """A folder holding notebooks/templates/report.py and lofteeval.py: neither runs."""
    marker = tmp_path / "PWNED"
    evil = f"open({str(marker)!r}, 'w').write('x')\n"
    (tmp_path / "notebooks" / "templates").mkdir(parents=True)
    (tmp_path / "notebooks" / "templates" / "report.py").write_text("# %%\n" + evil)
    (tmp_path / "lofteeval.py").write_text(evil + "raise SystemExit('wrong lofteeval')\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "lofteeval"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["report", "skara-2021", "--demo", "--format", "html", "--out", str(tmp_path / "out")]) == 0
    assert not marker.exists()
    assert (tmp_path / "out" / "skara-2021" / "rapport.html").is_file()


# --------------------------------------------------------------------------- 2. spreadsheets and terminals
def _xlsx_cells(path: Path) -> list:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_report_workbook_stores_registry_formulas_as_text(tmp_path, capsys, hostile_registry):
    assert main(["report", "hostile-2021", "--demo", "--direct", "--format", "xlsx", "--out", str(tmp_path)]) == 0
    cells = _xlsx_cells(tmp_path / "hostile-2021" / "resultat.xlsx")
    risky = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky
                         if c.value not in ("-", "+") and not c.value.lstrip("+-").replace(",", "").isdigit())
    assert any(c.value == "=cmd|' /C calc'!A0" for c in cells)  # the text itself is kept


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_followup_template_writes_formulas_as_text(suffix, tmp_path, capsys, hostile_registry):
    out = tmp_path / f"uppfoljning{suffix}"
    assert main(["lofte", "followup-template", "hostile-2021", "--out", str(out)]) == 0
    if suffix == ".csv":
        body = [ln for ln in out.read_text(encoding="utf-8-sig").splitlines() if not ln.startswith("#")]
        cells = [c for ln in body for c in ln.split(";")]
        assert "'=cmd|' /C calc'!A0" in cells and "'@tillfällen" in cells
        assert not [c for c in cells if c and c[0] in "=+@"]
    else:
        cells = _xlsx_cells(out)
        formula = [c for c in cells if c.value.startswith(("=", "@"))]
        assert {c.value for c in formula} == {"=cmd|' /C calc'!A0", "@tillfällen"}
        assert all(c.data_type == "s" and c.quotePrefix for c in formula)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_filled_in_template_reads_back(suffix, tmp_path, capsys, hostile_registry):
    out = tmp_path / f"uppfoljning{suffix}"
    assert main(["lofte", "followup-template", "hostile-2021", "--out", str(out)]) == 0
    assert main(["lofte", "followup", "hostile-2021", str(out)]) == 0
    assert "ej rapporterat" in capsys.readouterr().out


def test_evaluate_out_csv_escapes_text(tmp_path, capsys, hostile_registry):
    out = tmp_path / "res.csv"
    assert main(["evaluate", "hostile-2021", "--demo", "--out", str(out)]) == 0
    frame = pd.read_csv(out, dtype=str, sep=";", encoding="utf-8-sig")
    text = frame.select_dtypes(object).stack()
    assert not text.str.match(r"^[=@]").any() and not text.str.match(r"^\+[^\d]").any()


@pytest.mark.parametrize("argv", [["lofte", "show", "hostile-2021"], ["loften"],
                                  ["evaluate", "hostile-2021", "--demo"]])
def test_terminal_output_has_no_escape_sequences(argv, capsys, hostile_registry):
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "Gotland" in captured.out or "hostile-2021" in captured.out
    for stream in (captured.out, captured.err):
        assert "\x1b" not in stream and "\x07" not in stream


def test_error_lines_are_cleaned_too(capsys):
    assert main(["lofte", "show", "nope-\x1b[2J"]) == 2
    assert "\x1b" not in _one_error_line(capsys)


# --------------------------------------------------------------------------- 3. atomic writes
def test_failed_report_keeps_the_previous_set(tmp_path, capsys, monkeypatch):
    argv = ["report", "skara-2021", "--demo", "--direct", "--format", "html,xlsx", "--out", str(tmp_path)]
    assert main(argv) == 0
    folder = tmp_path / "skara-2021"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    import lofteeval.reports.excel as excel

    def broken(context, path):
        Path(path).write_bytes(b"")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(excel, "write_excel", broken)
    capsys.readouterr()
    assert main(argv) == 2
    line = _one_error_line(capsys)
    assert "No space left on device" in line and "free space" in line
    assert "wrote" not in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_report_says_only_what_it_wrote(tmp_path, capsys):
    assert main(["report", "skara-2021", "--demo", "--direct", "--format", "html", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "rapport.html" in out and "rapport.pdf" not in out and "resultat.xlsx" not in out
    assert sorted(p.name for p in (tmp_path / "skara-2021").iterdir()) == ["rapport.html"]


def test_import_out_is_atomic(tmp_path, capsys, monkeypatch):
    from lofteeval.cli import sources as cli_sources

    out = tmp_path / "tidy.csv"
    out.write_text("previous\n")

    def broken_to_csv(self, path, **kw):
        Path(path).write_text("kommun,year\n0180,")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    frame = pd.DataFrame({"kommun": ["0180"], "year": [2020]})
    with pytest.raises(KeyboardInterrupt):
        cli_sources.write_tidy(frame, out)
    assert out.read_text() == "previous\n" and sorted(p.name for p in tmp_path.iterdir()) == ["tidy.csv"]


def test_import_out_refuses_a_folder(tmp_path):
    from lofteeval.cli.sources import write_tidy
    from lofteeval.errors import DataError

    with pytest.raises(DataError, match=r"--out .*i.csv' is a folder; pass a file name"):
        write_tidy(pd.DataFrame({"a": [1]}), _dir(tmp_path / "i.csv"))


def test_workbook_text_loses_control_characters(tmp_path, capsys, hostile_registry):
    out = tmp_path / "u.xlsx"
    assert main(["lofte", "followup-template", "hostile-2021", "--out", str(out)]) == 0
    values = [c.value for c in _xlsx_cells(out)]
    assert "röd text" in values and not any("\x1b" in v for v in values)


# --------------------------------------------------------------------------- 4. one line, exit 2
@pytest.fixture
def demo_csv(tmp_path, capsys):
    path = tmp_path / "demo.csv"
    assert main(["panel", "--demo", "--out", str(path)]) == 0
    capsys.readouterr()
    return path


def _bad_inputs(tmp_path: Path, demo_csv: Path) -> dict[str, tuple[list[str], str]]:
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"not parquet at all")
    binary_csv = tmp_path / "binary.csv"
    binary_csv.write_bytes(b"kommun,year\n\xff\xfe\x00\x81")
    truncated = tmp_path / "truncated.csv"
    truncated.write_text("".join(demo_csv.read_text().splitlines(keepends=True)[:50]))
    (tmp_path / "truncated.csv.meta.json").write_text(json.dumps({"attrs": {}, "rows": 999}))
    badmeta = tmp_path / "badmeta.csv"
    badmeta.write_text(demo_csv.read_text())
    (tmp_path / "badmeta.csv.meta.json").write_text("{not json")
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    fu_byte = tmp_path / "fu_byte.csv"
    fu_byte.write_bytes(b"activity_id;done\nkommun-1\x81\x8d;3\n")
    fu_quote = tmp_path / "fu_quote.csv"
    fu_quote.write_text('activity_id;done\n"kommun-1;3\n')
    fu_xlsx = tmp_path / "fu.xlsx"
    fu_xlsx.write_text("this is no workbook")
    return {
        "corrupt parquet panel": (["panel", "--from", str(fake), "--out", str(tmp_path / "p.csv")],
                                  "is not a readable Parquet panel"),
        "corrupt csv panel": (["evaluate", "skara-2021", "--panel", str(binary_csv)], "binary.csv"),
        "truncated csv panel": (["panel", "--from", str(truncated), "--out", str(tmp_path / "p.csv")],
                                "records 999"),
        "corrupt sidecar": (["evaluate", "skara-2021", "--panel", str(badmeta)], "is not valid JSON"),
        "folder as panel --out": (["panel", "--demo", "--out", str(tmp_path)], "save_panel writes .parquet or .csv"),
        "folder as panel --out.csv": (["panel", "--demo", "--out", str(_dir(tmp_path / "d.csv"))], "is a folder"),
        "out under a file": (["panel", "--demo", "--out", str(afile / "sub" / "p.csv")], "afile.txt"),
        "evaluate out is a folder": (["evaluate", "skara-2021", "--demo", "--out", str(_dir(tmp_path / "e.csv"))],
                                     "is a folder"),
        "template out is a folder": (["lofte", "followup-template", "skara-2021", "--out",
                                      str(_dir(tmp_path / "t.csv"))], "is a folder"),
        "report out is a file": (["report", "skara-2021", "--demo", "--direct", "--out", str(afile)], "is a file"),
        "followup bad byte": (["lofte", "followup", "skara-2021", str(fu_byte)], "neither UTF-8 nor cp1252"),
        "followup unbalanced quote": (["lofte", "followup", "skara-2021", str(fu_quote)], "unbalanced quote"),
        "followup fake xlsx": (["lofte", "followup", "skara-2021", str(fu_xlsx)], "not a readable .xlsx"),
        "evaluate indicator outside the löfte": (["evaluate", "gotland-2020", "--demo", "--indicator",
                                                  "reported_fraud"], "is not measured in the focus areas"),
        "missing panel file": (["evaluate", "skara-2021", "--panel", str(tmp_path / "none.parquet")],
                               "does not exist"),
    }


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


CASES = ["corrupt parquet panel", "corrupt csv panel", "truncated csv panel", "corrupt sidecar",
         "folder as panel --out", "folder as panel --out.csv", "out under a file",
         "evaluate out is a folder", "template out is a folder", "report out is a file", "followup bad byte",
         "followup unbalanced quote", "followup fake xlsx", "evaluate indicator outside the löfte",
         "missing panel file"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_with_exit_2(case, tmp_path, demo_csv, capsys):
    argv, expected = _bad_inputs(tmp_path, demo_csv)[case]
    assert main(argv) == 2
    assert expected in _one_error_line(capsys)


def test_corrupt_cache_provenance_is_one_fetch_error(tmp_path):
    from lofteeval.errors import FetchError
    from lofteeval.sources._cache import read_provenance

    data = tmp_path / "kolada.json"
    data.write_text("{}")
    Path(f"{data}.provenance.json").write_text("{broken")
    with pytest.raises(FetchError, match=r"provenance record .* is unreadable .*download again"):
        read_provenance(data)
    Path(f"{data}.provenance.json").write_text("[1, 2]")
    with pytest.raises(FetchError, match="must be a JSON object"):
        read_provenance(data)


def test_unexpected_failure_is_one_line_and_debug_shows_the_traceback(capsys, monkeypatch):
    from lofteeval.cli import registry as cli_registry

    def boom(args):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(cli_registry, "_cmd_list", boom)
    assert main(["loften"]) == 2
    line = _one_error_line(capsys)
    assert "RuntimeError: something inside broke" in line and "--debug" in line
    with pytest.raises(RuntimeError, match="something inside broke"):
        main(["--debug", "loften"])


def test_full_hint_after_a_semicolon_is_kept(capsys):
    assert main(["evaluate", "skara-2021", "--demo", "--level", "2"]) == 2
    assert "e.g. --level 0.95" in _one_error_line(capsys)


@pytest.mark.parametrize("argv", [["lofte", "show", "gotland-2020"], ["loften"]])
def test_output_piped_into_head_ends_quietly(argv):
    code = "import sys; from lofteeval.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, *argv]
    proc = subprocess.run(" ".join(f"'{a}'" for a in cmd) + " | head -1", shell=True, capture_output=True,
                          text=True, timeout=120, executable="/bin/bash")
    assert proc.stderr == "" and len(proc.stdout.splitlines()) == 1


@pytest.mark.parametrize("field, value", [("title", "5"), ("lokalpolisomrade", "7"), ("notes", "[1, 2]"),
                                          ("title", "2021-01-01")])
def test_wrong_typed_registry_text_fields_are_refused(field, value, tmp_path, monkeypatch, capsys):
    import re

    folder = tmp_path / "registry"
    folder.mkdir()
    text = re.sub(rf"(?m)^{field} = .*$", f"{field} = {value}", HOSTILE)
    (folder / "typed.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LOFTEEVAL_REGISTRY", str(folder))
    assert main(["lofte", "show", "hostile-2021"]) == 2
    captured = capsys.readouterr()
    assert f"field '{field}' must be a text in quotes" in captured.err
