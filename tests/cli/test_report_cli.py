"""``lofteeval report`` and ``lofteeval evaluate`` end to end on the demo panel."""

from __future__ import annotations

import pandas as pd
import pytest

from lofteeval.cli import main
from lofteeval.reports.pdf import page_texts

SYN = "Syntetiska data – endast för demonstration"


def test_report_demo_all_formats_via_notebook(tmp_path, capsys):
    assert main(["report", "gotland-2020", "--demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "gotland-2020"
    for name in ("rapport.html", "rapport.pdf", "resultat.xlsx"):
        assert (folder / name).is_file() and str(folder / name) in out
    assert out.count(SYN) >= 2  # first and last line
    html = (folder / "rapport.html").read_text(encoding="utf-8")
    assert SYN in html and ("ingen säkerställd" in html or "kan inte avgöras" in html)
    pages = page_texts(html)
    assert len(pages) > 1 and all(SYN in p for p in pages)
    raw = pd.read_excel(folder / "resultat.xlsx", sheet_name=None, header=None)
    assert all(sheet.iloc[0, 0] == SYN for sheet in raw.values())


@pytest.mark.parametrize("lofte_id", ["gislaved-2022", "sodra-fyrbodal-2023", "gotland-2020-problembild"])
def test_every_registry_entry_renders(lofte_id, tmp_path, capsys):
    assert main(["report", lofte_id, "--demo", "--direct", "--format", "html", "--out", str(tmp_path)]) == 0
    html = (tmp_path / lofte_id / "rapport.html").read_text(encoding="utf-8")
    assert "1 Sammanfattning" in html and SYN in html
    if lofte_id.endswith("problembild"):
        assert "inte ett löfte" in html


def test_report_unknown_id_is_one_line(capsys):
    assert main(["report", "nowhere-2020", "--demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown löfte id 'nowhere-2020'" in err[0]


def test_report_missing_panel_file(tmp_path, capsys):
    assert main(["report", "gotland-2020", "--panel", str(tmp_path / "nope.parquet")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_report_bad_format(capsys):
    assert main(["report", "gotland-2020", "--demo", "--format", "docx"]) == 2
    assert "subset of html, pdf, xlsx" in capsys.readouterr().err


def test_evaluate_prints_table_and_writes_csv(tmp_path, capsys):
    out_csv = tmp_path / "r.csv"
    rc = main(["evaluate", "gotland-2020", "--demo", "--indicator", "reported_domestic_violence",
               "--method", "did", "--out", str(out_csv)])
    assert rc == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"*** {SYN} ***"
    assert "Anmälda grova kvinnofrids- och fridskränkningar" in out and "skillnad-i-skillnader" in out
    assert "Våld i nära relationer" in out and "vald_nara_relation" not in out  # labels, not ids
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Swedish Excel reads the å, ä, ö
    frame = pd.read_csv(out_csv, sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["Indikator-id"].tolist() == ["reported_domestic_violence"]
    assert frame["Design"].tolist() == ["skillnad-i-skillnader"] and (frame["Data"] == SYN).all()
    # the numbers come back as numbers: percent columns in percent, per 100 000 with one decimal
    from lofteeval import datasets, evaluate

    res = evaluate(datasets.demo_panel(seed=0), "gotland-2020", "reported_domestic_violence", method="did",
                   through=2024)
    assert frame["Effekt (%)"].dtype == float
    assert frame["Effekt (%)"].item() == pytest.approx(100 * res.estimate, abs=0.051)
    assert frame["Nedre gräns (%)"].item() == pytest.approx(100 * res.ci_low, abs=0.051)
    assert frame["p-värde"].item() == pytest.approx(res.p_value, abs=5e-4)
    assert frame["Konfidensnivå"].item() == 95
    assert "Effekt (procentenheter)" not in frame  # no survey row: no empty survey columns


def test_evaluate_csv_english_uses_comma_and_point(tmp_path, capsys):
    out_csv = tmp_path / "r.csv"
    assert main(["evaluate", "gotland-2020", "--demo", "--indicator", "saw_drug_dealing", "--lang", "en",
                 "--out", str(out_csv)]) == 0
    assert not out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out_csv)
    assert frame["Effect (percentage points)"].item() < 0 and "Effect (%)" not in frame
    assert frame["Significant (after adjustment)"].item() == "yes"  # one indicator: nothing to adjust for


def test_evaluate_nothing_estimated_exits_2_with_one_line(tmp_path, capsys):
    from lofteeval import datasets, save_panel

    demo = datasets.demo_panel(seed=0)
    path = save_panel(demo[demo["indicator"] == "population"], tmp_path / "p.parquet")
    assert main(["evaluate", "gotland-2020", "--panel", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing could be estimated for gotland-2020" in err[0]


def test_evaluate_focus_area_not_in_lofte(capsys):
    assert main(["evaluate", "gotland-2020", "--demo", "--focus-area", "trafik"]) == 2
    assert "not a focus area of gotland-2020" in capsys.readouterr().err


def test_report_with_followup_file(tmp_path, capsys):
    from lofteeval.registry.followup import example_follow_up_path

    path = example_follow_up_path("gotland-2020", 2020)
    assert main(["report", "gotland-2020", "--demo", "--direct", "--format", "html,xlsx",
                 "--followup", str(path), "--out", str(tmp_path)]) == 0
    folder = tmp_path / "gotland-2020"
    html = (folder / "rapport.html").read_text(encoding="utf-8")
    assert "Ingen uppföljningsfil angavs" not in html
    assert 'class="status status-delvis">delvis<' in html  # vnr-2: 3 of 5
    # page 1, våld i nära relationer: the follow-up counts with agreement ("1 uppfylld", "2 uppfyllda")
    assert "Aktiviteter: 3 utlovade – 1 uppfylld, 1 delvis uppfylld, 1 ej uppfylld." in html
    fu = pd.read_excel(folder / "resultat.xlsx", sheet_name="Uppföljning", header=2)
    assert fu.set_index("Aktivitet").loc["vnr-2", "Status"] == "delvis"
    assert set(fu["Ansvar"]) == {"Polisen och Region Gotland"}
