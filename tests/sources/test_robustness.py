"""Every malformed input class of TARGETS.md "Robustness": a correct result with counts, or one
clear DataError naming the problem — through the reader and through ``lofteeval import``."""

from __future__ import annotations

import numpy as np
import pytest

from lofteeval.cli import main
from lofteeval.errors import DataError
from lofteeval.sources import read_bra_kommun_csv, read_kolada_json

# (input class, file, message the one error must contain)
ERRORS = [
    ("encoding: double-encoded UTF-8", "bad_doubleencoded.csv", "double-encoded"),
    ("thousands separator '.'/','", "bad_thousands.csv", r"must hold whole counts.*'2\.731'"),
    ("text in a number cell", "bad_code_text.csv", r"neither numbers nor known special codes: 'n/a'"),
    ("non-finite number", "bad_inf.csv", "n must be finite"),
    ("conflicting duplicates", "bad_conflict.csv", "appear twice with different values"),
    ("misspelt kommun", "bad_misspelt.csv", r"unknown kommun 'Gotlnad'.*Gotland \(0980\)"),
    ("empty kommun cell", "bad_empty_kommun.csv", "1 row.s. with an empty kommun cell"),
    ("old code used after it was replaced", "bra_oldcode.csv", r"'1917' was replaced by '0331'"),
    ("negative count", "bad_negative.csv", "must be >= 0"),
    ("truncated file", "bad_truncated.csv", "truncated"),
    ("unquoted separator / extra field", "bad_extra_field.csv", r"do not have the 3 fields.*line 3"),
    ("HTML error page", "bad_html.csv", "HTML page"),
    ("empty file", "bad_empty.csv", "empty"),
    ("PDF, not CSV", "bad_pdf.csv", "bad_pdf.csv: this is a PDF"),
    ("Excel/zip, not CSV", "bad_xlsx.csv", "Excel/zip file"),
]


@pytest.mark.parametrize("what, name, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_reader_gives_one_clear_error(fx, what, name, message):
    with pytest.raises(DataError, match=f"(?s){message}"):
        read_bra_kommun_csv(fx / name, year=2023)


@pytest.mark.parametrize("what, name, message", ERRORS[::2], ids=[e[0] for e in ERRORS[::2]])
def test_cli_error_is_one_message_exit_2_no_traceback(fx, capsys, what, name, message):
    code = main(["import", "bra", str(fx / name), "--year", "2023"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("lofteeval: error: ") and err.count("lofteeval: error:") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("name, message", [
    ("bad_kolada_truncated.json", "not valid JSON.*truncated"),
    ("bad_kolada_list.json", "a JSON list of int"),
    ("bad_kolada_shape.json", "each item must be an object"),
])
def test_kolada_malformed_files(fx, capsys, name, message):
    with pytest.raises(DataError, match=message):
        read_kolada_json(fx / name)
    assert main(["import", "kolada", str(fx / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("lofteeval: error:") == 1 and "Traceback" not in err


def test_cli_bra_without_year_is_one_line(fx, capsys):
    assert main(["import", "bra", str(fx / "bra_kommun_2023.csv")]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "needs --year" in err


def test_utf16_is_read_correctly_and_said(fx, conserved):
    frame, report = read_bra_kommun_csv(fx / "bad_utf16.csv", year=2023)
    assert frame.set_index("kommun").loc["1495", ["n", "value"]].tolist() == [1000.0, 5339.6]
    assert "encoding utf-16" in report.notes[0]
    conserved(report)


def test_blank_lines_are_counted_in_the_report(fx, conserved, capsys):
    frame, report = read_bra_kommun_csv(fx / "bad_blank_lines.csv", year=2023)
    assert sorted(frame["kommun"]) == ["1440", "1495"]
    assert "3 blank line(s) skipped" in report.notes[0]
    conserved(report)
    assert main(["import", "bra", str(fx / "bad_blank_lines.csv"), "--year", "2023"]) == 0
    assert "3 blank line(s) skipped" in capsys.readouterr().out


def test_suppression_codes_become_nan_with_flags_and_printed_counts(fx, capsys, conserved):
    frame, report = read_bra_kommun_csv(fx / "bad_codes.csv", year=2023)
    got = frame.set_index("kommun")
    assert np.isnan(got.loc["1495", "value"]) and got.loc["1495", "flag"] == "suppressed"  # ..
    assert got.loc["0662", ["n", "value"]].tolist() == [0.0, 0.0]  # '-' = zero in Brå tables
    assert np.isnan(got.loc["1419", "value"]) and got.loc["1419", "flag"] == "suppressed"  # x count, '.' rate
    assert report.rows_flagged == {"suppressed": 2}
    conserved(report)
    assert main(["import", "bra", str(fx / "bad_codes.csv"), "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "flagged (kept): 2 - suppressed 2" in out and "2 '-' cell(s) read as 0" in out


def test_exact_duplicate_and_unknown_drop_are_counted_in_the_cli(fx, capsys):
    assert main(["import", "bra", str(fx / "bad_duplicate.csv"), "--year", "2023"]) == 0
    assert "dropped: 1 - duplicate row" in capsys.readouterr().out
    assert main(["import", "bra", str(fx / "bad_misspelt.csv"), "--year", "2023", "--unknown", "drop"]) == 0
    assert "dropped: 1 - unknown kommun name or code" in capsys.readouterr().out


def test_old_code_maps_for_years_before_the_change(fx, capsys):
    assert main(["import", "bra", str(fx / "bra_oldcode.csv"), "--year", "2005"]) == 0
    assert "rows in 2 = rows out 2" in capsys.readouterr().out


def test_only_polisen_takes_several_files(fx, capsys):
    f = str(fx / "bra_kommun_2023.csv")
    assert main(["import", "bra", f, f, "--year", "2023"]) == 2
    assert "reads one file (got 2)" in capsys.readouterr().err
