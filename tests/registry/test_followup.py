"""Activity follow-up: status per activity against the registry's targets."""

from __future__ import annotations

import pandas as pd
import pytest

from lofteeval.errors import DataError, RegistryError
from lofteeval.registry.followup import example_follow_up_path, follow_up, read_follow_up


def test_example_file_is_marked_invented():
    text = example_follow_up_path("gotland-2020", 2020).read_text(encoding="utf-8")
    assert "påhittade" in text and "INVENTED EXAMPLE" in text


def test_example_follow_up_statuses():
    result = follow_up("gotland-2020", example_follow_up_path(), year=2020)
    status = dict(zip(result["activity_id"], result["status"]))
    # vnr-1 5/5, vnr-2 3/5, vnr-3 0/3, drog-1 4/4, drog-2 not in file, drog-3 "ja" without a number
    assert status == {"vnr-1": "uppfyllt", "vnr-2": "delvis", "vnr-3": "ej uppfyllt",
                      "drog-1": "uppfyllt", "drog-2": "ej rapporterat", "drog-3": "uppfyllt"}
    assert result["target"].tolist()[:5] == [5, 5, 3, 4, 2] and pd.isna(result["target"].iloc[5])
    assert (result["year"] == 2020).all() and (result["lofte_id"] == "gotland-2020").all()


def _frame(**done):
    return pd.DataFrame({"activity_id": list(done), "done": list(done.values())})


@pytest.mark.parametrize(
    ("done", "expected"),
    [("6", "uppfyllt"), ("5", "uppfyllt"), ("4,0", "delvis"), ("0", "ej uppfyllt"),
     ("nej", "ej uppfyllt"), ("", "ej rapporterat")],
)
def test_numeric_target_boundaries(done, expected):
    result = follow_up("gotland-2020", _frame(**{"vnr-1": done}))
    assert result.set_index("activity_id").loc["vnr-1", "status"] == expected


@pytest.mark.parametrize(("done", "expected"), [("ja", "uppfyllt"), ("x", "uppfyllt"), ("Nej", "ej uppfyllt"),
                                                ("2", "uppfyllt"), ("0", "ej uppfyllt")])
def test_yes_no_for_activity_without_number(done, expected):
    result = follow_up("gotland-2020", _frame(**{"drog-3": done}))
    assert result.set_index("activity_id").loc["drog-3", "status"] == expected


def test_unknown_activity_id_is_a_clear_error():
    with pytest.raises(RegistryError, match=r"does not have: \['vnr-9'\].*known activity ids"):
        follow_up("gotland-2020", _frame(**{"vnr-9": "1"}))


@pytest.mark.parametrize(
    ("frame", "message"),
    [(_frame(**{"vnr-1": "många"}), "must be a number or yes/no"),
     (_frame(**{"vnr-1": "-1"}), "must be >= 0"),
     (_frame(**{"vnr-1": "ja"}), r"promises a number \(5\)"),
     (pd.DataFrame({"activity_id": ["vnr-1", "vnr-1"], "done": ["1", "2"]}), "more than once"),
     (pd.DataFrame({"activity": ["vnr-1"], "done": ["1"]}), r"missing \['activity_id'\]")],
)
def test_bad_follow_up_input(frame, message):
    with pytest.raises(DataError, match=message):
        follow_up("gotland-2020", frame)


def test_year_outside_lofte_and_year_column():
    with pytest.raises(DataError, match="outside löfte 'gotland-2020'"):
        follow_up("gotland-2020", _frame(**{"vnr-1": "1"}), year=2021)
    frame = pd.DataFrame({"activity_id": ["kommun-2", "kommun-2"], "done": ["ja", "nej"],
                          "year": [2023, 2024]})
    by_year = {y: follow_up("sodra-fyrbodal-2023", frame, year=y).set_index("activity_id")
               .loc["kommun-2", "status"] for y in (2023, 2024)}
    assert by_year == {2023: "uppfyllt", 2024: "ej uppfyllt"}


