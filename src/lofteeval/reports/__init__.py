"""Evaluation reports: HTML + PDF (Swedish by default, English on request) and an Excel workbook.

``render_report`` runs the packaged parameterised notebook ``reports/templates/report.py`` (jupytext
percent format) with papermill; the notebook calls the library functions below, which
``write_report`` also calls directly (same parameters, no kernel).  Output files per language:

========  ===============  ==============
format    ``lang="sv"``    ``lang="en"``
========  ===============  ==============
html      rapport.html     report.html
pdf       rapport.pdf      report.pdf
xlsx      resultat.xlsx    results.xlsx
========  ===============  ==============
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .build import (ReportContext, build_context, followup_table, is_synthetic, load_report_panel,
                    results_frame)
from .provenance import provenance

__all__ = ["render_report", "write_report", "prepare_report", "write_outputs", "provenance",
           "load_report_panel", "build_context", "followup_table",
           "results_frame", "is_synthetic", "output_names", "parse_formats", "template_path",
           "ReportContext"]

FORMATS = ("html", "pdf", "xlsx")
_NAMES = {"sv": {"html": "rapport.html", "pdf": "rapport.pdf", "xlsx": "resultat.xlsx", "ipynb": "rapport.ipynb"},
          "en": {"html": "report.html", "pdf": "report.pdf", "xlsx": "results.xlsx", "ipynb": "report.ipynb"}}


def output_names(lang: str) -> dict[str, str]:
    """File names per format for ``lang``."""
    from .._types import Lang, check_literal

    check_literal(lang, Lang, "lang")
    return dict(_NAMES[lang])


def parse_formats(formats: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``"html,pdf"`` -> ``("html", "pdf")``; unknown formats raise ``DataError``."""
    from ..errors import DataError

    items = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    items = [f for f in items if f]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise DataError(f"formats must be a comma-separated subset of {', '.join(FORMATS)} (got {formats!r}).")
    return tuple(dict.fromkeys(items))


