"""PDF from the report HTML with WeasyPrint (no browser, no LaTeX): A4, page numbers, fonts embedded."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_pdf"]


def write_pdf(html: str, path: str | Path) -> int:
    """Render ``html`` to ``path`` and return the number of pages.

    Page size, margins, running header (the synthetic-data label when it applies) and the
    "Sida n av m" footer come from the ``@page`` rules in ``templates/report.css``.  WeasyPrint
    embeds subsets of the fonts used, so å/ä/ö render on any reader.
    """
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=str(Path(path).parent)).render()
    document.write_pdf(str(path))
    return len(document.pages)
