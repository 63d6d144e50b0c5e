"""Registry: the seed löften load faithfully; bad files give one clear error naming file and field."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from lofteeval.errors import RegistryError
from lofteeval.registry import Lofte, list_loften, load_lofte, load_registry, parse_lofte

SEED_IDS = {"gotland-2020", "gotland-2020-problembild", "gislaved-2022", "skara-2021",
            "sodra-fyrbodal-2023"}
GOOD = """
id = "test-2021"
title = "Test"
kommuner = ["0180"]
start = 2021-01-01
end = 2021-12-31
focus_areas = ["narkotika"]
[source]
document = "x.txt"
publisher = "Polisen"
"""


def test_every_seed_text_is_registered():
    reg = load_registry()
    assert SEED_IDS <= set(reg)
    assert all(isinstance(v, Lofte) for v in reg.values())


def test_kommun_codes_match_scb_reference(shared_dir):
    with (shared_dir / "data/scb_kommuner/municipalities.csv").open(encoding="utf-8") as fh:
        names = {r["municipality_code"]: r["municipality_name_short"] for r in csv.DictReader(fh)}
    expected = {"gotland-2020": ["Gotland"], "gotland-2020-problembild": ["Gotland"],
                "gislaved-2022": ["Gislaved"], "skara-2021": ["Skara"],
                "sodra-fyrbodal-2023": ["Stenungsund", "Orust", "Tjörn"]}
    for lofte_id, kommun_names in expected.items():
        assert [names[c] for c in load_lofte(lofte_id).kommuner] == kommun_names


def test_gotland_2020_six_numbered_targets():
    lf = load_lofte("gotland-2020")
    assert lf.kind == "lofte" and lf.signed == dt.date(2020, 2, 24)
    assert set(lf.focus_areas) == {"vald_nara_relation", "narkotika"}
    targets = [(a.target, a.owner, a.deadline) for a in lf.activities]
    assert [t for t, _, _ in targets] == [5, 5, 3, 4, 2, None]  # fem, fem, tre, fyra, två, (stärka)
    assert all(o == "both" and d == dt.date(2020, 12, 31) for _, o, d in targets)
    assert lf.activity("vnr-1").unit == "kvinnor erbjudna SIP"
    assert "SIP" in lf.activity("vnr-1").text and "fem våldsutsatta kvinnor" in lf.activity("vnr-1").text


def test_problem_picture_is_typed_and_not_a_lofte():
    pp = load_lofte("gotland-2020-problembild")
    assert pp.kind == "problem_picture" and not pp.is_lofte and pp.activities == ()
    assert list_loften(kind="lofte")["id"].tolist().count("gotland-2020-problembild") == 0


def test_periods_years_and_assumptions():
    fyr = load_lofte("sodra-fyrbodal-2023")
    assert (fyr.start, fyr.end) == (dt.date(2023, 1, 1), dt.date(2024, 12, 31))
    assert fyr.years == (2023, 2024) and fyr.start_year == 2023 and fyr.end_year == 2024
    assert fyr.lokalpolisomrade == "Södra Fyrbodal"
    for lofte_id in ("gotland-2020", "gislaved-2022", "skara-2021"):  # open periods: assumption recorded
        lf = load_lofte(lofte_id)
        assert lf.years == (lf.start_year,) and any("Period" in a for a in lf.assumptions)


def _seeds() -> list[Lofte]:
    return [lf for lf in load_registry().values() if lf.id in SEED_IDS]


def test_sources_name_shared_file_publisher_and_date():
    for lf in _seeds():
        assert lf.source["document"].split(":")[0].endswith(".txt")
        assert lf.source["publisher"]
    assert load_lofte("skara-2021").source["date"] == dt.date(2021, 2, 22)


def test_source_files_exist(shared_dir):
    for lf in _seeds():
        assert (shared_dir / "loften" / lf.source["document"].split(":")[0]).is_file()


def test_list_loften_columns():
    frame = list_loften()
    assert {"id", "kind", "kommuner", "start", "end", "focus_areas", "n_activities"} <= set(frame.columns)
    assert frame.set_index("id").loc["sodra-fyrbodal-2023", "kommuner"] == "1415, 1421, 1419"


def test_load_lofte_passes_through_and_suggests():
    lf = load_lofte("skara-2021")
    assert load_lofte(lf) is lf
    with pytest.raises(RegistryError, match="Did you mean 'gotland-2020'"):
        load_lofte("gotlnd-2020")


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_user_folder_and_env_var(tmp_path, monkeypatch):
    folder = _write(tmp_path / "mine", "t.toml", GOOD)
    assert "test-2021" in load_registry(folder)
    monkeypatch.setenv("LOFTEEVAL_REGISTRY", str(folder))
    assert load_lofte("test-2021").kommuner == ("0180",)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('"0180"', '"9999"'), r"kommuner\[0\].*unknown kommun '9999'"),
        (('"0180"', "180"), r"kommuner.*list of strings"),
        (("end = 2021-12-31", "end = 2020-12-31"), r"'end' \(2020-12-31\) is before 'start'"),
        (('["narkotika"]', '["narkotica"]'), r"unknown focus area 'narkotica'.*Did you mean 'narkotika'"),
        (("start = 2021-01-01", 'start = "2021-13-01"'), r"'start' must be a date YYYY-MM-DD"),
        (('title = "Test"\n', ""), r"missing required field 'title'"),
        (("focus_areas", "focus_area"), r"unknown field 'focus_area'.*Did you mean 'focus_areas'"),
        (('publisher = "Polisen"', ""), r"missing required field 'source.publisher'"),
    ],
)
def test_validation_errors_name_file_and_field(tmp_path, edit, message):
    folder = _write(tmp_path / "bad", "bad.toml", GOOD.replace(*edit))
    with pytest.raises(RegistryError, match=message) as info:
        load_registry(folder, strict=True)
    assert "'bad.toml'" in str(info.value)


def test_all_problems_collected_at_once(tmp_path):
    text = GOOD.replace('"0180"', '"9999"').replace("end = 2021-12-31", "end = 2020-12-31")
    text += '[[activities]]\nid = "a"\ntext = "x"\nowner = "regionen"\ntarget = -1\n'
    with pytest.raises(RegistryError, match="4 problem") as info:
        parse_lofte(__import__("tomllib").loads(text), origin="many.toml")
    msg = str(info.value)
    assert "owner' must be one of ('polisen', 'kommun', 'both')" in msg and "target' must be a whole" in msg


def test_duplicate_ids_across_files(tmp_path):
    folder = _write(tmp_path / "dup", "a.toml", GOOD)
    _write(folder, "b.toml", GOOD)
    with pytest.raises(RegistryError, match="duplicate löfte id 'test-2021' in 'b.toml'.*'a.toml'"):
        load_registry(folder, strict=True)
    clash = _write(tmp_path / "clash", "c.toml", GOOD.replace("test-2021", "skara-2021"))
    with pytest.raises(RegistryError, match="duplicate löfte id 'skara-2021'"):
        load_registry(clash, strict=True)


def test_bad_toml_and_missing_folder(tmp_path):
    folder = _write(tmp_path / "broken", "x.toml", "id = \n")
    with pytest.raises(RegistryError, match="'x.toml' is not valid TOML"):
        load_registry(folder, strict=True)
    with pytest.raises(RegistryError, match="does not exist"):
        load_registry(tmp_path / "nope")


def test_every_seed_entry_cites_a_public_page():
    """The seed texts were matched to their public pages (publisher, date and address)."""
    from lofteeval.registry import NATIONAL_DIR

    seeds = [load_lofte(i) for i in list_loften()["id"] if not (NATIONAL_DIR / f"{i}.toml").exists()]
    assert len(seeds) == 5
    for lf in seeds:
        assert lf.source["url"].startswith("https://"), lf.id
        assert lf.source["publisher"], lf.id
