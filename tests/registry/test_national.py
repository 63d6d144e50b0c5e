"""The national registry (141 generated entries) and the cross-entry checks at national scale."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

from lofteeval.cli import main
from lofteeval.registry import NATIONAL_DIR, load_lofte, load_registry
from lofteeval.registry.check import check_registry, overlaps, renewal_problems
from lofteeval.registry.display import OTHER_AREAS, other_area_label

ROOT = Path(__file__).resolve().parents[2]
SEED_IDS = {"gotland-2020", "gotland-2020-problembild", "gislaved-2022", "skara-2021",
            "sodra-fyrbodal-2023"}
ENTRY = """
id = "{id}"
title = "Test"
kommuner = ["{kommun}"]
start = {start}-01-01
end = {end}-12-31
focus_areas = {areas}
{extra}
[source]
document = "x.txt"
publisher = "Polisen"
"""


@pytest.fixture
def rows(shared_dir) -> list[dict[str, str]]:
    with (shared_dir / "loften_national/loften.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_every_row_is_an_entry_with_its_facts(rows, registry):
    assert len(rows) == 141 and len(registry) == 146 and SEED_IDS <= set(registry)
    for r in rows:
        lf = registry[r["id"]]
        urls = r["source_url"].split(" | ")
        assert lf.url == urls[0].strip() and list(lf.source["other_urls"]) == [u.strip() for u in urls[1:]]
        assert lf.confidence == r["confidence"] and lf.kommuner == tuple(r["kommunkoder"].split(";"))
        areas = r["focus_areas"].split(";")
        assert list(lf.focus_areas) == [a for a in areas if not a.startswith("other:")]
        assert list(lf.other_areas) == [a[6:] for a in areas if a.startswith("other:")]
        assert all(other_area_label(o, lang="sv") in lf.notes for o in lf.other_areas)
        assert all(other_area_label(o, lang="en") in lf.notes_en for o in lf.other_areas)
        assert lf.start_year == int(r["start_year"])
        assert lf.end_year == int(r["end_year"] or r["start_year"])
        assert lf.end_stated is bool(r["end_year"])


def test_codes_name_the_kommuner_the_list_names(rows, registry):
    from lofteeval.harmonise.kommuner import kommun_name

    for r in rows:
        names = [kommun_name(c) for c in registry[r["id"]].kommuner]
        assert names == [n.strip() for n in r["kommuner"].split(";")], r["id"]


def test_open_end_years_are_swedish_assumptions(registry):
    open_ended = [lf for lf in registry.values() if not lf.end_stated]
    assert len(open_ended) == 4 and {"ale-2024", "ljusdal-2016"} <= {lf.id for lf in open_ended}
    for lf in open_ended:
        assert any(a.startswith("Slutår anges inte i källan") for a in lf.assumptions)


def test_ids_use_the_closed_character_set(registry):
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in registry)
    assert all(Path(lf.path).stem == lf.id for lf in registry.values())


def test_district_loften_are_flagged_with_their_district(registry):
    districts = {i: lf.district for i, lf in registry.items() if lf.scope == "district"}
    assert set(districts) == {"goteborg-2019", "goteborg-2020", "stockholm-2017", "stockholm-2022",
                              "nykoping-2017", "nykoping-2018", "nykoping-2020", "lund-2020"}
    assert "Lundby" in districts["goteborg-2019"] and "Brandkärr" in districts["nykoping-2018"]
    assert "späder ut" in registry["stockholm-2017"].scope_note
    assert registry["halmstad-2018"].scope_note is None


def test_renewals_link_to_earlier_loften_of_the_same_kommun(registry):
    assert renewal_problems(registry) == []
    assert registry["halmstad-2018"].renews == "halmstad-2017"
    assert registry["goteborg-2020"].renews == "goteborg-2019"
    assert registry["halmstad-2017"].renews is None  # the first Halmstad löfte
    renewing = [lf for lf in registry.values() if lf.renews]
    assert len(renewing) > 40
    for lf in renewing:
        old = registry[lf.renews]
        assert old.start < lf.start and set(old.kommuner) & set(lf.kommuner)
        assert set(old.focus_areas) & set(lf.focus_areas)


def test_overlapping_periods_are_reported_not_errors(registry):
    table = overlaps(registry)
    pairs = set(zip(table["first"], table["second"], table["focus_area"]))
    # Oskarshamn 2019-2022 overlaps its 2022-2023 löfte; Kumla 2017-2019 its 2019-2020 löfte.
    assert {("oskarshamn-2019", "oskarshamn-2022", "trafik"),
            ("kumla-2017", "kumla-2019", "narkotika")} <= pairs
    assert table.loc[table["first"] == "oskarshamn-2019", "overlap_from"].astype(str).unique().tolist() == ["2022-01-01"]
    report = check_registry()
    assert report.ok and len(report.overlaps) == len(table)


def _write(folder: Path, name: str, **kw: object) -> None:
    folder.mkdir(exist_ok=True)
    kw.setdefault("extra", "")
    (folder / name).write_text(ENTRY.format(**kw), encoding="utf-8")


def test_overlap_and_renewal_problems_in_a_user_folder(tmp_path, capsys):
    folder = tmp_path / "mine"
    _write(folder, "a.toml", id="test-a-2021", kommun="0114", start=2021, end=2022,
           areas='["trafik", "inbrott"]')
    _write(folder, "b.toml", id="test-b-2022", kommun="0114", start=2022, end=2022,
           areas='["trafik"]', extra='renews = "test-a-2021"')
    _write(folder, "c.toml", id="test-c-2023", kommun="0115", start=2023, end=2023,
           areas='["trafik"]', extra='renews = "test-a-2021"')
    _write(folder, "d.toml", id="test-d-2023", kommun="0114", start=2023, end=2023,
           areas='["trafik"]', extra='renews = "test-x-2020"')
    report = check_registry(folder)
    new = report.overlaps[report.overlaps["kommun"] == "0114"]
    assert list(zip(new["first"], new["second"], new["focus_area"])) == [("test-a-2021", "test-b-2022", "trafik")]
    assert len(report.problems) == 2 and not report.ok
    assert any("'test-c-2023'" in p and "shares no kommun" in p for p in report.problems)
    assert any("'test-x-2020' is not a registered id" in p for p in report.problems)
    assert main(["lofte", "check", "--registry", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "2 problem" in out and "test-a-2021" in out and "Överlappande perioder" in out


def test_check_names_a_bad_file_and_loads_the_rest(tmp_path, capsys):
    folder = tmp_path / "mine"
    _write(folder, "good.toml", id="test-good-2021", kommun="0114", start=2021, end=2021,
           areas='["trafik"]')
    _write(folder, "bad.toml", id="Bad Id", kommun="0114", start=2021, end=2021, areas='["trafik"]')
    report = check_registry(folder)
    assert "test-good-2021" in report.loften and len(report.loften) == 147
    assert list(report.skipped) == ["Bad Id"] and "'bad.toml'" in report.skipped["Bad Id"]
    assert main(["lofte", "check", "--registry", str(folder)]) == 1
    assert "överhoppad: registry file 'bad.toml'" in capsys.readouterr().out


def _generator():
    spec = importlib.util.spec_from_file_location("build_national", ROOT / "scripts/build_national_registry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_up_to_date(shared_dir):
    module = _generator()
    assert module.build(shared_dir / "loften_national/loften.csv", NATIONAL_DIR, check=True) == []
    assert module.publisher("https://www.falun.se/x", ["Falun"]) == "Falu kommun"
    assert module.publisher("https://polisen.se/x", ["Umeå"]) == "Polisen"


def test_seed_entries_keep_their_ids_and_name_their_public_source():
    for lofte_id in SEED_IDS:
        lf = load_lofte(lofte_id)
        assert lf.source["document"].split(":")[0].endswith(".txt") and lf.source["publisher"]
    # the one seed text whose public address the stored pages confirm (its copy starts like 003_...)
    assert load_lofte("skara-2021").url == ("https://press.skara.se/posts/pressreleases/"
                                            "medborgarloftet-2021-tryggare-sakrare-och-nyk")


def test_national_notes_are_swedish_with_the_english_kept_apart(rows, registry):
    with_note = [r for r in rows if r["notes"].strip()]
    assert len(with_note) > 100
    for r in with_note:
        lf = registry[r["id"]]
        assert r["notes"].strip() in lf.notes_en and "Coding note in the national list" in lf.notes_en
        assert r["notes"].strip() not in lf.notes and "(engelska)" not in lf.notes
        assert "Kodningsnot i den nationella listan: " in lf.notes
        assert lf.notes_in("en") == lf.notes_en and lf.notes_in("sv") == lf.notes
    seed = registry["gotland-2020"]  # a hand-written entry has Swedish notes only
    assert seed.notes_en == "" and seed.notes_in("en") == seed.notes


def test_every_area_outside_the_vocabulary_has_a_label_in_both_languages(registry):
    used = {o for lf in registry.values() for o in lf.other_areas}
    assert used <= set(OTHER_AREAS), sorted(used - set(OTHER_AREAS))
    for area in used:
        sv, en = other_area_label(area, lang="sv"), other_area_label(area, lang="en")
        assert sv and en and "_" not in sv + en and sv[0].isupper() and en[0].isupper()
    assert other_area_label("ny_sak") == "Ny sak"  # an unknown id reads as words, never raw


def test_a_changed_english_note_stops_the_generator_with_the_ids(shared_dir, tmp_path, capsys):
    module = _generator()
    table = tmp_path / "notes.csv"
    with module.DEFAULT_NOTES.open(encoding="utf-8", newline="") as fh:
        known = list(csv.DictReader(fh))
    known[0]["en"] = known[0]["en"] + " (older wording)"
    with table.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "en", "sv"])
        writer.writeheader()
        writer.writerows(known[:-1])  # the last row loses its translation
    out = tmp_path / "out"
    with pytest.raises(module.StaleTranslation) as err:
        module.build(shared_dir / "loften_national/loften.csv", out, notes_table=table)
    message = str(err.value)
    assert f"the English note changed for {known[0]['id']}" in message
    assert f"no Swedish translation for {known[-1]['id']}" in message
    assert not out.exists() or not any(out.iterdir())  # nothing written on a stale table
    code = module.main(["--csv", str(shared_dir / "loften_national/loften.csv"), "--out", str(out),
                        "--notes", str(table)])
    assert code == 2 and "must hold, for every row of the CSV with a note" in capsys.readouterr().err


def test_every_entry_interprets_itself_in_both_languages(registry):
    for lf in registry.values():
        assert lf.assumptions and len(lf.assumptions_en) == len(lf.assumptions), lf.id
        assert lf.assumptions_in("en") == lf.assumptions_en and lf.assumptions_in("sv") == lf.assumptions
        if lf.renews:  # the renewed löfte by its title, never its id
            title = registry[lf.renews].title
            assert any(f"Förnyar {title}:" in a for a in lf.assumptions), lf.id
            assert any(f"Renews {title}:" in a for a in lf.assumptions_en), lf.id
        assert not any("fältet" in a or "signed" in a.split("'")[0] for a in lf.assumptions), lf.id


@pytest.mark.parametrize("field", ["assumptions", "targets"])
def test_an_english_translation_must_match_one_for_one(tmp_path, field):
    text = ENTRY.format(id="x-2020", kommun="0980", start=2020, end=2020, areas='["narkotika"]',
                        extra=f'{field} = ["ett", "två"]\n{field}_en = ["one"]\n')
    (tmp_path / "x-2020.toml").write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match=rf"must translate '{field}' one for one \(got 1 English for 2"):
        load_lofte("x-2020", path=tmp_path)


def test_national_targets_are_swedish_with_the_english_kept_one_for_one(rows, registry):
    with_targets = [r for r in rows if r["targets"].strip()]
    assert len(with_targets) == 45
    for r in with_targets:
        lf = registry[r["id"]]
        assert list(lf.targets_en) == [t.strip() for t in r["targets"].split("; ")], lf.id
        assert len(lf.targets) == len(lf.targets_en) and lf.targets != lf.targets_en, lf.id
        assert lf.targets_in("en") == lf.targets_en and lf.targets_in("sv") == lf.targets
    assert registry["ale-2020"].targets[2] == "minst 70 hastighetskontroller under de tre åren"
    assert all(not lf.targets_en for lf in registry.values() if not lf.targets)


def test_a_translation_with_another_number_of_targets_stops_the_generator(shared_dir, tmp_path):
    module = _generator()
    table = tmp_path / "targets.csv"
    with module.DEFAULT_TARGETS.open(encoding="utf-8", newline="") as fh:
        known = list(csv.DictReader(fh))
    several = next(r for r in known if "; " in r["sv"])
    several["sv"] = several["sv"].replace("; ", ", ", 1)  # two targets run together
    with table.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "en", "sv"])
        writer.writeheader()
        writer.writerows(known)
    with pytest.raises(module.StaleTranslation,
                       match=f"another number of '; '-separated targets for {several['id']}"):
        module.build(shared_dir / "loften_national/loften.csv", tmp_path / "out", targets_table=table)
