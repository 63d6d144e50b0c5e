"""Tests for lofteeval.datasets: the null-panel simulator and the synthetic demo panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval import datasets
from lofteeval.errors import DataError


# -- simulate_null_panel ------------------------------------------------------------------------
def test_null_panel_shape_and_schema():
    df = datasets.simulate_null_panel(n_units=12, years=range(2012, 2020), seed=3, treatment_start=2017)
    assert list(df.columns) == ["kommun", "year", "count", "population", "rate", "treated"]
    assert len(df) == 12 * 8
    assert df["kommun"].str.fullmatch(r"\d{4}").all()
    assert df.attrs["treated"] == ["0001"]
    assert df.attrs["treatment_start"] == 2017
    assert df.attrs["synthetic"] is True
    assert (df.loc[df["kommun"] == "0001", "population"].iloc[0]) == 150_000
    np.testing.assert_allclose(df["rate"], df["count"] / df["population"] * 1e5)
    assert (df["count"] >= 0).all()


def test_null_panel_is_deterministic_for_a_seed():
    a = datasets.simulate_null_panel(n_units=10, seed=7)
    b = datasets.simulate_null_panel(n_units=10, seed=7)
    c = datasets.simulate_null_panel(n_units=10, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["count"].equals(c["count"])


def test_null_panel_counts_are_overdispersed():
    # NB counts with AR noise: the variance across years of a large unit exceeds the Poisson
    # variance (its mean) once the common year effects are removed by a ratio to the others.
    df = datasets.simulate_null_panel(n_units=40, seed=2, year_sd=0.0, ar_sd=0.0, unit_sd=0.0,
                                      treated_size=1e5, base_rate=2000, dispersion=20)
    c = df.loc[df["kommun"] == "0001", "count"].to_numpy()
    assert c.var(ddof=1) > 2 * c.mean()


def test_null_panel_injected_effect_is_recovered_by_a_ratio():
    # With no noise beyond NB sampling, the post/pre ratio of the treated unit relative to the
    # others estimates 1 + effect; 40 units x 15 years keeps the error well under 5 points.
    df = datasets.simulate_null_panel(n_units=40, seed=4, effect=-0.3, treated_size=5e5,
                                      population_range=(4e5, 6e5), ar_sd=0.0, year_sd=0.0)
    post = df["year"] >= 2020
    tr = df["treated"]
    ratio = (df.loc[tr & post, "count"].sum() / df.loc[tr & ~post, "count"].sum()) / (
        df.loc[~tr & post, "count"].sum() / df.loc[~tr & ~post, "count"].sum()
    )
    assert ratio - 1 == pytest.approx(-0.3, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_units": 2}, "n_units must be >= n_treated \\+ 2"),
        ({"treatment_start": 2010}, "treatment_start must leave pre and post years"),
        ({"years": [2010, 2012]}, "consecutive years"),
        ({"population_range": (5, 1)}, "population_range"),
    ],
)
def test_null_panel_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        datasets.simulate_null_panel(**kwargs)


# -- demo_panel ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel(seed=0)


def test_demo_panel_schema_and_labels(demo):
    assert list(demo.columns) == ["kommun", "year", "indicator", "value", "unit", "source", "flag", "n", "se"]
    assert demo.attrs["synthetic"] is True
    assert demo.attrs["label_sv"] == "Syntetiska data – endast för demonstration"
    assert datasets.is_synthetic(demo)
    assert (demo["source"] == "demo").all()
    drawn = demo[demo["indicator"] != "population"]
    assert (drawn["flag"] == "synthetic").all()
    assert demo["kommun"].nunique() == 290
    assert sorted(demo["year"].unique()) == list(range(2010, 2025))
    assert not demo.duplicated(["kommun", "year", "indicator", "source"]).any()
    assert demo["kommun"].str.fullmatch(r"\d{4}").all()


def test_demo_panel_covers_every_focus_area_indicator(demo):
    from lofteeval.indicators import INDICATORS

    wanted = {i.id for i in INDICATORS.values() if i.focus_areas} | {"population"}
    assert set(demo["indicator"].unique()) == wanted
    # every (kommun, year) has every indicator: 290 x 15 rows each
    assert (demo.groupby("indicator").size() == 290 * 15).all()


def test_demo_panel_units_and_values_are_consistent(demo):
    crime = demo[demo["unit"] == "per_100k"]
    pop = demo[demo["indicator"] == "population"].set_index(["kommun", "year"])["value"]
    joined = crime.join(pop.rename("pop"), on=["kommun", "year"])
    np.testing.assert_allclose(joined["value"], joined["n"] / joined["pop"] * 1e5)
    assert (crime["n"] >= 0).all() and (crime["n"] == np.round(crime["n"])).all()
    share = demo[demo["unit"] == "percent"]
    assert share["value"].between(0, 100).all() and (share["n"] >= 150).all()
    assert share["se"].gt(0).all()
    idx = demo[demo["unit"] == "index"]
    assert idx["value"].between(0, 6).all()


def test_demo_panel_is_deterministic(demo):
    again = datasets.demo_panel(seed=0)
    pd.testing.assert_frame_equal(demo, again)
    other = datasets.demo_panel(seed=1)
    assert not demo["value"].equals(other["value"])


def test_demo_panel_national_level_matches_anchor(demo):
    # population-weighted national rate of total offences is the Brå anchor within a few percent
    # (2015+, no break factor; AR/NB noise averages out over 290 kommuner).
    tot = demo[(demo["indicator"] == "reported_crimes_total") & (demo["year"] >= 2015)]
    pop = demo[demo["indicator"] == "population"].set_index(["kommun", "year"])["value"]
    tot = tot.join(pop.rename("pop"), on=["kommun", "year"])
    national = tot.groupby("year")["n"].sum() / tot.groupby("year")["pop"].sum() * 1e5
    anchor = pd.Series(datasets._NATIONAL_PER_100K["total"]).reindex(national.index)
    np.testing.assert_allclose(national, anchor, rtol=0.04)


def test_storstader_have_higher_crime_than_rural(demo):
    ref_groups = datasets._kommun_reference()[0].set_index("kommun")["kommungrupp"]
    tot = demo[demo["indicator"] == "reported_crimes_total"].copy()
    tot["group"] = tot["kommun"].map(ref_groups)
    med = tot.groupby("group")["value"].median()
    assert med["A1"] > 1.3 * med["C8"]


def test_injected_effects_table():
    frame = datasets.injected_effects()
    assert {"lofte_id", "kommun", "indicator", "start_year", "effect", "scale"} <= set(frame.columns)
    from lofteeval.indicators import INDICATORS

    assert frame["indicator"].isin(list(INDICATORS)).all()
    assert set(frame["scale"]) <= {"relative", "absolute"}
    sodra = (frame["lofte_id"] == "sodra-fyrbodal-2023") & (frame["indicator"] == "reported_assault")
    assert frame.loc[sodra, "kommun"].tolist() == ["1415", "1421", "1419"]
    assert frame["detectable"].dtype == bool and frame.loc[sodra, "detectable"].eq(False).all()


def test_large_kommun_effect_visible_in_raw_ratio(demo):
    # demo-large: Uppsala reported_crimes_total -20 % from 2019. Ratio of post/pre means of
    # Uppsala to the same ratio for all other B3 kommuner recovers 0.8 within 6 points.
    eff = next(e for e in datasets.INJECTED_EFFECTS if e.lofte_id == "demo-large")
    groups = datasets._kommun_reference()[0].set_index("kommun")["kommungrupp"]
    d = demo[demo["indicator"] == eff.indicator].copy()
    d["post"] = d["year"] >= eff.start_year
    d = d[d["year"] >= 2015]  # after the level break
    treated = d["kommun"] == "0380"
    others = d["kommun"].map(groups).eq("B3") & ~treated
    def ratio(mask):
        return d.loc[mask & d["post"], "value"].mean() / d.loc[mask & ~d["post"], "value"].mean()
    assert ratio(treated) / ratio(others) - 1 == pytest.approx(eff.effect, abs=0.06)


def test_national_anchors_match_shared_files(shared_dir):
    counts = pd.read_csv(shared_dir / "data/national_levels/bra_national_counts.csv")
    _, pop = datasets._kommun_reference()
    national_pop = pop.groupby("year")["population"].sum()
    for cat, points in datasets._NATIONAL_PER_100K.items():
        rows = counts[(counts["category"] == cat) & counts["count"].notna() & (counts["year"] <= 2024)]
        derived = {int(r.year): r["count"] / national_pop[r.year] * 1e5 for _, r in rows.iterrows()}
        assert set(derived) == set(points), cat
        # anchors were derived with 2020-2023 population interpolated; the reference now has
        # SCB's rounded 2020 value, so allow 0.2 %
        np.testing.assert_allclose([points[y] for y in derived], list(derived.values()), rtol=2e-3, atol=0.06)


# -- the demo panel through the public data boundary --------------------------------------------
def test_demo_panel_passes_validate_tidy(demo):
    import lofteeval

    clean = lofteeval.validate_tidy(demo)
    assert len(clean) == len(demo)
    assert set(clean["indicator"].unique()) == set(demo["indicator"].unique())


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_is_synthetic_survives_save_and_load(demo, tmp_path, suffix):
    import lofteeval

    path = lofteeval.save_panel(demo, tmp_path / f"panel{suffix}")
    back = lofteeval.load_panel(path)
    assert datasets.is_synthetic(back)
    assert back.attrs.get("synthetic") is True
    # without the sidecar (attrs lost), the source/flag columns still say so
    path.with_name(path.name + ".meta.json").unlink(missing_ok=True)
    bare = lofteeval.load_panel(path)
    assert datasets.is_synthetic(bare)


def test_is_synthetic_on_subsets_and_real_frames(demo):
    sub = demo[(demo["kommun"] == "0980") & (demo["indicator"] == "reported_assault")]
    assert datasets.is_synthetic(sub)
    bare = sub.copy()
    bare.attrs = {}
    assert datasets.is_synthetic(bare)  # source == "demo"
    real = bare.assign(source="bra", flag="")
    assert not datasets.is_synthetic(real)
    assert datasets.is_synthetic(real.assign(flag=["synthetic"] + [""] * (len(real) - 1)))
    mixed = pd.concat([real, bare.iloc[:1]])
    assert datasets.is_synthetic(mixed)  # one demo row taints the frame


# -- the injected effects are in the data ---------------------------------------------------------
def test_injections_change_only_their_cells_and_by_the_stated_amount(demo):
    # the same panel drawn without injections differs only in the injected cells; there the count
    # ratio is 1 + effect up to the thinning / added-draw noise (binomial: sd ~ 1 % for Gotland).
    null = datasets._demo_panel(0, years=range(2010, 2025), inject=False)
    injected = np.zeros(len(demo), dtype=bool)
    for eff in datasets.INJECTED_EFFECTS:
        cells = ((demo["indicator"] == eff.indicator) & demo["kommun"].isin(eff.kommuner)
                 & (demo["year"] >= eff.start_year)).to_numpy()
        injected |= cells
        if eff.scale == "relative":
            before, after = null.loc[cells, "n"].sum(), demo.loc[cells, "n"].sum()
            tol = 3 * np.sqrt(abs(eff.effect) * (1 + abs(eff.effect)) / before) + 0.01
            assert after / before - 1 == pytest.approx(eff.effect, abs=tol), eff
        else:  # survey: the same uniforms drawn through the shifted share
            diff = (demo.loc[cells, "value"] - null.loc[cells, "value"]).mean()
            assert diff == pytest.approx(eff.effect, abs=1.0), eff
    same = demo["value"].to_numpy() == null["value"].to_numpy()
    assert same[~injected].all()
    # a thinned small count can stay as it was (Binomial(5, 0.7) = 5 one time in six): every
    # injected cell with at least 50 offences (or respondents) changes
    large = null["n"].to_numpy() >= 50
    assert not same[injected & large].any()


def test_adding_an_indicator_leaves_the_others_unchanged():
    # each indicator draws from its own stream: a panel without saw_drug_dealing has the very same
    # values for every other indicator (so adding indicators does not reshuffle the demo numbers)
    from lofteeval import indicators

    full = datasets.demo_panel(seed=3)
    spec = indicators.INDICATORS.pop("saw_drug_dealing")
    try:
        fewer = datasets.demo_panel(seed=3)
    finally:
        indicators.INDICATORS["saw_drug_dealing"] = spec
    kept = full[full["indicator"] != "saw_drug_dealing"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, fewer.reset_index(drop=True))


def test_saw_drug_dealing_levels(demo):
    # assumed levels (docs/demo_data.md): median kommun ~12 %, storstäder ~20 %
    groups = datasets._kommun_reference()[0].set_index("kommun")["kommungrupp"]
    rows = demo[demo["indicator"] == "saw_drug_dealing"]
    assert (rows["unit"] == "percent").all() and rows["se"].gt(0).all()
    med = rows.groupby(rows["kommun"].map(groups))["value"].median()
    assert 9 < rows["value"].median() < 15
    assert med["A1"] > 17 and med["A1"] > med[["C7", "C8"]].max() + 5


def test_count_noise_matches_real_lan_variation(demo):
    """Total crime summed to län changes from year to year about as much as Brå's real län totals
    2011-2014 (log-change s.d. 0.076, quasi-Poisson dispersion 60; benchmarks/noise_anchor.py),
    and the noise follows the count level: large kommuner are smoother than small ones."""
    from lofteeval.harmonise.kommuner import kommuner

    lan = kommuner().set_index("kommun")["lan"].astype(str)
    t = demo[(demo["indicator"] == "reported_crimes_total") & demo["year"].between(2011, 2014)]
    counts = t.assign(lan=t["kommun"].map(lan)).groupby(["lan", "year"])["n"].sum().unstack()
    change = np.log(counts).diff(axis=1).iloc[:, 1:]
    dev = (change - np.log(counts.sum()).diff().iloc[1:]).to_numpy()
    phi = np.mean(dev**2 * counts.iloc[:, :-1].to_numpy() / 2)
    assert 0.05 < change.stack().std() < 0.10
    assert 35 < phi < 100
    by_kommun = t.pivot(index="kommun", columns="year", values="n")
    sd = np.log(by_kommun.clip(lower=1)).diff(axis=1).iloc[:, 1:].std(axis=1)
    mean = by_kommun.mean(axis=1)
    assert sd[mean > 10_000].median() < 0.5 * sd[mean < 1_000].median()


def test_nb_size_depends_on_the_count_level_not_the_population():
    from lofteeval.datasets._noise import _nb_size_for_mean
    from lofteeval.indicators import COUNT_DISPERSION

    mean = np.array([5.0, 500.0, 5_000.0, 50_000.0, 1e6])
    size = _nb_size_for_mean(mean)
    assert_dispersion = (mean + mean**2 / size) / mean
    assert size[0] == 20.0 and size[-1] == 5000.0  # clipped ends
    np.testing.assert_allclose(assert_dispersion[2:4], COUNT_DISPERSION)
