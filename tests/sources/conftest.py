"""Fixtures for the source readers (the ``fx`` folder of hand-built files is in tests/conftest.py)."""

from __future__ import annotations

import warnings

import pytest


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
