"""Hostile files (issue 11): binary and broken text refused from their first bytes, one DataError naming the file.

Cases are the files in ``tests/fixtures/sources/hostile`` or generated here; each asserts the
reader's one error and its message.
"""

from __future__ import annotations

import os
import tracemalloc

import pytest

from lofteeval.errors import DataError
from lofteeval.sources import read_kolada_json, read_police_extract, read_scb_json, read_survey_csv
from lofteeval.sources._parse import read_table, read_text

HEADER = "kommun;year;item;value;unit\n"
ROW = "Skövde;2023;worry_crime;21;percent\n"

SIGNATURES = [
    ("xlsx", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", r"x\.csv: this is an Excel/zip file"),
    ("empty zip", b"PK\x05\x06" + bytes(18), r"x\.csv: this is an \(empty\) zip file"),
    ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), r"x\.csv: this is an old Excel \(\.xls\)"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", r"x\.csv: this is a PDF.*CSV/Excel version"),
    ("gzip", b"\x1f\x8b\x08\x00" + bytes(6), r"x\.csv: this is a gzip archive.*unpack"),
    ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04", r"x\.csv: this is a 7-Zip archive"),
    ("rar", b"Rar!\x1a\x07\x01\x00", r"x\.csv: this is a RAR archive"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00", r"x\.csv: this is a PNG image"),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", r"x\.csv: this is a JPEG image"),
    ("sqlite", b"SQLite format 3\x00\x10\x00", r"x\.csv: this is an SQLite database"),
    ("parquet", b"PAR1\x15\x04\x15", r"x\.csv: this is a Parquet file"),
]


