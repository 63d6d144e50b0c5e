"""HTML, PDF and Excel renderers on hand-made results (no estimation)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
import re

import pandas as pd
import pytest

from lofteeval.reports import build_context, provenance, write_outputs
from lofteeval.reports.excel import SHEETS, header_row, write_excel
from lofteeval.reports.html import render_html
from lofteeval.reports.pdf import page_texts, write_pdf

SYN_SV = "Syntetiska data – endast för demonstration"
SYN_EN = "Synthetic data – for demonstration only"


def _context(lofte, evaluated, *, synthetic=True, lang="sv"):
    return build_context(lofte, evaluated, lang=lang, synthetic=synthetic,
                         provenance=provenance(None, params={"lofte_id": lofte.id}))


def test_registry_text_is_escaped(fake_lofte, fake_evaluated):
    act = replace(fake_lofte.activities[0], text="<img src=x onerror=alert(1)>")
    evil = replace(fake_lofte, title="<script>alert('x')</script> Löfte", notes="<b onmouseover=x>fet</b>",
                   activities=(act,))
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


def test_targets_in_the_report_language(fake_lofte, fake_evaluated):
    national = replace(fake_lofte, activities=(), targets=("minst 2 trygghetsvandringar", "minst 4 narkotikainsatser"),
                       targets_en=("at least 2 safety walks", "at least 4 drug operations"))
    sv = render_html(_context(national, fake_evaluated))
    en = render_html(_context(national, fake_evaluated, lang="en"))
    assert "<li>minst 2 trygghetsvandringar</li>" in sv and "safety walks" not in sv
    assert "de 2 åtaganden som den nationella listan nämner står i avsnitt 2" in sv
    assert "<li>at least 4 drug operations</li>" in en and "narkotikainsatser" not in en
    assert "the 2 commitments the national list names are in section 2" in en
    swedish_only = replace(national, targets_en=())  # quoted in Swedish, marked so
    assert '<ul class="small registry-targets" lang="sv">' in render_html(_context(swedish_only, fake_evaluated,
                                                                                    lang="en"))


def test_problem_picture_renders_context_only(fake_lofte, fake_evaluated):
    pp = replace(fake_lofte, kind="problem_picture")
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
    assert list(book) == list(SHEETS["sv"]) == ["Resultat", "År för år", "Uppföljning", "Proveniens"]
    res = book["Resultat"].set_index("Indikator-id")
    assert list(res.columns[:4]) == ["Fokusområde", "Indikator", "Kommun(er)", "Design"]
    assert res.loc["reported_drug_offences", "Fokusområde"] == "Narkotika"
    assert res.loc["reported_drug_offences", "Justerat p-värde (BH)"] == pytest.approx(0.02)
    # one column per scale: the relative effect as a fraction in a percent-format column, and the
    # same effect per 100 000 over the mean counterfactual of the post-period (116, 118, 120)
    assert res.loc["reported_drug_offences", "Effekt (%)"] == pytest.approx(0.25)
    assert res.loc["reported_drug_offences", "Effekt per 100 000 inv."] == pytest.approx(0.25 * 118)
    assert res.loc["reported_drug_offences", "Nedre gräns per 100 000 inv."] == pytest.approx(0.08 * 118)
    assert res.loc["reported_drug_offences", "Säkerställd (efter justering)"] == "ja"  # p 0.01, adjusted 0.02
    assert res.loc["reported_domestic_violence", "Säkerställd (efter justering)"] == "nej"
    assert not any("procentenheter" in col for col in res.columns)  # no survey row: no survey columns
    years = book["År för år"]
    drug = years[years["Indikator-id"] == "reported_drug_offences"].set_index("År")
    assert list(drug.index) == list(range(2012, 2023))
    assert drug.loc[2021, "Period"] == "löftesår" and drug.loc[2019, "Period"] == "före löftet"
    assert drug.loc[2021, "Effekt"] == pytest.approx(drug.loc[2021, "Observerat"] - drug.loc[2021, "Kontrafaktiskt"])
    assert drug.loc[2021, "Effekt (%)"] == pytest.approx(drug.loc[2021, "Observerat"] / drug.loc[2021, "Kontrafaktiskt"] - 1)
    fu = book["Uppföljning"]
    assert list(fu.columns) == ["Aktivitet", "Text", "Ansvar", "Fokusområde", "Mål", "Utfört", "Status", "Senast",
                                "Kommentar"]
    assert fu["Status"].tolist() == ["ej rapporterat"] and fu["Ansvar"].tolist() == ["Region Gotland"]
    prov = book["Proveniens"].set_index("Uppgift")["Värde"]
    assert {"Paket", "Git-commit", "Parameter lofte_id", "Löftestext"} <= set(prov.index)
    assert prov["Löftestext"].startswith("Polisen: Medborgarlöfte för Gotland 2020, publicerad 2020-02-01")
    raw = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, header=None)
    assert all(sheet.iloc[0, 0] == SYN_SV for sheet in raw.values())


def test_excel_number_formats_and_frozen_header(fake_lofte, fake_evaluated, tmp_path):
    from openpyxl import load_workbook

    write_excel(_context(fake_lofte, fake_evaluated), tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")["Resultat"]
    heads = {cell.value: cell.column_letter for cell in ws[3]}
    assert ws.freeze_panes == "A4" and ws["A3"].font.b
    assert ws[f"{heads['Effekt (%)']}4"].number_format == "0.0%"
    assert ws[f"{heads['Effekt per 100 000 inv.']}4"].number_format == "#,##0.0"
    assert ws[f"{heads['Konfidensnivå']}4"].number_format == "0%"
    assert ws.column_dimensions[heads["Indikator"]].width > 20


def test_excel_english_headers(fake_lofte, fake_evaluated, tmp_path):
    write_excel(_context(fake_lofte, fake_evaluated, lang="en"), tmp_path / "r.xlsx")
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, header=header_row(True))
    assert list(book) == ["Results", "Year by year", "Follow-up", "Provenance"]
    res = book["Results"]
    assert {"Focus area", "Indicator", "Effect (%)", "Effect per 100,000 inhabitants",
            "Significant (after adjustment)"} <= set(res.columns)
    assert set(res["Focus area"]) == {"Drugs", "Domestic violence"}
    assert book["Follow-up"]["Status"].tolist() == ["not reported"]
    assert not any(col in res.columns for col in ("Fokusområde", "Effekt (%)"))
    # English headers and the words the workbook writes itself (registry text aside) are English
    made = [*res.columns, *book["Year by year"].columns, *book["Year by year"]["Period"].unique(),
            *book["Follow-up"].columns]
    words = [w for x in made for w in re.findall(r"\b(?:kommun\w*|löfte\w*|län)\b", str(x))]
    assert not words, words
    assert {"Municipalities", "Comparison municipalities", "Promise id"} <= set(res.columns)
    assert set(book["Year by year"]["Period"]) >= {"before the promise", "promise year"}


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


def test_comparison_kommuner_in_short_columns(fake_lofte, fake_evaluated):
    """A design-made comparison frame is shown as kommungrupp / size / rank columns, explained once."""
    from lofteeval.reports.build import _comparison_rows

    res = fake_evaluated.pairs["narkotika"][0][0]
    comp = pd.DataFrame({"kommun": ["0180", "1280", "0114"], "kommungrupp": ["A1", "A1", "B3"],
                         "kommungrupp_label": ["Storstad", "Storstad", "Pendlingskommun nära storstad"],
                         "same_group": [True, True, False], "size_ratio": [1.5, 0.912, 0.25],
                         "fit_rank": pd.array([2, 1, 3], dtype="Int64"), "requested": [False] * 3,
                         "reason": ["r"] * 3, "reason_sv": ["r"] * 3})
    res = replace(res, comparison=comp, weights=pd.Series({"0180": 0.2, "1280": 0.8, "0114": 0.0}))
    rows, more, note, _ = _comparison_rows(res, lang="sv")
    assert [r["kommun"] for r in rows] == ["Malmö (1280)", "Stockholm (0180)", "Upplands Väsby (0114)"]  # by weight
    assert [(r["group"], r["size"], r["rank"], r["weight"]) for r in rows] == [
        ("A1", "0,91\u00a0×", "1", "0,800"), ("A1", "1,50\u00a0×", "2", "0,200"), ("B3 (annan)", "0,25\u00a0×", "3", "0,000")]
    assert more == 0 and note.startswith("3 jämförelsekommuner. Kommungrupp (SKR): A1 Storstad; B3 Pendlingskommun")
    assert "”(annan)” = en annan än löfteskommunens" in note and "(1 = närmast)" in note
    rows_en, _, note_en, _ = _comparison_rows(replace(res, kommun="0980,0180"), lang="en")
    assert rows_en[2]["group"] == "B3 (other)" and rows_en[0]["size"] == "0.91\u00a0×"
    assert "not any of the promise municipalities'" in note_en and "mean population" in note_en
    html = render_html(_context(fake_lofte, fake_evaluated))  # a frame without the columns: the sentence
    assert "Varför vald" in html and "Rang före löftet" not in html
