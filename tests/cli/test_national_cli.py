"""``lofteeval national`` end to end on a small part of the demo panel."""

from __future__ import annotations

import pandas as pd

from lofteeval.cli import main

SYN = "Syntetiska data – endast för demonstration"


def test_national_demo_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "nat"
    assert main(["national", "--demo", "--focus-area", "bedrageri", "--jobs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == f"*** {SYN} ***" and printed.splitlines()[-1] == f"*** {SYN} ***"
    assert "6 löften, 6 rows (6 evaluated, 0 refused for too few counts, 0 not evaluated" in printed
    table = pd.read_parquet(out / "national.parquet")
    assert len(table) == 6
    assert table["synthetic"].all() and table["data"].str.contains("syntetiska").all()
    csv = pd.read_csv(out / "national.csv", sep=";", decimal=",")
    assert len(csv) == 6 and csv["estimate"].dtype == float  # sv: ';' and decimal comma
    sheets = pd.read_excel(out / "national.xlsx", sheet_name=None, header=2)  # below the synthetic banner
    assert set(sheets) == {"national", "pooled", "areas"} and len(sheets["pooled"]) == 1
    assert sheets["areas"]["n_detect_20"].between(0, 6).all()
    html = (out / "national.html").read_text(encoding="utf-8")
    assert html.count(SYN) >= 3 and "bedrageri" in html and "data:image/png;base64," in html
    assert not list(out.glob(".*"))  # no temp file left behind


def test_national_unknown_area_is_one_line(tmp_path, capsys):
    assert main(["national", "--demo", "--focus-area", "inbrot", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown focus area" in err[0] and "inbrott" in err[0]


def test_national_quiet_and_population_weights(tmp_path, capsys):
    out = tmp_path / "nat"
    args = ["national", "--demo", "--focus-area", "bedrageri", "--jobs", "1", "--out", str(out), "--quiet",
            "--weights", "population", "--no-report"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""  # no progress bar
    pooled = pd.read_parquet(out / "pooled.parquet")
    assert (pooled["weights"] == "population").all() and (pooled["status"] == "ok").all()
