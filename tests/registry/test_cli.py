"""CLI: loften, lofte show/draft/followup; errors are one line, never a traceback."""

from __future__ import annotations

import tomllib

from lofteeval.cli import main
from lofteeval.followup import example_follow_up_path


def test_loften_table(capsys):
    assert main(["loften"]) == 0
    out = capsys.readouterr().out
    assert "gotland-2020" in out and "sodra-fyrbodal-2023" in out and "problem_picture" in out


def test_lofte_show(capsys):
    assert main(["lofte", "show", "gotland-2020"]) == 0
    out = capsys.readouterr().out
    assert "Gotland (0980)" in out and "kvinnor erbjudna SIP" in out and "vnr-1" in out


def test_unknown_id_is_one_line(capsys):
    assert main(["lofte", "show", "gotlnd-2020"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Did you mean 'gotland-2020'" in err


def test_lofte_draft(capsys, shared_dir):
    assert main(["lofte", "draft", str(shared_dir / "loften" / "003_43416847c19f9cf4.txt")]) == 0
    data = tomllib.loads(capsys.readouterr().out)
    assert data["kommuner"] == ["1495"] and "narkotika" in data["focus_areas"]


def test_lofte_followup(capsys):
    assert main(["lofte", "followup", "gotland-2020", str(example_follow_up_path()), "--year", "2020"]) == 0
    out = capsys.readouterr().out
    assert "delvis" in out and "ej rapporterat" in out and "uppfyllt: 3" in out


def test_followup_bad_id_is_one_line(capsys, tmp_path):
    f = tmp_path / "f.csv"
    f.write_text("activity_id,done\nnope,1\n", encoding="utf-8")
    assert main(["lofte", "followup", "gotland-2020", str(f)]) == 2
    assert "known activity ids" in capsys.readouterr().err
