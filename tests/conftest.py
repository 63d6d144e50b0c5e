"""Shared fixtures: seeded rng, tiny tidy panel, the ../shared folder, the Agg backend."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def prop99() -> pd.DataFrame:
    """Abadie, Diamond & Hainmueller's Proposition 99 panel (``tests/reference/california_prop99.csv``):
    cigarette packs per capita, 39 states, 1970-2000, California treated from 1989."""
    return pd.read_csv(Path(__file__).resolve().parent / "reference" / "california_prop99.csv", comment="#", sep=";")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240101)


@pytest.fixture
def fx() -> Path:
    """The hand-built source files in ``tests/fixtures/sources`` (readers and the CLI's import)."""
    return Path(__file__).resolve().parent / "fixtures" / "sources"


@pytest.fixture
def shared_dir() -> Path:
    """The project's ``../shared`` folder; tests that need it skip when it is absent."""
    path = Path(os.environ.get("LOFTEEVAL_SHARED", SHARED_DIR))
    if not path.is_dir():
        pytest.skip("../shared is not present next to the project root (set LOFTEEVAL_SHARED to its path)")
    return path


@pytest.fixture
def tiny_panel() -> pd.DataFrame:
    """A 3-kommun × 3-year tidy panel with one indicator plus population."""
    rows = []
    for k, pop in (("0114", 48000.0), ("0180", 980000.0), ("0980", 61000.0)):
        for y in (2019, 2020, 2021):
            count = round(pop * 0.005) + (y - 2019) * 3
            rows.append((k, y, "reported_drug_offences", count / pop * 1e5, "per_100k", "bra", "", count, np.nan))
            rows.append((k, y, "population", pop, "count", "scb", "", np.nan, np.nan))
    return pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "unit", "source", "flag", "n", "se"])
