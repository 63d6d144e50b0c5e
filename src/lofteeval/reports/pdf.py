"""PDF from the report HTML with WeasyPrint (no browser, no LaTeX): A4, page numbers, fonts embedded."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_pdf"]


def write_pdf(html: str, path: str | Path, *, base_url: str | Path | None = None) -> int:
    """Render ``html`` to ``path`` and return the number of pages.

    Page size, margins, running header (the synthetic-data label when it applies) and the
    "Sida n av m" footer come from the ``@page`` rules in ``templates/report.css``.  Relative
    links resolve against ``base_url`` (default: the folder of ``path``).  WeasyPrint
    embeds subsets of the fonts used, so å/ä/ö render on any reader.
    """
    import logging
    import warnings

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with warnings.catch_warnings():  # WeasyPrint's note about a system library, not about the report
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        from weasyprint import HTML  # the note is raised on first import

        document = HTML(string=html, base_url=str(base_url if base_url is not None else Path(path).parent)).render()
        document.write_pdf(str(path))
    return len(document.pages)


def page_texts(html: str) -> list[str]:
    """The text of every laid-out page (running header and footer included), for checks and tests."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        from weasyprint import HTML

    def walk(box: object) -> list[str]:
        text = getattr(box, "text", None)
        out = [text] if text else []
        for child in getattr(box, "children", None) or []:
            out += walk(child)
        return out

    document = HTML(string=html).render()
    return [" ".join(walk(page._page_box)) for page in document.pages]
