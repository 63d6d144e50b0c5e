"""HTML, PDF and Excel renderers on hand-made results (no estimation)."""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from lofteeval.reports import build_context, provenance, write_outputs
from lofteeval.reports.excel import SHEETS, header_row, write_excel
from lofteeval.reports.html import render_html
from lofteeval.reports.pdf import page_texts, write_pdf
from lofteeval.results import FRAME_COLUMNS

SYN_SV = "Syntetiska data – endast för demonstration"
SYN_EN = "Synthetic data – for demonstration only"


def _context(lofte, evaluated, *, synthetic=True, lang="sv"):
    return build_context(lofte, evaluated, lang=lang, synthetic=synthetic,
                         provenance=provenance(None, params={"lofte_id": lofte.id}))


def test_registry_text_is_escaped(fake_lofte, fake_evaluated):
    evil = SimpleNamespace(**{**vars(fake_lofte), "title": "<script>alert('x')</script> Löfte",
                              "notes": "<b onmouseover=x>fet</b>"})
    act = SimpleNamespace(**{**vars(fake_lofte.activities[0]), "text": "<img src=x onerror=alert(1)>"})
    evil.activities = (act,)
    html = render_html(_context(evil, fake_evaluated))
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b onmouseover" not in html


def test_html_sections_plots_and_banner(fake_lofte, fake_evaluated):
    html = render_html(_context(fake_lofte, fake_evaluated))
    for heading in ("1 Sammanfattning", "2 Löftet", "3 Resultat per fokusområde", "4 Metod och förbehåll",
                    "5 Proveniens"):
        assert heading in html
    assert html.count("data:image/png;base64,") == 1 + 2 * 2  # forest + (effect, placebo) x 2
    assert f'class="banner" role="note">{SYN_SV}<' in html
    assert f'@top-right {{ content: "{SYN_SV}"; }}' in html
    assert "<table" in html and "Stockholm (0180)" in html  # comparison kommuner by name
    assert "Fem våldsutsatta kvinnor ska ha erbjudits SIP" in html  # follow-up table


def test_html_without_synthetic_has_no_banner(fake_lofte, fake_evaluated):
    html = render_html(_context(fake_lofte, fake_evaluated, synthetic=False))
    assert SYN_SV not in html


def test_english_report(fake_lofte, fake_evaluated):
    html = render_html(_context(fake_lofte, fake_evaluated, lang="en"))
    assert "1 Summary" in html and SYN_EN in html and "Sammanfattning" not in html


def test_problem_picture_renders_context_only(fake_lofte, fake_evaluated):
    pp = SimpleNamespace(**{**vars(fake_lofte), "kind": "problem_picture", "is_lofte": False})
    empty = dataclasses.replace(fake_evaluated, pairs={}, failures={})
    html = render_html(_context(pp, empty))
    assert "inte ett löfte" in html and "Resultat per fokusområde" not in html
    assert "Narkotika" in html and "Gjorde löftet skillnad?" not in html  # page 1: no verdicts
    for word in ("Parallella trender", "p-värde", "konfidensintervall", "MDE", "skattning"):
        assert word not in html, word  # no estimation or method language


def test_pdf_has_pages_and_banner(fake_lofte, fake_evaluated, tmp_path):
    html = render_html(_context(fake_lofte, fake_evaluated))
    n = write_pdf(html, tmp_path / "r.pdf")
    assert n > 1
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    pages = page_texts(html)
    assert len(pages) == n
    for i, text in enumerate(pages, start=1):
        assert SYN_SV in text, f"page {i} lacks the synthetic label"
        assert f"Sida {i} av {n}" in text


def test_excel_sheets_and_columns(fake_lofte, fake_evaluated, tmp_path):
    c = _context(fake_lofte, fake_evaluated)
    write_excel(c, tmp_path / "r.xlsx")
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, header=header_row(True))
    assert list(book) == list(SHEETS["sv"])
    res = book["Resultat"]
    assert list(res.columns) == ["focus_area", "method", "lofte_id", "kommun", "indicator_label",
                                 *FRAME_COLUMNS[3:]]
    assert len(res) == 2 and set(res["indicator"]) == {"reported_drug_offences", "reported_domestic_violence"}
    assert res.loc[res["indicator"] == "reported_drug_offences", "p_adjusted"].item() == pytest.approx(0.02)
    fu = book["Uppföljning"]
    assert {"activity", "target", "done", "status"} <= set(fu.columns)
    assert fu["status"].tolist() == ["ej rapporterat"]
    assert {"version", "git_commit", "parameter.lofte_id"} <= set(book["Proveniens"]["key"])
    raw = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, header=None)
    assert all(sheet.iloc[0, 0] == SYN_SV for sheet in raw.values())


def test_write_outputs_names_per_language(fake_lofte, fake_evaluated, tmp_path):
    sv = write_outputs(_context(fake_lofte, fake_evaluated), out_dir=tmp_path, formats="html,xlsx")
    assert sorted(p.name for p in sv.values()) == ["rapport.html", "resultat.xlsx"]
    en = write_outputs(_context(fake_lofte, fake_evaluated, lang="en"), out_dir=tmp_path, formats="html")
    assert en["html"].name == "report.html" and en["html"].parent.name == "test-2020"


def test_bad_formats_raise(fake_lofte, fake_evaluated, tmp_path):
    from lofteeval.errors import DataError

    with pytest.raises(DataError, match="subset of html, pdf, xlsx"):
        write_outputs(_context(fake_lofte, fake_evaluated), out_dir=tmp_path, formats="html,docx")


def test_provenance_keys():
    p = provenance(None, params={"level": 0.9})
    assert p["version"] and p["parameters"] == {"level": 0.9}
    assert re.match(r"\d{4}-\d{2}-\d{2}", p["generated"])