def _out_folder(out_dir: str | Path | None, lofte_id: str) -> Path:
    from ..config import reports_dir

    from ..errors import DataError
    from ..files import inside
    from ..registry.fields import id_problem

    if msg := id_problem(lofte_id):
        raise DataError(f"report folder: {msg}.")
    base = Path(out_dir) if out_dir is not None else reports_dir()
    if base.exists() and not base.is_dir():
        raise DataError(f"--out {str(base)!r} is a file; pass the reports folder (the report goes to "
                        f"<out>/{lofte_id}/).")
    folder = inside(base, lofte_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the block (or, as a decorator, each call) with the cyclic garbage collector's young
    threshold raised, then restore the thresholds.

    A report allocates millions of short-lived objects (pandas frames, matplotlib artists,
    WeasyPrint boxes); at Python's default thresholds (700, 10, 10) the collector ran about 1 500
    times per report, ten of them full collections of the whole heap, and took an eighth of the
    report's CPU time (sodra-fyrbodal-2023: 1.6 of 13 CPU s in full collections alone).  Ten
    thousand allocations between young collections keep the same objects and the same outputs;
    garbage cycles are only freed a little later.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 10_000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@_fewer_collections()
def prepare_report(lofte_id: str, *, demo: bool = False, panel_path: str | None = None, lang: str = "sv",
                   level: float = 0.95, followup_path: str | None = None,
                   panel: Any = None, through: int | None = None) -> ReportContext:
    """Load panel and löfte, evaluate every focus area and indicator, and build the report context."""
    from .._types import Lang, check_literal
    from ..design.pivots import PanelPivots
    from ..evaluation import evaluate_areas
    from ..registry.cache import cached_lofte

    check_literal(lang, Lang, "lang")
    if panel is None:
        panel = load_report_panel(demo=demo, panel_path=panel_path, lofte_id=lofte_id)
    lofte = cached_lofte(lofte_id)  # the registry the evaluation reads too, parsed once
    pivots = PanelPivots(panel)  # the panel split and pivoted once for every design of the report
    evaluated = evaluate_areas(panel, lofte, level=level, lang=lang, quiet=True, through=through, pivots=pivots)
    from .per_kommun import evaluate_per_kommun

    per_kommun = evaluate_per_kommun(panel, lofte, evaluated, level=level, through=through, pivots=pivots)
    def _abs(p: str | None) -> str | None:
        return str(Path(p).resolve()) if p is not None else None

    params = {"lofte_id": lofte_id, "demo": demo, "panel_path": _abs(panel_path), "lang": lang,
              "level": level, "followup_path": followup_path, "through": through}
    return build_context(lofte, evaluated, lang=lang, level=level, synthetic=is_synthetic(panel),
                         followup=followup_path, provenance=provenance(panel, params=params),
                         panel=panel, per_kommun=per_kommun, pivots=pivots)


@_fewer_collections()
def write_outputs(context: ReportContext, *, out_dir: str | Path | None = None,
                  formats: str | tuple[str, ...] = "html,pdf,xlsx") -> dict[str, Path]:
    """Write the requested formats to ``<out_dir>/<lofte id>/`` and return ``{format: path}``."""
    from ..files import atomic_group
    from .excel import write_excel
    from .html import render_html
    from .pdf import write_pdf

    fmts = parse_formats(formats)
    folder = _out_folder(out_dir, context.lofte.id)
    names = output_names(context.lang)
    html = render_html(context) if {"html", "pdf"} & set(fmts) else ""
    finals = {f: folder / names[f] for f in fmts}
    with atomic_group(finals) as tmp:  # all formats renamed together: a failure keeps the last set
        if "html" in tmp:
            tmp["html"].write_text(html, encoding="utf-8")
        if "pdf" in tmp:
            write_pdf(html, tmp["pdf"], base_url=folder)
        if "xlsx" in tmp:
            write_excel(context, tmp["xlsx"])
    return finals


def write_report(lofte_id: str, *, demo: bool = False, panel_path: str | None = None,
                 out_dir: str | None = None, lang: str = "sv", formats: str = "html,pdf,xlsx",
                 level: float = 0.95, followup_path: str | None = None,
                 through: int | None = None) -> dict[str, Path]:
    """Build and write a report in this process (what the notebook template does, without a kernel)."""
    parse_formats(formats)
    context = prepare_report(lofte_id, demo=demo, panel_path=panel_path, lang=lang, level=level,
                             followup_path=followup_path, through=through)
    return write_outputs(context, out_dir=out_dir, formats=formats)


def template_path(name: str = "report.py") -> Path:
    """The packaged report template ``lofteeval/reports/templates/<name>`` (never a file of the current folder)."""
    from importlib.resources import files

    from ..errors import DataError

    path = Path(str(files("lofteeval.reports") / "templates" / name))
    if not path.is_file():
        raise DataError(f"the packaged report template templates/{name} is missing from "
                        f"{path.parent}; reinstall lofteeval (pip install -e . or pip install lofteeval).")
    return path


def _kernel_env() -> dict[str, str]:
    """The kernel's environment: this process's project root and registry, and no current-folder imports."""
    from ..config import project_root

    env = dict(os.environ)
    env["LOFTEEVAL_HOME"] = str(project_root())
    if env.get("LOFTEEVAL_REGISTRY"):
        env["LOFTEEVAL_REGISTRY"] = os.pathsep.join(
            str(Path(p).resolve()) for p in env["LOFTEEVAL_REGISTRY"].split(os.pathsep) if p)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != "." and Path(p).is_absolute()]
    if parts:
        env["PYTHONPATH"] = os.pathsep.join(parts)
    else:
        env.pop("PYTHONPATH", None)
    env.pop("PYTHONSTARTUP", None)
    return env


def _start_kernel(cwd: str | Path) -> Any:
    """Spawn a python3 kernel in the empty folder ``cwd`` and return its (async) kernel manager.

    Nothing from the caller's current folder can be imported by the kernel: it starts in ``cwd``,
    without the current folder on ``sys.path`` (``ignore_cwd``) and with only absolute
    ``PYTHONPATH`` entries (:func:`_kernel_env`).

    Spawned before this process imports papermill and jupytext, so the kernel boots meanwhile.
    Local IPC sockets (no TCP ports, no unencrypted-TCP warning) except on Windows; IPython's
    history database is off (nothing to record in a batch run).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    class BatchKernelManager(AsyncKernelManager):  # type: ignore[misc]
        """Remembers its clients so that :func:`_stop_kernel` can close their sockets."""

        def client(self, **kwargs: Any) -> Any:
            kc = super().client(**kwargs)
            self.__dict__.setdefault("lofteeval_clients", []).append(kc)
            return kc

    km = BatchKernelManager(kernel_name="python3", **({} if os.name == "nt" else {"transport": "ipc"}))
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False", "--IPKernelApp.ignore_cwd=True"],
                              cwd=str(cwd), env=_kernel_env())
    return km


def _stop_kernel(km: Any) -> None:
    """Close the clients' channels and stop the kernel at once (its outputs are already written)."""
    from jupyter_core.utils import run_sync

    for kc in km.__dict__.get("lofteeval_clients", []):
        kc.stop_channels()
    run_sync(km.shutdown_kernel)(now=True)


