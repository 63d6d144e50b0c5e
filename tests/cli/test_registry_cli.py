"""CLI: loften, lofte show/draft/followup; errors are one line, never a traceback."""

from __future__ import annotations

import tomllib

from lofteeval.cli import main
from lofteeval.registry.followup import example_follow_up_path


def test_loften_table(capsys):
    assert main(["loften"]) == 0
    out = capsys.readouterr().out
    assert "gotland-2020" in out and "sodra-fyrbodal-2023" in out and "problembild" in out
    assert "Stenungsund, Orust, Tjörn" in out and "Våld i nära relationer" in out  # names and labels, not ids


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


def test_show_lists_indicators_or_why_not_measurable(capsys):
    from lofteeval.indicators import FOCUS_AREAS, indicators_for
    from lofteeval.registry import load_registry

    # the seed löften plus the first national entry naming each area (not all 146: keep it fast)
    registry = list(load_registry().values())
    seeds = [lf for lf in registry if lf.source["document"].endswith(".txt")]
    firsts = {a: next(lf for lf in registry if a in lf.focus_areas)
              for a in sorted({a for lf in registry for a in lf.focus_areas})}
    for lf in {x.id: x for x in [*seeds, *firsts.values()]}.values():
        assert main(["lofte", "show", lf.id]) == 0
        out = capsys.readouterr().out.split("Fokusområden och indikatorer")[1]
        for area in lf.focus_areas:
            line = next(ln for ln in out.splitlines() if ln.strip().startswith(f"{FOCUS_AREAS[area].label_sv} ({area})"))
            if FOCUS_AREAS[area].measurable:
                assert all(f"{s.label_sv} ({s.id}" in line for s in indicators_for(area))
            else:
                assert "ej mätbart" in line
    assert main(["lofte", "show", "gislaved-2022"]) == 0
    assert "Anmälda narkotikabrott (reported_drug_offences, tvetydig riktning)" in capsys.readouterr().out


def test_followup_template_cli_round_trip(capsys, tmp_path):
    out = tmp_path / "fyrbodal_2024.csv"
    assert main(["lofte", "followup-template", "sodra-fyrbodal-2023", "--out", str(out)]) == 2
    assert "--year 2023" in capsys.readouterr().err
    assert main(["lofte", "followup-template", "sodra-fyrbodal-2023", "--year", "2024",
                 "--out", str(out)]) == 0
    assert "11 aktiviteter" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8-sig").replace("polisen-2;2024;;", "polisen-2;2024;ja;")
    out.write_text(text, encoding="utf-8")
    assert main(["lofte", "followup", "sodra-fyrbodal-2023", str(out), "--year", "2024"]) == 0
    assert "uppfyllt: 1" in capsys.readouterr().out
    assert main(["lofte", "followup-template", "gotland-2020", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["lofte", "followup-template", "gotland-2020", "--out", str(out), "--force"]) == 0
