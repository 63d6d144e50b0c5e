"""The PDF writer's shortcuts (``reports.pdf``) change no pixel and no font: checked against the slow paths."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from lofteeval.reports.html import render_html
from lofteeval.reports.pdf import _idat_stream, _layout_tables_dropped_first, write_pdf

from .test_render import _context


def _png(image: Image.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="png", **kw)
    return buf.getvalue()


def _rebuilt(stream: bytes, width: int, height: int) -> Image.Image:
    """An 8-bit RGB PNG around ``stream`` (a PDF image's FlateDecode data with PNG predictors)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))
    ihdr = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return Image.open(io.BytesIO(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", stream)
                                 + chunk(b"IEND", b"")))


def _gradient(mode: str = "RGB") -> Image.Image:
    img = Image.new("RGB", (37, 11))
    img.putdata([(x * 7 % 256, y * 23 % 256, (x * y) % 256) for y in range(11) for x in range(37)])
    return img.convert(mode)


def test_idat_stream_is_the_pixels_of_an_rgb_png():
    img = _gradient()
    for level in (1, 9):
        stream = _idat_stream(_png(img, compress_level=level))
        assert stream is not None
        assert _rebuilt(stream, 37, 11).convert("RGB").tobytes() == img.tobytes()


@pytest.mark.parametrize("mode", ["RGBA", "L", "P"])
def test_idat_stream_leaves_other_pngs_to_weasyprint(mode):
    assert _idat_stream(_png(_gradient(mode))) is None


def test_idat_stream_refuses_interlaced_and_non_png():
    png = bytearray(_png(_gradient()))
    png[28] = 1  # IHDR's interlace method: Adam7 (its rows are not a PDF predictor's rows)
    png[29:33] = struct.pack("!I", zlib.crc32(bytes(png[12:29])))
    assert _idat_stream(bytes(png)) is None
    assert _idat_stream(b"GIF89a" + b"\0" * 40) is None


def _pdf_images(pdf: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"<<([^>]*?/Subtype /Image.*?)>>\s*stream\r?\n", pdf, re.S):
        head = m.group(1)
        w, h, n = (int(re.search(rb"/" + k + rb" (\d+)", head).group(1)) for k in (b"Width", b"Height", b"Length"))
        out.append(_rebuilt(pdf[m.end():m.end() + n], w, h).convert("RGB").tobytes())
    return out


def test_pdf_figures_have_the_html_figures_pixels(fake_lofte, fake_evaluated, tmp_path):
    html = render_html(_context(fake_lofte, fake_evaluated))
    figures = [Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB").tobytes()
               for b in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)]
    write_pdf(html, tmp_path / "r.pdf")
    assert figures and sorted(_pdf_images((tmp_path / "r.pdf").read_bytes())) == sorted(figures)


def _font_file() -> Path:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"):
        if Path(path).is_file():
            return Path(path)
    pytest.skip("DejaVu Sans (the report's font) is not installed here")


def _subset(data: bytes) -> dict[str, bytes]:
    """Subset as WeasyPrint 70 does; every table's bytes except ``head`` (which holds the time of saving)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                             hinting=False, desubroutinize=True, notdef_outline=False)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=list(range(3, 300, 3)))
    font = TTFont(io.BytesIO(data))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    saved = TTFont(io.BytesIO(buf.getvalue()))
    return {tag: saved.getTableData(tag) for tag in saved.keys() if tag not in ("GlyphOrder", "head")}


def test_layout_tables_dropped_first_gives_the_same_subset_font():
    data = _font_file().read_bytes()
    slow = _subset(data)
    with _layout_tables_dropped_first():
        fast = _subset(data)
    assert "GPOS" not in fast and "kern" not in fast and "glyf" in fast
    assert fast == slow
