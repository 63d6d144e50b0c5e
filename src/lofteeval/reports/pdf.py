"""PDF from the report HTML with WeasyPrint (no browser, no LaTeX): A4, page numbers, fonts embedded."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        with _png_streams_as_they_are(), _layout_tables_dropped_first():
            document.write_pdf(str(path))
    return len(document.pages)


def _idat_stream(data: bytes) -> bytes | None:
    """The concatenated IDAT data of an 8-bit RGB, non-interlaced PNG; None for any other file.

    That data is exactly what a PDF image with ``/FlateDecode`` and PNG predictors (``/Predictor
    15``, three colours, 8 bits) holds: the same pixels, row filters and all.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    bit_depth, colour_type, _, _, interlace = data[24:29]
    if (bit_depth, colour_type, interlace) != (8, 2, 0):
        return None
    chunks, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack("!I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        elif kind == b"IEND":
            return b"".join(chunks) if chunks else None
        pos += 12 + length
    return None


@contextlib.contextmanager
def _png_streams_as_they_are() -> Iterator[None]:
    """While the PDF is written, embed the report's PNG figures' compressed pixel data as it is.

    WeasyPrint decodes every PNG and encodes it again (zlib level 6) to get the same kind of
    stream it then embeds; for an 8-bit RGB PNG (every figure of the report, see
    ``build.figure_uri``) the file's own IDAT data is that stream already, so the decoded pixels
    in the PDF are identical and the 60 re-encodings of a large report are saved.  Any other
    image goes WeasyPrint's way.
    """
    try:
        from weasyprint.images import RasterImage
    except ImportError:  # another WeasyPrint layout: its own way for every image
        yield
        return
    original = RasterImage.__dict__.get("_get_png_data")
    if not isinstance(original, staticmethod):
        yield
        return

    def png_data(pillow_image: Any) -> bytes:
        fp: Any = getattr(pillow_image, "fp", None)
        png = getattr(pillow_image, "format", None) == "PNG" and hasattr(fp, "getvalue")
        raw = bytes(fp.getvalue()) if png else b""
        stream = _idat_stream(raw) if pillow_image.mode == "RGB" else None
        return stream if stream is not None else original.__func__(pillow_image)

    RasterImage._get_png_data = staticmethod(png_data)
    try:
        yield
    finally:
        RasterImage._get_png_data = original


@contextlib.contextmanager
def _layout_tables_dropped_first() -> Iterator[None]:
    """While the PDF is written, font subsetting drops the tables it is told to drop before the rest.

    WeasyPrint subsets each embedded font with fontTools and drops its GSUB and GPOS tables (the
    text is laid out already).  fontTools (4.6x) first decompiles GSUB/GPOS in full and only then
    drops them: for DejaVu Sans about 0.2 CPU s per report for tables that are thrown away.
    Dropping them first gives the same subset font (the ``kern`` table, which fontTools drops when
    GPOS is present, is dropped as it would have been).
    """
    try:
        from fontTools.subset import Subsetter
    except ImportError:
        yield
        return
    original = Subsetter.subset

    def subset(self: Any, font: Any) -> Any:
        opts = self.options
        if "GPOS" in font and "kern" in font and not opts.legacy_kern:
            del font["kern"]
        for tag in ("GSUB", "GPOS"):
            if tag in opts.drop_tables and tag in font:
                del font[tag]
        return original(self, font)

    Subsetter.subset = subset
    try:
        yield
    finally:
        Subsetter.subset = original


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
