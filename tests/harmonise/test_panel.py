"""build_panel, ImportReport, panel_gaps, save/load round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lofteeval.errors import DataError, DroppedRowsWarning
from lofteeval.harmonise.kommuner import population
from lofteeval.harmonise.panel import ImportReport, build_panel, load_panel, panel_gaps, save_panel


def _crime():
    rows = [(k, y, "reported_assault", 10.0 + y - 2019, "per_100k", "bra", "", 5.0, np.nan)
            for k in ("0114", "0180") for y in (2019, 2020, 2021)]
    df = pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "unit", "source", "flag", "n", "se"])
    df = df.drop(index=1).reset_index(drop=True)  # 0114/2020 absent
    df.loc[0, ["value", "flag"]] = [np.nan, "suppressed"]
    return df


def test_import_report_text_and_conservation():
    r = ImportReport("bra", 312, 290, {"suppressed": 5}, {"stadsdel rows, not kommuner": 22}, ("utf-8-sig",))
    text = r.text()
    assert text.splitlines()[0] == "bra: rows in 312 = rows out 290 + dropped 22  [OK]"
    assert "dropped: 22 - stadsdel rows, not kommuner" in text and "suppressed 5" in text
    assert r.check() is r
    bad = ImportReport("x", 10, 5)
    assert "!=" in bad.text() and "DOES NOT ADD UP (difference 5)" in bad.text()
    with pytest.raises(DataError, match="10 in != 5 out"):
        bad.check()
    with pytest.raises(AttributeError):
        r.rows_in = 3  # frozen


def test_build_panel_merges_reports_and_finds_gaps():
    crime = _crime()
    pop = population(["0114", "0180"], range(2019, 2022))
    with pytest.warns(DroppedRowsWarning, match="exact duplicate rows across frames: 1"):
        panel, report = build_panel(crime, pop, crime.iloc[[2]], return_report=True)
    assert len(panel) == 5 + 6
    assert report.rows_in == 12 and report.rows_out == 11 and report.balanced
    assert report.rows_flagged == {"suppressed": 1, "rounded": 2}
    mine = report.gaps[report.gaps["kommun"].isin(["0114", "0180"])]
    gaps = mine.set_index(["kommun", "year"])["reason"]
    assert gaps[("0114", 2020)] == "absent"
    assert gaps[("0114", 2019)] == "missing value: suppressed"
    assert len(gaps) == 2
    # the other 288 kommuner are gaps too: 3 years x 2 indicators each, wholly absent
    others = report.gaps[~report.gaps["kommun"].isin(["0114", "0180"])]
    assert len(others) == 288 * 3 * 2 and others["kommun"].nunique() == 288
    assert set(others["reason"]) == {"absent: kommun has no rows for this indicator"}
    assert f"gaps: {2 + 288 * 6} kommun x year x indicator cells" in report.text()


def _naive_gaps(panel, kommuner):
    out = []
    for ind, rows in panel.groupby("indicator"):
        for k in kommuner:
            mine = rows[rows["kommun"] == k]
            for y in range(rows["year"].min(), rows["year"].max() + 1):
                cell = mine[mine["year"] == y]
                if cell.empty:
                    out.append((k, y, ind, "absent" if len(mine) else "absent: kommun has no rows for this indicator"))
                elif cell["value"].isna().all():
                    out.append((k, y, ind, "missing value: " + cell["flag"].iloc[0]))
    return sorted(out)


def test_panel_gaps_matches_a_naive_loop(rng):
    kommuner = ["0114", "0180", "0980", "1495"]
    rows = [(k, y, ind, float(rng.integers(0, 5)), "per_100k", src, "", np.nan, np.nan)
            for ind in ("reported_assault", "reported_robbery") for k in kommuner[:3]
            for y in range(2015, 2021) for src in ("bra", "kolada") if rng.random() < 0.6]
    df = pd.DataFrame(rows, columns=["kommun", "year", "indicator", "value", "unit", "source", "flag", "n", "se"])
    nan = rng.random(len(df)) < 0.3
    df.loc[nan, ["value", "flag"]] = [np.nan, "suppressed"]
    got = panel_gaps(df, kommuner=kommuner)
    assert sorted(got.itertuples(index=False, name=None)) == _naive_gaps(df, kommuner)
    assert (got["kommun"] == "1495").any()  # wholly absent kommun is a gap


def test_conflicting_duplicates_across_sources_are_an_error():
    crime = _crime()
    other = crime.iloc[[2]].assign(value=99.0)
    with pytest.raises(DataError, match="appear once"):
        build_panel(crime, other)


def test_synthetic_attr_propagates():
    crime = _crime()
    demo = crime.assign(source="demo")
    assert build_panel(demo).attrs["synthetic"] is True
    assert "synthetic" not in build_panel(crime).attrs


def test_build_panel_rejects_non_frames():
    with pytest.raises(DataError, match="argument 0 is list"):
        build_panel([1, 2])


def test_panel_gaps_empty_when_complete(tiny_panel):
    assert panel_gaps(tiny_panel, kommuner=sorted(tiny_panel["kommun"].unique())).empty
    assert len(panel_gaps(tiny_panel)) > 0  # default grid: all 290 kommuner


@pytest.mark.parametrize("name", ["panel.parquet", "panel.csv"])
def test_save_load_round_trip(tmp_path, name):
    panel = build_panel(_crime(), population(["0114", "0180"], [2019]))
    panel.attrs["synthetic"] = True
    path = save_panel(panel, tmp_path / "out" / name)
    back = load_panel(path)
    pd.testing.assert_frame_equal(back, panel, check_dtype=False)
    assert back["kommun"].tolist()[0] == "0114"
    assert back.attrs["synthetic"] is True
    assert load_panel(tmp_path / "out")["kommun"].str.len().eq(4).all()


def test_load_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_panel(tmp_path / "missing.parquet")
    with pytest.raises(DataError, match="no panel file"):
        load_panel(tmp_path)
    with pytest.raises(DataError, match=r"\.parquet or \.csv"):
        save_panel(_crime(), tmp_path / "x.xlsx")


def test_load_panel_never_returns_the_demo_in_place_of_data(tmp_path, monkeypatch):
    (tmp_path / "data" / "processed").mkdir(parents=True)
    monkeypatch.setenv("LOFTEEVAL_HOME", str(tmp_path))
    with pytest.raises(DataError, match="demo_panel"):
        load_panel("demo")
    with pytest.raises(DataError, match="no panel file"):
        load_panel()  # the project's data/processed/ folder, here without a panel
