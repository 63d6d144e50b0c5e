"""Tests for lofteeval.design: periods, comparison selection with reasons, exclusions, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from lofteeval import datasets
from lofteeval.design import MIN_POOL, make_design, select_comparison
from lofteeval.errors import DesignError
from lofteeval.registry import Lofte, load_lofte


@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel(seed=0)


def _lofte(lofte_id: str, kommuner: tuple[str, ...], start: int, end: int, areas: tuple[str, ...]) -> Lofte:
    return Lofte(id=lofte_id, title="test", kind="lofte", kommuner=kommuner, lokalpolisomrade=None,
                 signed=None, start=dt.date(start, 1, 1), end=dt.date(end, 12, 31), focus_areas=areas)


def test_periods_follow_the_lofte(demo):
    d = make_design(demo, "sodra-fyrbodal-2023", "reported_assault")
    assert d.treated == ("1415", "1421", "1419")
    assert d.treatment_start == 2023
    assert d.post_period == (2023, 2024)
    assert d.pre_period == tuple(range(2010, 2023))
    assert set(d.treated).isdisjoint(d.comparison_units)
    short = make_design(demo, "sodra-fyrbodal-2023", "reported_assault", pre_years=4)
    assert short.pre_period == (2019, 2020, 2021, 2022)
    longer = make_design(demo, "gotland-2020", "reported_assault", post_years=3)
    assert longer.post_period == (2020, 2021, 2022)


def test_auto_pool_same_kommungrupp_similar_size_with_reasons(demo):
    d = make_design(demo, "gotland-2020", "reported_assault")
    ref = datasets._kommun_reference()[0].set_index("kommun")
    group = ref.at["0980", "kommungrupp"]
    assert len(d.comparison) >= MIN_POOL
    assert (d.comparison["kommungrupp"] == group).all()
    pop = d.comparison["population"]
    gotland = demo[(demo["indicator"] == "population") & (demo["kommun"] == "0980")
                   & demo["year"].isin(d.pre_period)]["value"].mean()
    assert pop.between(gotland / 3, gotland * 3).all()
    assert d.comparison["reason"].str.contains(f"same kommungrupp {group}").all()
    assert d.comparison["pre_rmspe"].is_monotonic_increasing
    # every other kommun is accounted for with a reason
    assert len(d.comparison) + len(d.excluded) == 289
    assert (d.excluded["reason"].str.len() > 0).all()


def test_contaminated_kommun_is_excluded_with_reason(demo):
    # skara-2021 (narkotika, 2021) lies inside gislaved-2022's window 2010-2022: Skara (1495) must
    # not serve as a comparison for Gislaved's drug offences, and the reason names the löfte.
    d = make_design(demo, "gislaved-2022", "reported_drug_offences", comparison="all")
    assert "1495" not in d.comparison_units
    row = d.excluded.set_index("kommun").loc["1495", "reason"]
    assert "skara-2021" in row and "contamination" in row and "narkotika" in row
    # the same kommun is fine for an indicator no other löfte targets in the window
    d2 = make_design(demo, "gislaved-2022", "reported_residential_burglary", comparison="all")
    assert "1495" in d2.comparison_units


def test_contamination_uses_the_given_registry(demo):
    other = _lofte("x-2015", ("0180",), 2015, 2016, ("inbrott",))
    reg = {"gotland-2020": load_lofte("gotland-2020"), "x-2015": other}
    d = make_design(demo, "gotland-2020", "reported_residential_burglary", comparison="all", registry=reg)
    assert "0180" not in d.comparison_units
    assert "x-2015" in d.excluded.set_index("kommun").at["0180", "reason"]
    outside = {"gotland-2020": reg["gotland-2020"], "x": _lofte("x", ("0180",), 2021, 2022, ("inbrott",))}
    d2 = make_design(demo, "gotland-2020", "reported_residential_burglary", comparison="all", registry=outside)
    assert "0180" in d2.comparison_units  # its löfte starts after the window 2010-2020


def test_neighbours_and_lan_exclusions(demo):
    from lofteeval.harmonise.kommuner import neighbours

    lf = _lofte("t", ("0662",), 2022, 2022, ("inbrott",))
    nb = set(neighbours("0662", include_links=True))
    base = make_design(demo, lf, "reported_residential_burglary", comparison="all", registry={})
    assert nb & set(base.comparison_units)  # neighbours are candidates by default
    d = make_design(demo, lf, "reported_residential_burglary", comparison="all", exclude_neighbours=True,
                    registry={})
    assert nb.isdisjoint(d.comparison_units)
    reasons = d.excluded.set_index("kommun").loc[sorted(nb), "reason"]
    assert reasons.str.contains("neighbour of 0662").all()
    lan = make_design(demo, lf, "reported_residential_burglary", comparison="all", same_lan=True, registry={})
    assert (lan.comparison["lan"] == "06").all()


def test_n_comparison_keeps_the_best_fitting(demo):
    full = make_design(demo, "gotland-2020", "reported_assault", comparison="all")
    best = make_design(demo, "gotland-2020", "reported_assault", comparison="all", n_comparison=5)
    assert len(best.comparison) == 5
    assert set(best.comparison_units) == set(full.comparison.nsmallest(5, "pre_rmspe")["kommun"])
    n_poor = full.excluded["reason"].str.contains("poor pre-period fit").sum()
    assert best.excluded["reason"].str.contains("n_comparison=5").sum() == len(full.comparison) + n_poor - 5


def test_explicit_comparison_list(demo):
    # 0114 and 0115 have no registered löfte (0180 has Stockholm's national löften, so it is contaminated)
    comp = select_comparison(demo, "gotland-2020", "reported_assault", comparison=["0114", "0115", "0980"])
    assert set(comp["kommun"]) == {"0114", "0115"}  # the treated kommun itself is never a comparison
    assert comp["reason"].str.startswith("requested").all()


def test_missing_values_are_excluded_not_dropped_silently(demo):
    holes = demo[~((demo["kommun"] == "0180") & (demo["year"] == 2012)
                   & (demo["indicator"] == "reported_assault"))]
    d = make_design(holes, "gotland-2020", "reported_assault", comparison="all")
    assert "missing values" in d.excluded.set_index("kommun").at["0180", "reason"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"indicator": "reported_fraud_xx"}, "unknown indicator"),
        ({"pre_years": 30}, "pre_years=30 but only 10 pre-period years"),
        ({"comparison": "nearest"}, "'comparison' must be one of"),
        ({"comparison": ["9999"]}, "no comparison kommuner left"),
    ],
)
def test_design_errors(demo, kwargs, match):
    args = {"indicator": "reported_assault", **kwargs}
    ind = args.pop("indicator")
    with pytest.raises((DesignError, ValueError), match=match):
        make_design(demo, "gotland-2020", ind, **args)


def test_design_error_messages(demo):
    no_ind = demo[demo["indicator"] != "reported_assault"]
    with pytest.raises(DesignError, match="'reported_assault' is not in the panel"):
        make_design(no_ind, "gotland-2020", "reported_assault")
    no_treated = demo[~((demo["kommun"] == "0980") & (demo["indicator"] == "reported_assault"))]
    with pytest.raises(DesignError, match=r"no values for treated kommun\(er\) \['0980'\]"):
        make_design(no_treated, "gotland-2020", "reported_assault")
    short = demo[demo["year"] >= 2019]
    with pytest.raises(DesignError, match="has 1 pre-period years \\(2019\\).*needs >= 2"):
        make_design(short, "gotland-2020", "reported_assault")
    old = demo[demo["year"] <= 2019]
    with pytest.raises(DesignError, match="no post-period data"):
        make_design(old, "gotland-2020", "reported_assault")
    with pytest.raises(DesignError, match="problem_picture"):
        make_design(demo, "gotland-2020-problembild", "reported_assault")


def test_reasons_in_swedish_match_the_english_ones(demo):
    d = make_design(demo, "gotland-2020", "reported_assault")
    ref = datasets._kommun_reference()[0].set_index("kommun")
    group = ref.at["0980", "kommungrupp"]
    assert list(d.comparison.columns[-2:]) == ["reason", "reason_sv"]
    from lofteeval.harmonise.kommuner import kommuner

    label = kommuner().set_index("kommun").at["0980", "kommungrupp_label"]  # C6 Mindre stad/tätort
    first = d.comparison.iloc[0]
    ratio = first["population"] / demo[(demo["indicator"] == "population") & (demo["kommun"] == "0980")
                                       & demo["year"].isin(d.pre_period)]["value"].mean()
    assert first["reason_sv"] == (f"samma kommungrupp ({group} {label}); {ratio:.2g}".replace(".", ",")
                                  + " × löfteskommunens folkmängd; rang 1 i förperiodens anpassning")
    assert first["reason"] == f"same kommungrupp {group}; population {ratio:.2g} x treated; pre-period RMSPE rank 1"
    # the same facts as data, for the report's columns
    assert first["kommungrupp_label"] == label and bool(first["same_group"]) and not bool(first["requested"])
    assert first["size_ratio"] == pytest.approx(ratio) and first["fit_rank"] == 1
    assert d.comparison["same_group"].all() and sorted(d.comparison["fit_rank"]) == list(range(1, len(d.comparison) + 1))
    given = make_design(demo, "gotland-2020", "reported_assault", comparison=list(d.comparison["kommun"][:5]))
    assert given.comparison["requested"].all() and given.comparison["reason_sv"].str.startswith("vald av").all()
    # every exclusion has a Swedish reason too, and no English words leak into it
    assert (d.excluded["reason_sv"].str.len() > 0).all()
    assert not d.excluded["reason_sv"].str.contains("population|outside|other|poor", regex=True).any()
    assert d.excluded["reason_sv"].str.contains(r"^annan kommungrupp \(", regex=True).any()
    out_of_band = d.excluded[d.excluded["reason"].str.contains("outside")]
    assert out_of_band["reason_sv"].str.contains(r"folkmängd [\d\u00a0]+ utanför [\d\u00a0]+–[\d\u00a0]+$",
                                                 regex=True).all()


def test_exclusion_reasons_in_swedish(demo):
    d = make_design(demo, "gislaved-2022", "reported_drug_offences", comparison="all", exclude_neighbours=True)
    by = d.excluded.set_index("kommun")["reason_sv"]
    assert by["1495"] == "eget löfte inom narkotika och ungdomsbrottslighet 2021 (skara-2021)"
    assert by["0683"] == "grannkommun till Gislaved (risk för spridning)"  # Värnamo borders Gislaved
    lan = make_design(demo, "gislaved-2022", "reported_residential_burglary", same_lan=True, comparison="all")
    assert (lan.excluded["reason_sv"] == "annat län än löfteskommunens").sum() == (lan.excluded["reason"]
                                                                                  .str.startswith("other län")).sum()
    best = make_design(demo, "gotland-2020", "reported_assault", comparison="all", n_comparison=5)
    assert best.excluded["reason_sv"].str.contains("inte bland de 5 bäst anpassade").any()
    several = make_design(demo, "sodra-fyrbodal-2023", "reported_assault")
    assert several.comparison["reason_sv"].str.contains("× löfteskommunernas genomsnittliga folkmängd").all()
    own = {"0980": ("the löfte's own kommun", "löftets egen kommun")}
    other = make_design(demo, "gotland-2020", "reported_assault", treated=["0180"], exclude=own)
    assert other.excluded.set_index("kommun").at["0980", "reason_sv"] == "löftets egen kommun"
