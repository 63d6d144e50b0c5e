"""No silent demo and the follow-up through the latest year (CLI and report)."""

from __future__ import annotations

import pytest

from lofteeval.cli import main


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LOFTEEVAL_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("command", ["report", "evaluate"])
def test_without_panel_and_demo_exit_2_naming_fetch_and_demo(empty_home, capsys, command):
    assert main([command, "gotland-2020"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "lofteeval data fetch --lofte gotland-2020" in err[0] and "--demo" in err[0]
    assert not (empty_home / "reports").exists()


def test_processed_panel_is_used_not_the_demo(empty_home, capsys):
    from lofteeval.datasets import demo_panel
    from lofteeval.harmonise.panel import save_panel

    real = demo_panel().query("indicator in ['reported_drug_offences', 'population']").copy()
    real["source"] = real["source"].replace({"demo": "bra"})
    real["flag"] = real["flag"].replace({"synthetic": ""})  # a stand-in for a fetched panel
    real.attrs = {"synthetic": False, "data_sources": [
        {"source": "bra", "publisher": "Brå", "name": "Brå statistikdatabas (SOL)", "downloaded": "2026-03-02",
         "vintage": "2024 preliminärt", "sha256": "0" * 64}]}
    save_panel(real, empty_home / "data" / "processed" / "panel.parquet")
    assert main(["evaluate", "gotland-2020", "--indicator", "reported_drug_offences"]) == 0
    out = capsys.readouterr().out
    assert "Syntetiska" not in out and "Brå, hämtat 2026-03-02; 2024 preliminärt" in out


def test_through_shows_the_after_window(empty_home, capsys):
    assert main(["evaluate", "gotland-2020", "--demo", "--indicator", "reported_drug_offences",
                 "--through", "2024"]) == 0
    out = capsys.readouterr().out
    assert "uppföljning 2021–2024" in out and "Syntetiska data" in out


def test_through_before_start_is_one_clear_error(capsys):
    assert main(["evaluate", "gotland-2020", "--demo", "--through", "2019"]) == 2
    assert "before gotland-2020 starts (2020)" in capsys.readouterr().err


def test_evaluate_api_through_maps_onto_post_years():
    import warnings

    from lofteeval.datasets import demo_panel
    from lofteeval.evaluation import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = demo_panel()
        own = evaluate(panel, "gotland-2020", "reported_drug_offences")
        follow = evaluate(panel, "gotland-2020", "reported_drug_offences", through=2024)
    assert list(own.diagnostics["post_periods"]) == [2020]
    assert list(follow.diagnostics["post_periods"]) == [2020, 2021, 2022, 2023, 2024]


def test_report_windows_table(tmp_path):
    import warnings

    from lofteeval.reports import prepare_report
    from lofteeval.reports.html import render_html

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = prepare_report("gotland-2020", demo=True, through=2024)
    html = render_html(ctx)
    assert "Löftesåren" in html and "Åren efter löftet" in html and "2021–2024" in html
    sec = next(s for f in ctx.focus for s in f.indicators if s.windows)
    assert [w["years"] for w in sec.windows] == ["2020", "2021–2024"]
    assert "Syntetiska data" in html


def test_evaluate_out_xlsx_names_the_panel_vintage(empty_home, tmp_path):
    from openpyxl import load_workbook

    from lofteeval.datasets import demo_panel
    from lofteeval.harmonise.panel import save_panel

    real = demo_panel().query("indicator in ['reported_drug_offences', 'population']").copy()
    real["source"] = real["source"].replace({"demo": "bra"})
    real["flag"] = real["flag"].replace({"synthetic": ""})  # a stand-in for a fetched panel
    real.attrs = {"synthetic": False, "data_sources": [
        {"source": "bra", "publisher": "Brå", "downloaded": "2026-03-02", "vintage": "2024 preliminärt"}]}
    save_panel(real, empty_home / "data" / "processed" / "panel.parquet")
    out = tmp_path / "res.xlsx"
    assert main(["evaluate", "gotland-2020", "--indicator", "reported_drug_offences", "--out", str(out)]) == 0
    ws = load_workbook(out).worksheets[0]
    assert ws["A1"].value == "Data: Brå, hämtat 2026-03-02; 2024 preliminärt"
