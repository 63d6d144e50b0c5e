"""Every notebook executes on the demo panel: the report template (two parameter sets) and the tutorials.

The jupytext percent ``.py`` files are the source of truth; each test converts one to a notebook in
a temporary folder and runs it with papermill (the same path ``lofteeval report`` takes).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest

jupytext = pytest.importorskip("jupytext")
pm = pytest.importorskip("papermill")

from lofteeval.reports import render_report, template_path, write_report  # noqa: E402
from lofteeval.reports.excel import SHEETS, header_row  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "notebooks" / "tutorials").glob("[0-9]*.py"))


def _to_ipynb(py: Path, folder: Path) -> Path:
    nb = jupytext.read(py)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    out = folder / (py.stem + ".ipynb")
    jupytext.write(nb, out)
    return out


def test_template_parameters_match_render_report(tmp_path):
    params = pm.inspect_notebook(str(_to_ipynb(template_path(), tmp_path)))
    names = set(params)
    assert names == set(inspect.signature(render_report).parameters)
    assert names == set(inspect.signature(write_report).parameters)
    defaults = {k: v["default"] for k, v in params.items()}
    assert defaults["lang"].strip("'\"") == "sv" and float(defaults["level"]) == 0.95


def test_template_body_is_library_calls_only():
    body = template_path().read_text(encoding="utf-8")
    for forbidden in ("\ndef ", "\nfor ", "\nwhile ", "\nclass ", ".merge("):
        assert forbidden not in body, forbidden


def test_template_english_second_parameter_set(tmp_path):
    written = render_report("skara-2021", demo=True, out_dir=str(tmp_path), lang="en", formats="html,xlsx",
                            level=0.9)
    assert written["html"].name == "report.html" and written["xlsx"].name == "results.xlsx"
    html = written["html"].read_text(encoding="utf-8")
    assert "Synthetic data – for demonstration only" in html and "90 % CI" not in html
    assert "1 Summary" in html and "90%" in html
    book = pd.read_excel(written["xlsx"], sheet_name=None, header=header_row(True))
    assert list(book) == list(SHEETS["en"])
    assert (book["Results"]["Confidence level"] == 0.9).all()
    assert written["ipynb"].is_file()  # the executed notebook sits next to the report


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_executes(path, tmp_path):
    nb = _to_ipynb(path, tmp_path)
    pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(path.parent))
    shown = [str(out.get("data", {}).get("text/plain", "")) + str(out.get("text", ""))
             for cell in jupytext.read(tmp_path / "out.ipynb").cells if cell.cell_type == "code"
             for out in cell.get("outputs", []) if out.get("output_type") == "execute_result"]
    reprs = [s.splitlines()[0] for s in shown if s.lstrip().startswith(("<Axes", "<Figure", "<matplotlib"))]
    assert not reprs, f"{path.name} prints object reprs instead of results: {reprs[:3]}"


@pytest.mark.parametrize("root", [".", "notebooks", "notebooks/tutorials"])
def test_jupytext_config_is_where_jupyter_reads_it(root):
    """JupyterLab started in the project, in notebooks/ or in notebooks/tutorials/ (what the README
    says) opens a tutorial as a paired notebook: jupytext's own contents manager finds the config.
    It looks only inside the server's root and ignores hidden files, so a ``.jupytext.toml`` or a
    config above ``notebooks/tutorials`` would be missed."""
    from jupytext.sync_contentsmanager import TextFileContentsManager

    manager = TextFileContentsManager(root_dir=str(ROOT / root))
    rel = (ROOT / "notebooks/tutorials/01_quickstart.py").relative_to(ROOT / root).as_posix()
    formats = manager.get_config(rel).formats
    assert "ipynb,py:percent" in (formats if isinstance(formats, list) else [formats])
    model = manager.get(rel)
    assert model["type"] == "notebook" and len(model["content"]["cells"]) > 5
    assert not list(ROOT.glob("notebooks/**/.jupytext.toml"))


def test_five_tutorials_exist():
    assert [p.stem[:2] for p in TUTORIALS] == ["01", "02", "03", "04", "05"]
