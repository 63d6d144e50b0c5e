"""Evaluation reports: HTML + PDF (Swedish by default, English on request) and an Excel workbook.

``render_report`` runs the parameterised notebook ``notebooks/templates/report.py`` (jupytext
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

import os
import sys
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

    base = Path(out_dir) if out_dir is not None else reports_dir()
    folder = base / lofte_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepare_report(lofte_id: str, *, demo: bool = False, panel_path: str | None = None, lang: str = "sv",
                   level: float = 0.95, followup_path: str | None = None,
                   panel: Any = None, through: int | None = None) -> ReportContext:
    """Load panel and löfte, evaluate every focus area and indicator, and build the report context."""
    from .._types import Lang, check_literal
    from ..evaluation import evaluate_areas
    from ..registry import load_lofte

    check_literal(lang, Lang, "lang")
    if panel is None:
        panel = load_report_panel(demo=demo, panel_path=panel_path, lofte_id=lofte_id)
    lofte = load_lofte(lofte_id)
    evaluated = evaluate_areas(panel, lofte, level=level, lang=lang, quiet=True, through=through)
    def _abs(p: str | None) -> str | None:
        return str(Path(p).resolve()) if p is not None else None

    params = {"lofte_id": lofte_id, "demo": demo, "panel_path": _abs(panel_path), "lang": lang,
              "level": level, "followup_path": followup_path, "through": through}
    return build_context(lofte, evaluated, lang=lang, level=level, synthetic=is_synthetic(panel),
                         followup=followup_path,
                         provenance=provenance(panel, params=params))


def write_outputs(context: ReportContext, *, out_dir: str | Path | None = None,
                  formats: str | tuple[str, ...] = "html,pdf,xlsx") -> dict[str, Path]:
    """Write the requested formats to ``<out_dir>/<lofte id>/`` and return ``{format: path}``."""
    from .excel import write_excel
    from .html import render_html
    from .pdf import write_pdf

    fmts = parse_formats(formats)
    folder = _out_folder(out_dir, context.lofte.id)
    names = output_names(context.lang)
    written: dict[str, Path] = {}
    html = render_html(context) if {"html", "pdf"} & set(fmts) else ""
    if "html" in fmts:
        written["html"] = folder / names["html"]
        written["html"].write_text(html, encoding="utf-8")
    if "pdf" in fmts:
        written["pdf"] = folder / names["pdf"]
        write_pdf(html, written["pdf"])
    if "xlsx" in fmts:
        written["xlsx"] = folder / names["xlsx"]
        write_excel(context, written["xlsx"])
    return written


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
    """Locate ``notebooks/templates/<name>`` in the project (checkout or editable install)."""
    from ..config import project_root
    from ..errors import DataError

    candidates = [project_root() / "notebooks" / "templates" / name,
                  Path(__file__).resolve().parents[3] / "notebooks" / "templates" / name]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(f"report template notebooks/templates/{name} not found (looked in "
                    f"{', '.join(str(p.parent.parent.parent.name) for p in candidates)}); run from a "
                    "lofteeval checkout or set LOFTEEVAL_HOME to it.")


def _start_kernel() -> Any:
    """Spawn a python3 kernel now and return its (async) kernel manager.

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
    run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.enabled=False"])
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
    from ..registry import load_lofte

    names = output_names(lang)
    fmts = parse_formats(formats)
    load_lofte(lofte_id)  # unknown ids fail here with one clear line, before a kernel starts
    folder = _out_folder(out_dir, lofte_id)
    km = _start_kernel()
    try:
        jupytext, pm = _import_papermill()
        notebook = jupytext.read(template_path())
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        out_nb = folder / names["ipynb"]

        def _abs(p: str | None) -> str | None:
            return str(Path(p).resolve()) if p is not None else None

        params = {"lofte_id": lofte_id, "demo": demo, "panel_path": _abs(panel_path),
                  "out_dir": str(Path(out_dir).resolve()) if out_dir is not None else None,
                  "lang": lang, "formats": ",".join(fmts), "level": level, "followup_path": _abs(followup_path),
                  "through": through}
        try:
            pm.execute_notebook(notebook, str(out_nb), parameters=params, kernel_name="python3",
                                progress_bar=False, log_output=False, cwd=str(Path.cwd()), km=km)
        except pm.PapermillExecutionError as exc:
            raise LofteevalError(f"the report notebook failed: {exc.ename}: {exc.evalue} "
                                 f"(executed notebook: {out_nb})") from None
    finally:
        _stop_kernel(km)
    written = {f: folder / names[f] for f in fmts}
    written["ipynb"] = out_nb
    return written
