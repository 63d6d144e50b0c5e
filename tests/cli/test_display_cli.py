"""The CLI speaks to people: labels instead of ids, no ``<NA>``/``None``/``NaN``, help on every argument."""

from __future__ import annotations

import argparse
import re

import pytest

from lofteeval.cli import build_parser, main
from lofteeval.indicators import FOCUS_AREAS
from lofteeval.registry import load_registry
from lofteeval.registry.followup import example_follow_up_path

SEEDS = ["gotland-2020", "gotland-2020-problembild", "gislaved-2022", "skara-2021", "sodra-fyrbodal-2023"]
NATIONAL = sorted(i for i in load_registry() if i not in SEEDS)[::20]  # every 20th national entry
MISSING = re.compile(r"<NA>|\bNone\b|\bNaN\b|\bnan\b|\bNaT\b")
AREA_IDS = [a for a in FOCUS_AREAS if "_" in a]  # ids that are not also words (narkotika, trafik ...)


def _out(capsys, argv: list[str]) -> str:
    assert main(argv) == 0, argv
    return capsys.readouterr().out


def test_loften_shows_names_and_labels(capsys):
    out = _out(capsys, ["loften"])
    assert not MISSING.search(out)
    table = out.splitlines()
    assert table[0].split()[:3] == ["id", "typ", "kommuner"]
    row = next(line for line in table if line.strip().startswith("sodra-fyrbodal-2023"))
    assert "Stenungsund, Orust, Tjörn" in row and "Våld i offentlig miljö" in row
    assert not any(area in row for area in AREA_IDS) and "1415" not in row


@pytest.mark.parametrize("lofte_id", SEEDS + NATIONAL)
def test_lofte_show_has_labels_and_no_missing_markers(capsys, lofte_id):
    lf = load_registry()[lofte_id]
    out = _out(capsys, ["lofte", "show", lofte_id])
    assert not MISSING.search(out), [ln for ln in out.splitlines() if MISSING.search(ln)]
    head = out.split("Fokusområden och indikatorer")[0]
    areas = next(ln for ln in head.splitlines() if ln.strip().startswith("fokusområden:"))
    assert all(FOCUS_AREAS[a].label_sv in areas for a in lf.focus_areas)
    assert not any(a in areas for a in AREA_IDS)
    if lf.activities:
        acts = out.split("Aktiviteter:")[1].splitlines()
        for a in lf.activities:  # the owner column right after the id is a label, never both/kommun
            line = next(ln for ln in acts if ln.split() and ln.split()[0] == a.id)
            assert line.split(a.id, 1)[1].lstrip().startswith(("Polisen", "Kommunen", "Kommunerna", "Region")), line


def test_lofte_show_gotland_is_a_region(capsys):
    out = _out(capsys, ["lofte", "show", "gotland-2020"])
    assert "Polisen och Region Gotland" in out and "Region Gotland: Medborgarlöfte 2020 är signerat (2020-02-24)" in out
    assert "owner" not in out and "both" not in out


def test_lofte_followup_has_labels_and_no_missing_markers(capsys):
    out = _out(capsys, ["lofte", "followup", "gotland-2020", str(example_follow_up_path())])
    assert not MISSING.search(out), out
    assert "Polisen och Region Gotland" in out and "Våld i nära relationer" in out
    assert "vald_nara_relation" not in out and "both" not in out
    drog3 = next(line for line in out.splitlines() if line.strip().startswith("drog-3"))
    assert " ja " in drog3  # a yes/no activity: done "ja", no target number
    assert " 5.0 " not in out  # counts as whole numbers


def _parsers(parser: argparse.ArgumentParser, path: str = "lofteeval"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_argument_has_help_text():
    missing = []
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{path}: {'/'.join(action.option_strings) or action.dest}")
    assert not missing, missing


def test_every_subcommand_has_help_text():
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                assert set(helps) == set(action.choices), path
                assert all((h or "").strip() for h in helps.values()), (path, helps)


def test_lofte_show_national_entry_speaks_swedish(capsys):
    """Confidence in Swedish, areas outside the vocabulary without underscores."""
    lf = load_registry()["falun-2022"]
    assert lf.confidence == "high" and "valdsbejakande_extremism" in lf.other_areas
    out = _out(capsys, ["lofte", "show", "falun-2022"])
    assert "tillförlitlighet: hög (hur säkert källan kunde läsas)" in out
    assert "Våldsbejakande extremism (utanför paketets fokusområden)" in out
    assert "high" not in out and "valdsbejakande_extremism" not in out
    assert "förnyar:          Medborgarlöfte Falun 2016 (falun-2016)" in out


def test_every_confidence_value_has_a_swedish_label():
    from lofteeval.registry.display import confidence_label
    from lofteeval.registry.fields import CONFIDENCE

    labels = {c: confidence_label(c) for c in CONFIDENCE}
    assert labels == {"high": "hög", "medium": "medel", "low": "låg"}
    assert confidence_label("high", lang="en") == "high" and confidence_label(None) == ""


def test_evaluate_says_a_small_count_refusal_cannot_be_decided_in_the_readers_words():
    from lofteeval.cli.evaluate import _not_estimated
    from lofteeval.errors import DesignError, Refusal
    from lofteeval.estimators._warnings import refuse_small_counts

    with pytest.raises(DesignError) as err:
        refuse_small_counts(2.4, "before/after on counts")
    few = Refusal.of(err.value)
    assert _not_estimated(few, "sv") == ("kan inte avgöras (för få anmälda brott per år före löftet – i snitt 2,4, "
                                         "minst 10 behövs)")
    assert _not_estimated(few, "en").startswith("cannot be decided (too few reported offences a year")
    other = Refusal.of(DesignError("3 donors after exclusions; widen the pool"))
    assert _not_estimated(other, "sv") == "kunde inte skattas (metoden kunde inte tillämpas på uppgifterna)"
    assert "Error" not in _not_estimated(few, "sv") + _not_estimated(other, "sv")
