"""Classifier: seed texts (expected areas written after reading each text), held-out texts, metadata."""

from __future__ import annotations

import datetime as dt
import inspect
import tomllib
from pathlib import Path

import pytest

from lofteeval.registry import draft_lofte, extract_metadata, parse_lofte
from lofteeval.registry.classify import classify_focus_areas, hits_to_frame, segment, sentence_areas

TEXTS = Path(__file__).with_name("texts")

# required: a careful reader registers these; optional: defensible either way (not counted as spurious)
SEEDS = {
    "000_6654c4057f6be88f.txt": ({"vald_nara_relation", "narkotika"}, set()),
    # problem picture: våld, droger, psykisk ohälsa; public violence only as a status remark
    "001_38840eaacb71e0ec.txt": ({"narkotika", "vald_nara_relation", "psykisk_ohalsa"},
                                 {"vald_offentlig_miljo", "trygghet"}),
    # Gislaved: three fokusområden; DV, fraud, burglary only in the background paragraph
    "002_6190dc1becf34836.txt": ({"trygghet", "narkotika", "trafik"}, {"ungdomsbrottslighet"}),
    # Skara: "nyktrare" in the title only; Grannsamverkan names no burglary
    "003_43416847c19f9cf4.txt": ({"narkotika", "trygghet", "ungdomsbrottslighet", "psykisk_ohalsa"},
                                 {"alkohol", "inbrott"}),
    # Södra Fyrbodal: alkohol and skadegörelse only in the lägesbild
    "004_dc3095ea53a5edc6.txt": ({"narkotika", "trafik", "vald_nara_relation", "vald_offentlig_miljo",
                                  "psykisk_ohalsa", "trygghet"}, {"ungdomsbrottslighet"}),
}
# an evidence sentence each required area must cite (substring)
EVIDENCE = {
    ("000_6654c4057f6be88f.txt", "vald_nara_relation"): "fem våldsutsatta kvinnor",
    ("002_6190dc1becf34836.txt", "trafik"): "trafikinsatser",
    ("003_43416847c19f9cf4.txt", "narkotika"): "riktade insatser mot narkotika",
    ("004_dc3095ea53a5edc6.txt", "trafik"): "EPA-traktorer",
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_texts_recover_focus_areas(shared_dir, name):
    required, optional = SEEDS[name]
    hits = classify_focus_areas((shared_dir / "loften" / name).read_text(encoding="utf-8"))
    found = {h.focus_area for h in hits}
    assert required <= found, f"missing {required - found}"
    assert found <= required | optional, f"spurious {found - required - optional}"
    threshold = inspect.signature(classify_focus_areas).parameters["threshold"].default
    assert all(h.evidence and h.score >= threshold for h in hits)


@pytest.mark.parametrize(("name", "area"), sorted(EVIDENCE))
def test_seed_evidence_sentences(shared_dir, name, area):
    text = (shared_dir / "loften" / name).read_text(encoding="utf-8")
    hits = {h.focus_area: h for h in classify_focus_areas(text, n_evidence=20)}
    assert any(EVIDENCE[name, area] in s for s in hits[area].evidence)


def test_background_distractors_do_not_count(shared_dir):
    text = (shared_dir / "loften" / "002_6190dc1becf34836.txt").read_text()
    weak = {h.focus_area: h for h in classify_focus_areas(text, include_weak=True)}
    for area in ("vald_nara_relation", "bedrageri", "inbrott"):  # named only as background examples
        assert not weak[area].hit and weak[area].score < 0.5


# Second batch (texts_b2/): ten texts written and committed with labels before the classifier ran on
# them.  Measured before any change: P=0.815, R=0.917 (tp=22 fp=5 fn=2).  The classifier was then
# changed using only the seeds and the first batch (past-löfte cues, actor-bound promises, statistics
# verbs, "Det här ska vi göra" headings); after: P=0.957, R=0.917 (tp=22 fp=1 fn=2).  Caveat: the
# per-text errors of the "before" run were seen, and the batch's author also wrote the changes, so
# the "after" figure is only weakly held-out.  Flip this to False if the classifier is ever tuned on
# the batch's errors (it then stops being a held-out measurement).
BATCH2_HELD_OUT = True


def _precision_recall(folder: Path) -> tuple[float, float, int]:
    labels = tomllib.loads((folder / "labels.toml").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    for name, expected in labels.items():
        found = {h.focus_area for h in classify_focus_areas((folder / f"{name}.txt").read_text())}
        tp, fp, fn = tp + len(found & set(expected)), fp + len(found - set(expected)), fn + len(set(expected) - found)
        print(f"{name}: spurious {sorted(found - set(expected))}, missed {sorted(set(expected) - found)}")
    print(f"{folder.name}: {len(labels)} texts, tp={tp} fp={fp} fn={fn}, "
          f"precision={tp / (tp + fp):.3f}, recall={tp / (tp + fn):.3f}")
    return tp / (tp + fp), tp / (tp + fn), len(labels)


def test_held_out_precision_recall():
    """First batch: texts written after the classifier (later used to improve it, see above)."""
    precision, recall, n = _precision_recall(TEXTS)
    assert n >= 6
    assert precision >= 0.9 and recall >= 0.9


def test_second_batch_precision_recall():
    """Second batch (see BATCH2_HELD_OUT): the TARGETS.md figures, precision and recall >= 0.90."""
    precision, recall, n = _precision_recall(TEXTS.with_name("texts_b2"))
    assert n >= 8
    assert precision >= 0.9 and recall >= 0.9


@pytest.mark.parametrize(
    ("sentence", "area"),
    [("Polisen ska arbeta mot narkotikabrottsligheten.", "narkotika"),
     ("Kommunen ska minska droganvändandet bland unga.", "narkotika"),
     ("Vi ska arbeta för en drogfri skola.", "narkotika"),
     ("Kommunen ska motverka langning till minderåriga.", "alkohol"),
     ("Polisen ska prioritera relationsvåld.", "vald_nara_relation"),
     ("Vi ska stärka arbetet för kvinnofrid.", "vald_nara_relation"),
     ("Polisen ska utreda mäns våld mot kvinnor snabbare.", "vald_nara_relation"),
     ("Kommunen ska minska buskörningen.", "trafik"),
     ("Polisen ska genomföra hastighetskontroller.", "trafik"),
     ("Insatser riktas mot EPA-traktorer och A-traktorer.", "trafik"),
     ("Kommunen ska sanera klotter inom ett dygn.", "skadegorelse"),
     ("Polisen ska förebygga bostadsinbrott.", "inbrott"),
     ("Vi ska informera om bedrägerier mot äldre.", "bedrageri"),
     ("Kommunen ska minska otryggheten i centrum.", "trygghet"),
     ("Polisen ska ingripa mot ordningsstörningar.", "ordningsstorningar"),
     ("Vi ska motverka kriminella nätverk.", "organiserad_brottslighet"),
     ("Socialtjänsten ska stödja unga lagöverträdare.", "ungdomsbrottslighet"),
     ("Kommunen ska arbeta mot psykisk ohälsa.", "psykisk_ohalsa")],
)
def test_swedish_morphology(sentence, area):
    assert area in sentence_areas(sentence)


def test_one_clear_promise_is_enough_one_weak_hint_is_not():
    assert [h.focus_area for h in classify_focus_areas("Det här lovar vi\n• Polisen ska arbeta mot bostadsinbrott.")] == ["inbrott"]
    assert classify_focus_areas("Det här lovar vi\n• Att se över belysningen i parken.") == []
    # the national list's coding convention: grannsamverkan is a burglary measure (README of loften_national)
    assert [h.focus_area for h in classify_focus_areas(
        "Det här lovar vi\n• Att utveckla arbetet med Grannsamverkan.")] == ["inbrott"]


def test_generic_vald_reads_as_domestic_next_to_domestic_terms():
    text = "Det här lovar vi\n• Vi ska förbättra det våldsförebyggande arbetet och stödet till våldsutsatta kvinnor."
    assert [h.focus_area for h in classify_focus_areas(text, include_weak=True)] == ["vald_nara_relation"]


def test_boilerplate_gets_no_weight():
    text = ("Vi använder kakor för att förbättra webbplatsen.\nTelefon: 0498-26 90 00\n"
            "På bilden: polisen vid ett tidigare möte om narkotika och trafik.\n"
            "Kontakt\nSara Ek\nSamordnare narkotika och alkohol\n")
    assert [s.weight for s in segment(text)] and all(s.weight == 0 for s in segment(text))
    assert classify_focus_areas(text) == []


def test_quotes_and_background_weigh_less_than_promises():
    promise = classify_focus_areas("Det här lovar vi\n• Polisen ska arbeta mot inbrott.", include_weak=True)
    quote = classify_focus_areas("– Inbrotten har ökat, säger polischefen.", include_weak=True)
    assert promise[0].score > 2 * quote[0].score and not quote[0].hit


@pytest.mark.parametrize(
    "text",
    ["Årets löfte\nTidigare medborgarlöften har handlat om inbrott och trafiksäkerhet.",
     "Det här lovar vi\n• Förra årets medborgarlöfte handlade om klotter vid resecentrum.",
     "Polisen driver sedan tidigare ett projekt mot bedrägerier mot äldre.",
     "Polisen genomför en insats mot bedrägerier. Den ingår inte i medborgarlöftet."],
)
def test_earlier_loften_and_outside_work_do_not_count(text):
    assert classify_focus_areas(text) == []


def test_paragraph_about_last_year_stays_past_until_this_year_is_named():
    text = ("Förra årets löfte handlade om bostadsinbrott. Inbrotten minskade med 20 procent. "
            "I år ska polisen arbeta mot narkotika i centrum.")
    weights = [s.weight for s in segment(text)]
    assert weights[0] < 0.2 and weights[1] < 0.2 and weights[2] >= 0.9
    assert [h.focus_area for h in classify_focus_areas(text)] == ["narkotika"]


def test_actor_bound_promise_counts_once_outside_a_promise_section():
    text = ("Löftet innebär att polisen ska göra tillsyner för att motverka överservering av alkohol.")
    assert [h.focus_area for h in classify_focus_areas(text)] == ["alkohol"]
    assert classify_focus_areas("Överservering av alkohol är ett problem i centrum.") == []


def test_statistics_sentence_is_background():
    weak = classify_focus_areas("Under 2023 sjönk antalet anmälda bostadsinbrott i kommunen.",
                                include_weak=True)
    assert weak[0].focus_area == "inbrott" and not weak[0].hit and weak[0].score < 0.5


def test_hits_to_frame():
    frame = hits_to_frame(classify_focus_areas("Det här lovar vi\n• Polisen ska arbeta mot inbrott."))
    assert frame.loc[0, "focus_area"] == "inbrott" and frame.loc[0, "label_sv"] == "Inbrott"


def test_metadata_gotland(shared_dir):
    meta = extract_metadata((shared_dir / "loften" / "000_6654c4057f6be88f.txt").read_text())
    assert meta.kommuner == ("0980",) and meta.years == (2020,)
    assert meta.published == dt.date(2020, 2, 24)
    numbered = [(t.target, t.unit) for t in meta.targets]
    assert [n for n, _ in numbered] == [5, 5, 3, 4, 2, None]  # fem, fem, tre, fyra, två
    assert numbered[0][1] == "våldsutsatta kvinnor" and numbered[3][1] == "dialogmöten"
    assert {t.owner for t in meta.targets} == {"both"}
    assert [t.focus_area for t in meta.targets][3:5] == ["narkotika", "narkotika"]


@pytest.mark.parametrize(
    ("name", "kommuner", "lpo", "years", "stated"),
    [("002_6190dc1becf34836.txt", ("0662",), "Värnamo", (2022,), False),  # Värnamo is the LPO here
     ("003_43416847c19f9cf4.txt", ("1495",), "Västra Skaraborg", (2021,), False),
     ("004_dc3095ea53a5edc6.txt", ("1415", "1419", "1421"), "Södra Fyrbodal", (2023, 2024), True)],
)
def test_metadata_seeds(shared_dir, name, kommuner, lpo, years, stated):
    meta = extract_metadata((shared_dir / "loften" / name).read_text())
    assert set(meta.kommuner) == set(kommuner) and meta.lokalpolisomrade == lpo
    assert meta.years == years and meta.period_stated is stated


def test_metadata_owners_from_headers(shared_dir):
    meta = extract_metadata((shared_dir / "loften" / "004_dc3095ea53a5edc6.txt").read_text())
    owners = [t.owner for t in meta.targets if "Genomföra tidiga föräldrastärkande" in t.text
              or "motorburen ungdom" in t.text]
    assert owners == ["polisen", "kommun"]
    assert meta.end == dt.date(2024, 12, 31)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_draft_is_valid_toml_that_the_registry_accepts(shared_dir, name):
    draft = draft_lofte((shared_dir / "loften" / name).read_text(), source_document=name,
                        publisher="Test")
    data = tomllib.loads(draft)
    assert "TODO" in draft
    lofte = parse_lofte(data, origin="draft")
    assert lofte.kommuner and lofte.focus_areas


def test_draft_uses_held_out_kommun_and_period():
    data = tomllib.loads(draft_lofte((TEXTS / "h3_kalix_2023.txt").read_text()))
    assert data["kommuner"] == ["2514"] and data["id"] == "kalix-2023"
    assert (data["start"], data["end"]) == (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    assert [a.get("target") for a in data["activities"]][:1] == [20]


def test_targets_skip_durations_and_read_owner_from_subject():
    meta = extract_metadata((TEXTS / "h3_kalix_2023.txt").read_text())
    by_start = {t.text[:20]: (t.target, t.owner) for t in meta.targets}
    assert by_start["Polisen ska genomför"] == (20, "polisen")
    assert by_start["Kommunen ska sanera "] == (None, "kommun")  # "inom 48 timmar" is a deadline
    assert by_start["Polisen ska inom två"] == (None, "polisen")  # "två veckor", "under 18 år"
