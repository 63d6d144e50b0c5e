from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError
from lofteeval.sources._parse import (BRA_CODES, DEFAULT_CODES, parse_number, parse_numbers, read_table,
                                      read_text, sniff_separator)


@pytest.mark.parametrize("text, expected", [
    ("2 537", 2537.0), ("2\u00a0537", 2537.0), ("2\u202f537", 2537.0), ("8 547,3", 8547.3),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("\u221212", -12.0), ("12 %", 12.0), ("0,5", 0.5), (7, 7.0),
])
def test_parse_number_swedish_forms(text, expected):
    assert parse_number(text) == expected


def test_parse_number_rejects_text():
    with pytest.raises(ValueError, match="not a number"):
        parse_number("n/a")


def test_special_codes_become_nan_with_flags():
    values, flags = parse_numbers(pd.Series(["..", ".", "x", "XX", "", "-", "3"]), codes=DEFAULT_CODES)
    assert np.isnan(values[:6]).all() and values[6] == 3.0
    assert flags.tolist() == ["suppressed", "not_applicable", "suppressed", "suppressed", "missing", "missing", ""]


def test_bra_dash_is_zero_without_flag():
    values, flags = parse_numbers(pd.Series(["-", "–", ".."]), codes=BRA_CODES)
    assert values[0] == 0.0 and values[1] == 0.0 and np.isnan(values[2])
    assert flags.tolist() == ["", "", "suppressed"]


def test_unknown_codes_listed_in_one_error():
    with pytest.raises(DataError, match=r"2 value\(s\).*'n/a' \(row 2\).*'\?' \(row 3\)"):
        parse_numbers(pd.Series(["1", "n/a", "?"]), column="Antal")


def test_encodings_detected():
    text = "Kommun;Antal\nÅre;5\n"
    assert read_text(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8-sig")
    assert read_text(text.encode()) == (text, "utf-8")
    assert read_text(text.encode("cp1252")) == (text, "cp1252")


def test_wrong_declared_encoding_is_a_clear_error():
    with pytest.raises(DataError, match="does not decode as 'utf-8'.*encoding=None"):
        read_text("Kommun;Antal\nÅre;5\n".encode("cp1252"), encoding="utf-8")


def test_double_encoded_utf8_is_refused(fx):
    with pytest.raises(DataError, match="double-encoded"):
        read_text(fx / "bad_doubleencoded.csv")


@pytest.mark.parametrize("name, message", [
    ("bad_html.csv", "HTML page.*Sidan kunde inte hittas"),
    ("bad_empty.csv", "empty"),
    ("bad_truncated.csv", "truncated"),
])
def test_non_csv_inputs(fx, name, message):
    with pytest.raises(DataError, match=message):
        read_table(fx / name)


def test_excel_file_refused():
    with pytest.raises(DataError, match="Excel/zip"):
        read_text(b"PK\x03\x04rest-of-xlsx")


@pytest.mark.parametrize("text, sep", [
    ("a;b;c\n1;2,5;3\n", ";"), ("a,b,c\n1,2,3\n", ","), ("a\tb\n1\t2\n", "\t"),
    ('a,b\n1,"2,5"\n', ","),
])
def test_separator_sniffing(text, sep):
    assert sniff_separator(text) == sep


def test_separator_sniffing_fails_on_prose():
    with pytest.raises(DataError, match="column separator"):
        sniff_separator("just some words\nand more words\n")
