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


@pytest.fixture(scope="module")
def drug_run(demo):
    # narkotika: three indicators (reported_drug_offences, saw_drug_dealing, problem_drugs)
    return evaluate_national(demo, focus_areas=["narkotika"], through=2024, pooled=True)


def test_pooled_is_computed_with_the_run_and_adjusted_across_every_pooled_estimate(drug_run, demo):
    pooled = drug_run.pooled
    assert list(pooled.columns) == list(POOLED_COLUMNS)
    ok = pooled["status"] == "ok"
    assert ok.sum() == 3 and set(drug_run.pooled_results) == {("narkotika", i) for i in pooled.loc[ok, "indicator"]}
    np.testing.assert_allclose(pooled.loc[ok, "p_bh"], adjust_pvalues(pooled.loc[ok, "p_value"].to_numpy(), method="bh"))
    two, _ = pooled_by_area(demo, ["narkotika", "bedrageri"])
    assert (two["p_bh"] >= two["p_value"] - 1e-12).all() and two["status"].eq("ok").sum() == 4
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


def test_report_shows_every_indicator_of_the_area(drug_run):
    from lofteeval.reports.national import national_html

    page = national_html(drug_run.table, drug_run.pooled, drug_run.pooled_results, synthetic=True)
    for ind in ("reported_drug_offences", "saw_drug_dealing", "problem_drugs"):
        for kind in ("forest plot", "map", "event study"):
            assert f'alt="{kind} narkotika {ind}"' in page
    assert "kan upptäcka en förändring på 20 %" in page and "alla poolade skattningar" in page


def test_area_summary_counts_the_loften_able_to_detect_20_percent(drug_run):
    from lofteeval.reports.national import area_summary

    t = drug_run.table
    s = area_summary(t).set_index("indicator")
    for ind, rows in t.groupby("indicator"):
        ok = rows[rows["status"] == "ok"]
        assert s.loc[ind, "loften"] == len(rows) and s.loc[ind, "evaluated"] == len(ok)
        assert s.loc[ind, "n_detect_20"] == int((ok["mde_relative"] <= 0.20).sum())
        assert s.loc[ind, "detect_20"] == pytest.approx(s.loc[ind, "n_detect_20"] / len(ok))


def test_workbook_has_the_banner_and_the_area_sheet(drug_run, tmp_path):
    import openpyxl

    from lofteeval.reports.excel import header_row
    from lofteeval.reports.national import write_national_tables

    write_national_tables(drug_run.table, drug_run.pooled, tmp_path, synthetic=True)
    book = openpyxl.load_workbook(tmp_path / "national.xlsx")
    assert book.sheetnames == ["national", "pooled", "areas"]
    for ws in book.worksheets:
        assert ws["A1"].value == "Syntetiska data – endast för demonstration"
        assert ws.oddHeader.center.text == "Syntetiska data – endast för demonstration"
    areas = pd.read_excel(tmp_path / "national.xlsx", sheet_name="areas", header=header_row(True))
    assert set(areas["indicator"]) == set(drug_run.table["indicator"]) and "n_detect_20" in areas
    write_national_tables(drug_run.table, drug_run.pooled, tmp_path, synthetic=False)
    real = openpyxl.load_workbook(tmp_path / "national.xlsx")["national"]
    assert real["A1"].value == "lofte_id"  # no banner on real data


def test_serial_and_worker_runs_give_identical_tables(demo, drug_run):
    par = evaluate_national(demo, focus_areas=["narkotika"], through=2024, n_jobs=2, pooled=True)
    pd.testing.assert_frame_equal(par.table, drug_run.table)
    pd.testing.assert_frame_equal(par.pooled, drug_run.pooled)
