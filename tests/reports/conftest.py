"""Hand-made löfte and EffectResult objects so the renderers are tested without the pipeline."""

from __future__ import annotations

import datetime as dt
import pytest

from lofteeval.indicators import INDICATORS
from lofteeval.registry import Activity, Lofte
from lofteeval.reports.build import Evaluated

from .fakes import make_result


@pytest.fixture
def fake_lofte() -> Lofte:
    """A real registry :class:`Lofte` made by hand (copy it with ``dataclasses.replace``)."""
    act = Activity(id="a1", text="Fem våldsutsatta kvinnor ska ha erbjudits SIP", owner="kommun",
                   target=5, unit="kvinnor", deadline=dt.date(2020, 12, 31), focus_area="vald_nara_relation")
    return Lofte(
        id="test-2020", title="Medborgarlöfte för Gotland 2020", kind="lofte", kommuner=("0980",),
        lokalpolisomrade="Gotland", signed=dt.date(2020, 2, 1), start=dt.date(2020, 1, 1),
        end=dt.date(2022, 12, 31), focus_areas=("narkotika", "vald_nara_relation"), activities=(act,),
        source={"document": "Medborgarlöfte 2020", "publisher": "Polisen", "date": "2020-02-01"},
        notes="Anteckning med å, ä och ö.",
    )


@pytest.fixture
def fake_evaluated() -> Evaluated:
    drug = make_result(0.25, 0.08, 0.45, 0.01, indicator="reported_drug_offences", p_adjusted=0.02)
    dv = make_result(-0.08, -0.25, 0.10, 0.40, indicator="reported_domestic_violence", p_adjusted=0.40)
    return Evaluated(
        areas=("narkotika", "vald_nara_relation"),
        pairs={"narkotika": ((drug, INDICATORS["reported_drug_offences"]),),
               "vald_nara_relation": ((dv, INDICATORS["reported_domestic_violence"]),)},
        failures={"narkotika": ((INDICATORS["problem_drugs"], "saknas i panelen"),),
                  "vald_nara_relation": ()},
    )