def _import_papermill() -> tuple[Any, Any]:
    """Import jupytext and papermill without jsonschema's optional ``rfc3987_syntax`` grammar.

    nbformat imports jsonschema, whose format checker imports ``rfc3987_syntax`` when present; that
    module compiles an IRI grammar at import (2-3 s on a loaded 2-core machine) for the ``iri``
    string format, which no notebook schema uses.  Marking it absent (only when nothing imported it
    yet) makes jsonschema skip that one format check.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import jupytext
    import papermill

    return jupytext, papermill


def render_report(lofte_id: str, *, demo: bool = False, panel_path: str | None = None,
                  out_dir: str | None = None, lang: str = "sv", formats: str = "html,pdf,xlsx",
                  level: float = 0.95, followup_path: str | None = None,
                  through: int | None = None) -> dict[str, Path]:
    """Run the report notebook template with papermill and return ``{format: path}`` written.

    Parameters
    ----------
    lofte_id : str
        Registry id, e.g. ``"gotland-2020"``.
    demo : bool
        Use the synthetic demo panel (every output then says so).
    panel_path : str, optional
        A saved tidy panel; default is the project's processed panel.
    out_dir : str, optional
        Folder for reports (default ``reports/``); files go to ``<out_dir>/<lofte_id>/``.
    lang : {"sv", "en"}
        Report language; also sets file names (see the module docstring).
    formats : str
        Comma-separated subset of ``html,pdf,xlsx``.
    level : float
        Confidence level of intervals.
    followup_path : str, optional
        Activity follow-up file (see :func:`lofteeval.follow_up`).
    through : int, optional
        Follow up to this year (the report then shows the löfte's years and the years after).

    Returns
    -------
    dict
        Format -> path, plus ``"ipynb"``: the executed notebook.

    Raises
    ------
    RegistryError
        Unknown ``lofte_id``.
    DataError
        Bad ``formats``/``lang`` or a missing panel.
    """
    from ..errors import LofteevalError
    from ..registry.cache import cached_lofte

    names = output_names(lang)
    fmts = parse_formats(formats)
    cached_lofte(lofte_id)  # unknown ids fail here with one clear line, before a kernel starts
    folder = _out_folder(out_dir, lofte_id)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="lofteeval-kernel-") as cwd:
        out_nb = folder / names["ipynb"]
        params = {"lofte_id": lofte_id, "demo": demo, "panel_path": _abs(panel_path),
                  "out_dir": str(folder.parent), "lang": lang, "formats": ",".join(fmts), "level": level,
                  "followup_path": _abs(followup_path), "through": through}
        with _fewer_collections():  # this process imports papermill and drives the kernel meanwhile
            _execute_template(params, out_nb, cwd)
    written = {f: folder / names[f] for f in fmts}
    written["ipynb"] = out_nb
    missing = [str(p) for p in written.values() if not p.is_file() or p.stat().st_mtime < started - 1]
    if missing:
        raise LofteevalError(f"the report notebook ran but did not write {', '.join(missing)}; "
                             f"see the executed notebook {out_nb}.")
    return written


def _abs(p: str | None) -> str | None:
    return str(Path(p).resolve()) if p is not None else None


def _execute_template(params: dict[str, Any], out_nb: Path, cwd: str) -> None:
    """Run the packaged template with ``params`` in a kernel started in ``cwd``; write ``out_nb`` atomically."""
    from ..errors import LofteevalError
    from ..files import atomic_path

    km = _start_kernel(cwd)
    try:
        jupytext, pm = _import_papermill()
        notebook = jupytext.read(template_path())
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        with atomic_path(out_nb) as tmp:
            try:
                # saved once at the end: the file is a temporary until renamed, so a save after
                # every cell (papermill's default; a schema validation each) is only work
                pm.execute_notebook(notebook, str(tmp), parameters=params, kernel_name="python3",
                                    progress_bar=False, log_output=False, cwd=cwd, km=km,
                                    request_save_on_cell_execute=False, autosave_cell_every=0)
            except pm.PapermillExecutionError as exc:
                raise LofteevalError(f"the report notebook failed: {exc.ename}: {exc.evalue} "
                                     "(no report file was replaced)") from None
    finally:
        _stop_kernel(km)