def test_csv_semicolon_cp1252_and_xlsx(tmp_path):
    csv = tmp_path / "f.csv"
    csv.write_bytes("activity_id;done;date;comment\nvnr-2;2;2020-05-01;Två män påbörjade\n".encode("cp1252"))
    assert read_follow_up(csv).loc[0, "comment"] == "Två män påbörjade"
    xlsx = tmp_path / "f.xlsx"
    pd.DataFrame({"activity_id": ["vnr-2"], "done": [5], "date": [""], "comment": [""]}).to_excel(xlsx, index=False)
    result = follow_up("gotland-2020", xlsx)
    assert result.set_index("activity_id").loc["vnr-2", "status"] == "uppfyllt"
    bad = tmp_path / "f.json"
    bad.write_text("{}")
    with pytest.raises(DataError, match="must be .csv or .xlsx"):
        read_follow_up(bad)


def test_input_frame_not_mutated():
    frame = _frame(**{"vnr-1": "5"})
    before = frame.copy()
    follow_up("gotland-2020", frame)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- templates
from lofteeval.registry.followup import follow_up_template, write_follow_up_template  # noqa: E402
from lofteeval.registry import load_registry as _load_registry  # noqa: E402

_LOFTEN = [lf.id for lf in _load_registry().values() if lf.activities]


@pytest.mark.parametrize("lofte_id", _LOFTEN)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_template_round_trip_for_every_lofte(tmp_path, lofte_id, suffix):
    lf = _load_registry()[lofte_id]
    year = lf.end_year
    path = write_follow_up_template(lofte_id, tmp_path / f"t{suffix}", year=year)
    empty = follow_up(lofte_id, path, year=year)
    assert list(empty["activity_id"]) == [a.id for a in lf.activities]
    assert set(empty["status"]) == {"ej rapporterat"}
    # a strategist fills in the first activity fully (target or yes), the second with zero
    frame = read_follow_up(path)
    first, second = lf.activities[0], lf.activities[1]
    frame.loc[0, ["done", "date", "comment"]] = [
        str(first.target) if first.target is not None else "ja", f"{year}-06-30", "klart"]
    frame.loc[1, "done"] = "0" if second.target is not None else "nej"
    filled = tmp_path / f"filled{suffix}"
    if suffix == ".csv":
        frame.to_csv(filled, sep=";", index=False)
    else:
        frame.to_excel(filled, index=False)
    result = follow_up(lofte_id, filled, year=year).set_index("activity_id")
    assert result.loc[first.id, "status"] == "uppfyllt" and result.loc[first.id, "comment"] == "klart"
    assert result.loc[second.id, "status"] == "ej uppfyllt"
    assert (result["status"] == "ej rapporterat").sum() == len(lf.activities) - 2


def test_template_columns_and_context():
    frame = follow_up_template("gotland-2020")
    assert list(frame.columns[:5]) == ["activity_id", "year", "done", "date", "comment"]
    assert frame.loc[0, "target"] == 5 and frame.loc[0, "unit"] == "kvinnor erbjudna SIP"
    assert set(frame["year"]) == {2020} and set(frame["done"]) == {""}


def test_template_errors(tmp_path):
    with pytest.raises(DataError, match="runs 2023-2024; pass the year"):
        follow_up_template("sodra-fyrbodal-2023")
    with pytest.raises(DataError, match="year 2025 is outside"):
        follow_up_template("sodra-fyrbodal-2023", year=2025)
    with pytest.raises(RegistryError, match="has no activities"):
        follow_up_template("gotland-2020-problembild")
    with pytest.raises(DataError, match=r"must end in \.csv or \.xlsx"):
        write_follow_up_template("gotland-2020", tmp_path / "t.ods")
    path = write_follow_up_template("gotland-2020", tmp_path / "t.csv")
    with pytest.raises(DataError, match="already exists.*--force"):
        write_follow_up_template("gotland-2020", path)
    assert write_follow_up_template("gotland-2020", path, overwrite=True) == path
