"""`lofteeval panel` and `lofteeval kommun` (cli/data.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from lofteeval.cli import main
from lofteeval.harmonise.kommuner import population
from lofteeval.harmonise.panel import load_panel, save_panel


def test_kommun_command(capsys):
    assert main(["kommun", "Region", "Gotland"]) == 0
    assert capsys.readouterr().out.startswith("0980 Gotland")
    assert main(["kommun", "114"]) == 0
    assert capsys.readouterr().out.startswith("0114 Upplands Väsby")


def test_kommun_command_unknown_is_one_clear_line(capsys):
    assert main(["kommun", "Stokholm"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lofteeval: error: unknown kommun 'Stokholm'") and "Stockholm (0180)" in err


@pytest.mark.parametrize("cmd", ["panel", "kommun"])
def test_help(cmd, capsys):
    with pytest.raises(SystemExit) as info:
        main([cmd, "--help"])
    assert info.value.code == 0
    assert "usage: lofteeval " + cmd in capsys.readouterr().out


def test_panel_from_files_with_population(tmp_path, capsys):
    src = population(["0114"], [2019, 2020]).assign(indicator="population")
    crime = pd.DataFrame({"kommun": ["0114", "0114"], "year": [2019, 2020],
                          "indicator": ["reported_assault"] * 2, "value": [100.0, 110.0],
                          "unit": ["per_100k"] * 2, "source": ["bra"] * 2})
    f = save_panel(crime, tmp_path / "crime.csv")
    out = tmp_path / "panel.csv"
    assert main(["panel", "--from", str(f), "--population", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rows in 4 = rows out 4 + dropped 0  [OK]" in text
    assert "Syntetiska" not in text
    back = load_panel(out)
    assert set(back["indicator"]) == {"reported_assault", "population"}
    assert back.loc[back["indicator"] == "population", "value"].tolist() == src["value"].tolist()


def test_panel_needs_input(capsys):
    assert main(["panel"]) == 2
    assert "pass --demo" in capsys.readouterr().err


def test_panel_demo_is_labelled_synthetic(tmp_path, capsys):
    pytest.importorskip("lofteeval.datasets")
    out = tmp_path / "demo.parquet"
    assert main(["panel", "--demo", "--seed", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Syntetiska data – endast för demonstration" in text
    assert load_panel(out).attrs["synthetic"] is True