def _big_file(path, head: bytes, size: int) -> None:
    """``head`` followed by zeros up to ``size`` bytes, sparse on disk (nothing is really written)."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)


def _refused_without_reading_it_whole(reader, path, message: str) -> None:
    """``reader(path)`` raises ``DataError`` matching ``message`` with a peak of < 20 MB Python memory."""
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=message):
            reader(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the hundreds of MB were never loaded


@pytest.mark.parametrize("what, head, message", SIGNATURES, ids=[s[0] for s in SIGNATURES])
def test_file_signatures_refused_by_name(tmp_path, what, head, message):
    path = tmp_path / "x.csv"
    path.write_bytes(head + b"kommun;year\n" * 20)
    with pytest.raises(DataError, match=message):
        read_survey_csv(path)


@pytest.mark.parametrize("name, message", [
    ("fake.xlsx", r"^fake\.xlsx: this is an Excel/zip file"),
    ("old_excel.xls", r"^old_excel\.xls: this is an old Excel"),
    ("gzip_named.csv", r"^gzip_named\.csv: this is a gzip archive"),
])
def test_fixture_binaries_refused(fx, name, message):
    with pytest.raises(DataError, match=message):
        read_police_extract(fx / "hostile" / name)


def test_nul_byte_after_the_first_4_kib_is_refused_with_its_line(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes((HEADER + ROW * 300).encode() + b"Skara;2023;worry\x00_crime;25;percent\n")
    with pytest.raises(DataError, match=r"nul\.csv: binary content \(NUL byte at byte \d+, line 302\)"):
        read_survey_csv(path)


def test_control_characters_are_not_text(tmp_path):
    path = tmp_path / "ctl.csv"
    path.write_bytes(bytes(range(1, 9)) * 40 + HEADER.encode())
    with pytest.raises(DataError, match=r"ctl\.csv: 320 control characters in the first \d+ bytes"):
        read_table(path)


def test_big_random_file_refused_from_its_head_without_reading_it_whole(tmp_path):
    path = tmp_path / "garbage.csv"
    _big_file(path, os.urandom(8192), 300 * 2**20)  # random head, NUL bytes after
    _refused_without_reading_it_whole(read_survey_csv, path, r"garbage\.csv: (binary content|\d+ control characters)")


def test_big_text_file_that_is_no_table_refused_from_its_head(tmp_path):
    path = tmp_path / "prose.csv"
    _big_file(path, b"Lorem ipsum dolor sit amet consectetur adipiscing elit\n" * 5000, 200 * 2**20)
    _refused_without_reading_it_whole(read_table, path, r"prose\.csv: cannot find the column separator")


def test_utf8_file_with_one_bad_byte_names_byte_and_line(fx):
    with pytest.raises(DataError, match=r"bad_byte_utf8\.csv: not valid UTF-8: byte 0xf6 at offset 68 \(line 3\)"):
        read_survey_csv(fx / "hostile" / "bad_byte_utf8.csv")


def test_cp1252_file_is_still_read_but_undefined_bytes_are_refused():
    text, used = read_text("kommun;year\nMalmö;2023\n".encode("cp1252"))
    assert used == "cp1252" and "Malmö" in text
    with pytest.raises(DataError, match=r"byte 0x81 at offset 12 \(line 2\) is neither UTF-8 nor Windows-1252"):
        read_text(b"kommun;year\n\x81lm\xf6;2023\n")


def test_unbalanced_quote_names_the_line(fx):
    with pytest.raises(DataError, match=r"unbalanced_quote\.csv: cannot split line 2 into fields.*never closed"):
        read_survey_csv(fx / "hostile" / "unbalanced_quote.csv")


def test_text_after_a_closing_quote_names_the_line():
    data = (HEADER + ROW + 'Skara;2023;"worry"_crime;25;percent\n').encode()
    with pytest.raises(DataError, match=r"<bytes>: cannot split line 3 into fields"):
        read_table(data)


def test_giant_quoted_field_is_one_error_not_a_csv_traceback(tmp_path):
    path = tmp_path / "giant.csv"
    path.write_text(HEADER + ROW + 'Skara;2023;"' + "x" * 200_000 + '";25;percent\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"giant\.csv: cannot split line 3 into fields \(field larger than"):
        read_survey_csv(path)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(DataError, match="expected a file, got the folder"):
        read_survey_csv(tmp_path)


@pytest.mark.parametrize("reader", [read_kolada_json, read_scb_json], ids=["kolada", "scb"])
def test_json_readers_refuse_binary_and_non_json_by_name(tmp_path, reader):
    path = tmp_path / "svar.json"
    path.write_bytes(b"%PDF-1.4\n" + bytes(100))
    with pytest.raises(DataError, match=r"^svar\.json: this is a PDF"):
        reader(path)
    path.write_text("kommun;year;value\nSkara;2021;1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^svar\.json: not JSON: it starts with 'kommun;year;value"):
        reader(path)


@pytest.mark.parametrize("reader", [read_kolada_json, read_scb_json], ids=["kolada", "scb"])
def test_big_json_that_is_no_json_refused_from_its_head(tmp_path, reader):
    path = tmp_path / "big.json"
    _big_file(path, b"<error>quota exceeded</error>\n" * 3000, 300 * 2**20)
    _refused_without_reading_it_whole(reader, path, r"^big\.json: not JSON: it starts with '<error>")


def test_json_with_a_bad_utf8_byte_names_it(tmp_path):
    path = tmp_path / "kolada.json"
    path.write_bytes('{"values": [{"kpi": "N07540", "municipality": "Malmö", '.encode() + b'"x": "\xff"}]}')
    with pytest.raises(DataError, match=r"^kolada\.json: not valid UTF-8: byte 0xff"):
        read_kolada_json(path)


@pytest.mark.parametrize("header, shown", [
    ("kommun;year;item;value;unit;value", r"'value' appears twice in the header \(as 'value' and 'value'\)"),
    ("kommun;year;item;value;unit;Year", r"'Year' appears twice in the header \(as 'year' and 'Year'\)"),
])
def test_repeated_column_names_are_refused(tmp_path, header, shown):
    path = tmp_path / "dup.csv"
    path.write_text(header + "\nSkara;2021;worry_crime;21;percent;22\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"^dup\\.csv: the column {shown}"):
        read_survey_csv(path)


def test_repeated_police_columns_are_refused():
    data = ('"","Id","Brottskod","Brottskod.klartext","Inskrivningsdatum","Brottsdatum","Kommun","Län",'
            '"DeSO.område","Antal","Antal"\n"1",1,1211,"b","2022-01-02","2022-01-02","Skara","","",1,2\n').encode()
    with pytest.raises(DataError, match=r"^<bytes>: the column 'Antal' appears twice"):
        read_police_extract(data)


def test_header_without_data_rows_is_refused(tmp_path):
    path = tmp_path / "tom.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(DataError, match=r"^tom\.csv: only a header line \(kommun, year, item, value, unit\), no data rows"):
        read_survey_csv(path)


@pytest.mark.parametrize("source, name", [
    ("polisen", "police_negative_antal.csv"), ("polisen", "police_monthly_dates.csv"), ("polisen", "fake.xlsx"),
    ("survey", "survey_fractional_year.csv"), ("survey", "bad_byte_utf8.csv"), ("survey", "unbalanced_quote.csv"),
    ("kolada", "old_excel.xls"), ("scb", "gzip_named.csv"),
])
def test_cli_import_gives_one_error_naming_the_file(fx, capsys, source, name):
    from lofteeval.cli import main

    assert main(["import", source, str(fx / "hostile" / name)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("lofteeval: error:") == 1 and "Traceback" not in err
    assert name in err
