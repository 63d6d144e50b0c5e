"""Activity follow-up: status per activity against the registry's targets."""

from __future__ import annotations

import pandas as pd
import pytest

from lofteeval.errors import DataError, RegistryError
from lofteeval.followup import example_follow_up_path, follow_up, read_follow_up


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
