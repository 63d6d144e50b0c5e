"""The national run's outputs: every indicator in the report, the workbook banner, pooled BH, weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval import datasets
from lofteeval.inference.multiple import adjust_pvalues
from lofteeval.national import POOLED_COLUMNS, evaluate_national, pooled_by_area


@pytest.fixture(scope="module")
def demo():
    return datasets.demo_panel()


AREA = "ordningsstorningar"  # 9 löften, 6 indicators


@pytest.fixture(scope="module")
def area_run(demo):
    return evaluate_national(demo, focus_areas=[AREA], through=2024, pooled=True)


def test_pooled_is_computed_with_the_run_and_adjusted_across_every_pooled_estimate(area_run, demo):
    pooled = area_run.pooled
    assert list(pooled.columns) == list(POOLED_COLUMNS)
    ok = pooled["status"] == "ok"
    assert ok.sum() == 6 and set(area_run.pooled_results) == {(AREA, i) for i in pooled.loc[ok, "indicator"]}
    np.testing.assert_allclose(pooled.loc[ok, "p_bh"], adjust_pvalues(pooled.loc[ok, "p_value"].to_numpy(), method="bh"))
    two, _ = pooled_by_area(demo, [AREA, "bedrageri"])
    assert (two["p_bh"] >= two["p_value"] - 1e-12).all() and two["status"].eq("ok").sum() == 7
    # the family is the whole table (both areas), not each area on its own
    np.testing.assert_allclose(two["p_bh"], adjust_pvalues(two["p_value"].to_numpy(), method="bh"))


def test_district_lofte_is_named_in_the_pooled_table(demo):
    pooled, _ = pooled_by_area(demo, ["inbrott"])
    row = pooled.iloc[0]
    assert row["n_district"] >= 1 and row["district"].count("(") == row["n_district"]
    assert (pooled["weights"] == "equal").all()


def test_population_weights_equal_populations_give_the_unweighted_pooled_estimate(demo):
    flat = demo.copy()
    flat.loc[flat["indicator"] == "population", "value"] = 50_000.0
    flat.attrs = dict(demo.attrs)
    plain, _ = pooled_by_area(flat, ["bedrageri"])
    weighted, _ = pooled_by_area(flat, ["bedrageri"], weights="population")
    cols = ["estimate", "ci_low", "ci_high", "p_value", "estimate_relative"]
    np.testing.assert_allclose(weighted[cols].to_numpy(float), plain[cols].to_numpy(float), rtol=1e-10)
    assert (weighted["weights"] == "population").all()
    real, _ = pooled_by_area(demo, ["bedrageri"], weights="population")
    assert real["estimate"].iloc[0] != pytest.approx(plain["estimate"].iloc[0])


def test_report_shows_every_indicator_of_the_area(area_run):
    from lofteeval.reports.national import national_html

    page = national_html(area_run.table, area_run.pooled, area_run.pooled_results, synthetic=True)
    from lofteeval.indicators import indicators_for

    assert len(indicators_for(AREA)) == 6
    for spec in indicators_for(AREA):
        for kind in ("forest plot", "map", "event study"):
            assert f'alt="{kind} {AREA} {spec.id}"' in page
    assert "kan upptäcka en förändring på 20 %" in page and "alla poolade skattningar" in page


def test_area_summary_counts_the_loften_able_to_detect_20_percent(area_run):
    from lofteeval.reports.national import area_summary

    t = area_run.table
    s = area_summary(t).set_index("indicator")
    for ind, rows in t.groupby("indicator"):
        ok = rows[rows["status"] == "ok"]
        assert s.loc[ind, "loften"] == len(rows) and s.loc[ind, "evaluated"] == len(ok)
        assert s.loc[ind, "n_detect_20"] == int((ok["mde_relative"] <= 0.20).sum())
        assert s.loc[ind, "detect_20"] == pytest.approx(s.loc[ind, "n_detect_20"] / len(ok))


def test_workbook_has_the_banner_and_the_area_sheet(area_run, tmp_path):
    import openpyxl

    from lofteeval.reports.excel import header_row
    from lofteeval.reports.national import write_national_tables

    write_national_tables(area_run.table, area_run.pooled, tmp_path, synthetic=True)
    book = openpyxl.load_workbook(tmp_path / "national.xlsx")
    assert book.sheetnames == ["national", "pooled", "areas"]
    for ws in book.worksheets:
        assert ws["A1"].value == "Syntetiska data – endast för demonstration"
        assert ws.oddHeader.center.text == "Syntetiska data – endast för demonstration"
    areas = pd.read_excel(tmp_path / "national.xlsx", sheet_name="areas", header=header_row(True))
    assert set(areas["indicator"]) == set(area_run.table["indicator"]) and "n_detect_20" in areas
    write_national_tables(area_run.table, area_run.pooled, tmp_path, synthetic=False)
    real = openpyxl.load_workbook(tmp_path / "national.xlsx")["national"]
    assert real["A1"].value == "lofte_id"  # no banner on real data


def test_serial_and_worker_runs_give_identical_tables(demo, area_run):
    par = evaluate_national(demo, focus_areas=[AREA], through=2024, n_jobs=2, pooled=True)
    pd.testing.assert_frame_equal(par.table, area_run.table)
    pd.testing.assert_frame_equal(par.pooled, area_run.pooled)


def test_a_cell_with_too_few_counts_is_kept_as_refused_and_counted(demo):
    # Kramfors's molestation cut to 3 offences a year: every count design refuses it (the small-count
    # rule); the national table keeps the row as "refused" (cannot be decided), with its reason
    from lofteeval.reports.national import area_summary, national_html

    panel = demo.copy()
    pop = panel[(panel["kommun"] == "2282") & (panel["indicator"] == "population")].set_index("year")["value"]
    cut = (panel["kommun"] == "2282") & (panel["indicator"] == "reported_molestation")
    panel.loc[cut, "n"] = 3.0  # the count (``value`` is its rate per 100 000)
    panel.loc[cut, "value"] = 3.0 / panel.loc[cut, "year"].map(pop).to_numpy() * 1e5
    panel.attrs = dict(demo.attrs)
    run = evaluate_national(panel, focus_areas=[AREA], loften=["kramfors-2019"], through=2024, pooled=False)
    t = run.table.set_index("indicator")
    assert len(t) == 6 and t.loc["reported_molestation", "status"] == "refused"
    assert t.loc["reported_molestation", "reason"].startswith(
        "SmallCountsError: the treated kommun(er) have on average 3.0 counts a year")
    assert (t.drop(index="reported_molestation")["status"] == "ok").all()
    assert run.info["n_refused"] == 1 and run.info["n_evaluated"] == 5
    summ = area_summary(run.table).set_index("indicator")
    assert summ.loc["reported_molestation", ["evaluated", "refused"]].tolist() == [0, 1]
    assert summ["refused"].sum() == 1
    page = national_html(run.table, run.pooled, {}, synthetic=True)
    assert "5 skattade, 1 som inte kan avgöras (för få anmälda brott" in page
    # the one evaluation behind it: auto refuses with the count, and the record keeps it
    from lofteeval.errors import SmallCountsError
    from lofteeval.evaluation import evaluate, evaluate_areas

    with pytest.raises(SmallCountsError, match="on average 3.0 counts a year"):
        evaluate(panel, "kramfors-2019", "reported_molestation")
    (spec, why), = evaluate_areas(panel, "kramfors-2019", [AREA], quiet=True).failures[AREA]
    assert spec.id == "reported_molestation" and why.small_counts and why.mean_count == pytest.approx(3.0)
