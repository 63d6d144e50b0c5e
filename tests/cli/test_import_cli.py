"""lofteeval import: every reader from the command line (summary, output file, one-line errors)."""

from __future__ import annotations

import pandas as pd
import pytest

from lofteeval.cli import main


def test_cli_import_prints_summary_and_writes(fx, tmp_path, capsys):
    out = tmp_path / "bra.csv"
    assert main(["import", "bra", str(fx / "bra_kommun_2021_noheader.csv"), "--year", "2021", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rows in 7 = rows out 5 + dropped 2" in text and "stadsdel" in text
    written = pd.read_csv(out, dtype={"kommun": str})
    assert sorted(written["kommun"]) == ["0180", "0980", "1440", "2023", "2506"]


def test_cli_import_error_is_one_line(fx, capsys):
    assert main(["import", "bra", str(fx / "bad_html.csv"), "--year", "2023"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lofteeval: error:") and "HTML" in err and "Traceback" not in err


def test_cli_import_bra_needs_year(fx, capsys):
    assert main(["import", "bra", str(fx / "bra_kommun_2023.csv")]) == 2
    assert "--year" in capsys.readouterr().err


@pytest.mark.parametrize("source, name", [("kolada", "kolada_v2.json"), ("scb", "scb_v1.json"),
                                          ("survey", "survey_results.csv"), ("polisen", "polisen_extract.csv"),
                                          ("bra-sol", "bra_sol_long.csv")])
def test_cli_import_every_source(fx, tmp_path, capsys, source, name):
    out = tmp_path / "t.parquet"
    assert main(["import", source, str(fx / name), "--out", str(out)]) == 0
    assert "rows in" in capsys.readouterr().out and len(pd.read_parquet(out)) > 0
