"""Fixtures for the source readers: the hand-built files in tests/fixtures/sources."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


@pytest.fixture
def fx() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _quiet_reader_warnings():
    """Readers warn DroppedRowsWarning/FlaggedRowsWarning on purpose; tests assert the report instead."""
    from lofteeval.errors import LofteevalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LofteevalWarning)
        yield


def _assert_conserved(report) -> None:
    assert report.rows_in == report.rows_out + sum(report.rows_dropped.values())
    assert report.balanced


@pytest.fixture
def conserved():
    """``conserved(report)`` asserts rows in == rows out + rows dropped."""
    return _assert_conserved
