"""Property (issue 11): a damaged input gives a conserved result or one DataError, never another exception.

Each example damages a good fixture (flip, drop or insert bytes, insert quotes, separators, NUL
bytes or minus signs, truncate) and runs its reader.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lofteeval.errors import DataError, LofteevalWarning
from lofteeval.sources import read_kolada_json, read_police_extract, read_scb_json, read_survey_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
READERS = {
    "survey_results.csv": read_survey_csv,
    "polisen_extract.csv": read_police_extract,
    "kolada_v3_page1.json": read_kolada_json,
    "scb_tab638_sparse.json": read_scb_json,
}
_INSERTS = [b'"', b";", b",", b"\x00", b"-", b"\n", b"{", b"]", b"\xff", b"1e400", b"..", b"2020.7"]


@st.composite
def damaged(draw, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "drop", "insert", "truncate"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[at] = draw(st.integers(0, 255))
        elif kind == "drop":
            del out[at:at + draw(st.integers(1, 8))]
        elif kind == "insert":
            out[at:at] = draw(st.sampled_from(_INSERTS))
        else:
            del out[at:]
    return bytes(out)


@pytest.mark.parametrize("name", sorted(READERS))
def test_damaged_inputs_give_a_conserved_result_or_one_data_error(name):
    reader = READERS[name]
    good = (FIXTURES / name).read_bytes()

    @settings(max_examples=80, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged(good))
    def check(data: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LofteevalWarning)
            try:
                _, report = reader(data)
            except DataError as exc:
                assert str(exc).strip()
                return
        assert report.rows_in == report.rows_out + sum(report.rows_dropped.values())

    check()
