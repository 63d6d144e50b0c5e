"""Focus areas (what löften promise to act on) and the indicators that can measure them.

Every :class:`IndicatorSpec` says where the numbers come from, their unit, which direction counts
as improvement, and the caveats a reader must see.  ``better="ambiguous"`` marks indicators whose
level moves with police activity or with trust (drug and traffic offences rise when police patrol
more; domestic-violence reports rise when victims trust the police more): for them a rise is not
simply bad, and reports say so.

Conventions for values in the tidy panel (``../shared/STYLE.md`` §2):

- crime indicators: ``value`` is reported offences per 100 000 inhabitants (``unit="per_100k"``)
  and ``n`` is the count of reported offences it was computed from (NaN when only a rate is known);
- survey indicators: ``value`` is a share in percent or an index, ``n`` the respondents, ``se`` the
  standard error;
- ``population`` (``unit="count"``, source ``scb``) is carried in the panel as its own indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._types import Better, Unit
from .errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "COUNT_DISPERSION",
    "FocusArea",
    "IndicatorSpec",
    "FOCUS_AREAS",
    "INDICATORS",
    "focus_area",
    "indicator",
    "indicators_for",
    "list_focus_areas",
    "list_indicators",
]

COUNT_DISPERSION = 60.0
"""Quasi-Poisson dispersion of real yearly crime counts: ``var(count) ~= 60 x mean``.

Anchored on Brå's yearly län totals 2011-2014 (anmälda brott, 21 län, ``../shared/data/bra_sol``;
``benchmarks/noise_anchor.py``): the mean of ``(d_it - d_t)^2 * count_i / 2`` with ``d`` the län's
and the nation's log change.  Real län totals change by s.d. 0.074 in log (median 2.7 %); across
the 21 län the squared change falls like ``1 / count`` (slope -0.99 on the log-log scale), which
is what a constant dispersion means.  The demo panel draws its count noise with it, and the
poor-fit warning allows for it (a gap that real year-to-year noise explains is not a bad fit).
"""


@dataclass(frozen=True)
class FocusArea:
    """A canonical focus area of a löfte."""

    id: str
    label_sv: str
    label_en: str
    measurable: bool = True
    note: str = ""


@dataclass(frozen=True)
class IndicatorSpec:
    """An outcome indicator: its id, source, unit, direction of improvement and caveats."""

    id: str
    label_sv: str
    label_en: str
    source: str
    unit: Unit
    better: Better
    focus_areas: tuple[str, ...]
    kind: str = "crime"  # "crime" (counts/rates), "survey" (share/index), "population"
    source_detail: str = ""
    caveats_sv: tuple[str, ...] = ()
    caveats_en: tuple[str, ...] = ()
    enforcement_driven: bool = False
    national_category: str | None = None  # row in shared national_levels used to anchor demo data
    extra: dict[str, str] = field(default_factory=dict)


_FA = [
    FocusArea("narkotika", "Narkotika", "Drugs"),
    FocusArea("alkohol", "Alkohol", "Alcohol"),
    FocusArea("vald_offentlig_miljo", "Våld i offentlig miljö", "Violence in public places"),
    FocusArea("vald_nara_relation", "Våld i nära relationer", "Domestic violence"),
    FocusArea("trygghet", "Trygghet", "Perceived safety"),
    FocusArea("trafik", "Trafik", "Traffic"),
    FocusArea("skadegorelse", "Skadegörelse och klotter", "Criminal damage and graffiti"),
    FocusArea("inbrott", "Inbrott", "Burglary"),
    FocusArea("bedrageri", "Bedrägerier", "Fraud"),
    FocusArea("ungdomsbrottslighet", "Ungdomsbrottslighet", "Youth crime"),
    FocusArea("organiserad_brottslighet", "Organiserad brottslighet", "Organised crime"),
    FocusArea("ordningsstorningar", "Ordningsstörningar", "Public disorder"),
    FocusArea(
        "psykisk_ohalsa",
        "Psykisk ohälsa",
        "Mental ill-health",
        measurable=False,
        note="Not measurable with crime or safety-survey data; follow up through activities.",
    ),
    FocusArea(
        "ej_matbart",
        "Ej mätbart med brotts- eller trygghetsdata",
        "Not measurable with crime/survey data",
        measurable=False,
        note="Collaboration, structures, lägesbilder: follow up through activities only.",
    ),
]
FOCUS_AREAS: dict[str, FocusArea] = {fa.id: fa for fa in _FA}

_ENF_SV = (
    "Antalet anmälda brott styrs till stor del av polisens egen aktivitet: fler kontroller ger fler "
    "anmälningar. En ökning kan betyda mer insatser, inte fler brott."
)
_ENF_EN = (
    "Reported offences are largely driven by police activity: more checks give more reports. A rise "
    "can mean more enforcement, not more crime."
)
_DV_SV = (
    "Våld i nära relationer har ett stort mörkertal. Fler anmälningar kan betyda ökat förtroende och "
    "anmälningsbenägenhet snarare än mer våld."
)
_DV_EN = (
    "Domestic violence is heavily under-reported. More reports can mean more trust and willingness to "
    "report rather than more violence."
)
_SMALL_SV = "Små tal i små kommuner: enstaka ärenden med många brott kan ge stora hopp mellan år."
_SMALL_EN = "Small numbers in small municipalities: single cases with many offences can cause large jumps."
_NTU_SV = "NTU bytte metod 2017 (telefon → post/webb); nivåer före och efter 2017 är inte direkt jämförbara."
_NTU_EN = "NTU changed method in 2017 (telephone → postal/web); levels before and after 2017 are not comparable."
_BREAK_SV = "Polisens omorganisation 2015 ändrade hur brott knyts till kommun; 2015 är ett nivåbrott."
_BREAK_EN = "The 2015 police reorganisation changed how offences are tied to municipalities; 2015 is a level break."

_IND = [
    IndicatorSpec(
        "reported_crimes_total", "Anmälda brott totalt", "Reported offences, total", "bra",
        "per_100k", "lower", ("trygghet", "ordningsstorningar"), national_category="total",
        source_detail="Brå anmälda brott per kommun (brottsplats); Kolada N07540",
        caveats_sv=(_BREAK_SV,), caveats_en=(_BREAK_EN,),
    ),
    IndicatorSpec(
        "reported_drug_offences", "Anmälda narkotikabrott", "Reported drug offences", "bra",
        "per_100k", "ambiguous", ("narkotika", "ungdomsbrottslighet", "organiserad_brottslighet"),
        enforcement_driven=True, national_category="narkotikabrott",
        source_detail="Brå: brott mot narkotikastrafflagen, totalt; Kolada N07544",
        caveats_sv=(_ENF_SV,), caveats_en=(_ENF_EN,),
    ),
    IndicatorSpec(
        "reported_assault", "Anmälda misshandelsbrott", "Reported assaults", "bra", "per_100k",
        "lower", ("vald_offentlig_miljo", "ungdomsbrottslighet", "alkohol"),
        national_category="misshandel", source_detail="Brå: misshandel inkl. grov (BrB 3:5-6)",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_robbery", "Anmälda rån", "Reported robberies", "bra", "per_100k", "lower",
        ("vald_offentlig_miljo", "ungdomsbrottslighet", "organiserad_brottslighet"),
        national_category="ran", source_detail="Brå: rån totalt (BrB 8:5-6)",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_domestic_violence", "Anmälda grova kvinnofrids- och fridskränkningar",
        "Reported gross violations of integrity (domestic)", "bra", "per_100k", "ambiguous",
        ("vald_nara_relation",), national_category="grov_kvinnofridskrankning",
        source_detail="Brå: grov kvinnofridskränkning + grov fridskränkning (BrB 4:4a); Kolada N07402",
        caveats_sv=(_DV_SV, _SMALL_SV), caveats_en=(_DV_EN, _SMALL_EN),
    ),
    IndicatorSpec(
        "reported_unlawful_threats", "Anmälda olaga hot", "Reported unlawful threats", "bra",
        "per_100k", "lower", ("vald_nara_relation", "vald_offentlig_miljo", "ordningsstorningar"),
        national_category="olaga_hot", source_detail="Brå: olaga hot (BrB 4:5)",
    ),
    IndicatorSpec(
        "reported_molestation", "Anmälda ofredanden", "Reported molestation", "bra", "per_100k",
        "lower", ("ordningsstorningar", "trygghet"), national_category="ofredande",
        source_detail="Brå: ofredande (BrB 4:7)",
    ),
    IndicatorSpec(
        "reported_criminal_damage", "Anmälda skadegörelsebrott", "Reported criminal damage", "bra",
        "per_100k", "lower", ("skadegorelse", "ordningsstorningar", "ungdomsbrottslighet"),
        national_category="skadegorelsebrott",
        source_detail="Brå: skadegörelsebrott totalt inkl. klotter (BrB 12 kap); Kolada U07452",
        caveats_sv=("Klotter anmäls ofta i klump av fastighetsägare; stora hopp kan vara administrativa.",),
        caveats_en=("Graffiti is often reported in batches by property owners; jumps can be administrative.",),
    ),
    IndicatorSpec(
        "reported_residential_burglary", "Anmälda bostadsinbrott", "Reported residential burglaries",
        "bra", "per_100k", "lower", ("inbrott",), national_category="bostadsinbrott",
        source_detail="Brå: inbrottsstöld i villa/radhus och lägenhet; Kolada N07546",
    ),
    IndicatorSpec(
        "reported_fraud", "Anmälda bedrägeribrott", "Reported fraud", "bra", "per_100k", "lower",
        ("bedrageri",), national_category="bedrageribrott",
        source_detail="Brå: bedrägeri och annan oredlighet (BrB 9 kap)",
        caveats_sv=(
            "Bedrägerier registreras ofta där brottsoffret bor men gärningspersonen finns någon annanstans; "
            "massärenden ger stora hopp.",
        ),
        caveats_en=("Frauds are recorded where the victim lives; mass cases cause large jumps.",),
    ),
    IndicatorSpec(
        "reported_traffic_offences", "Anmälda trafikbrott", "Reported traffic offences", "bra",
        "per_100k", "ambiguous", ("trafik", "alkohol"), enforcement_driven=True,
        national_category="trafikbrott",
        source_detail="Brå: brott mot trafikbrottslagen (inkl. rattfylleri); Kolada N07548",
        caveats_sv=(_ENF_SV,), caveats_en=(_ENF_EN,),
    ),
    IndicatorSpec(
        "unsafe_outdoors_night", "Andel otrygga ute sen kväll", "Share feeling unsafe outdoors at night",
        "survey", "percent", "lower", ("trygghet", "ordningsstorningar", "vald_offentlig_miljo"),
        kind="survey", national_category="otrygg_sen_kvall",
        source_detail="NTU / Polisens trygghetsmätning: otrygg ute ensam sen kväll i bostadsområdet",
        caveats_sv=(_NTU_SV, "Urvalsosäkerheten är stor i små kommuner."),
        caveats_en=(_NTU_EN, "Sampling error is large in small municipalities."),
    ),
    IndicatorSpec(
        "worry_crime", "Andel som oroar sig mycket över brottsligheten", "Share worried about crime",
        "survey", "percent", "lower", ("trygghet",), kind="survey",
        national_category="oro_brottslighet_samhalle",
        source_detail="NTU: oro över brottsligheten i samhället",
        caveats_sv=(_NTU_SV,), caveats_en=(_NTU_EN,),
    ),
    IndicatorSpec(
        "saw_drug_dealing", "Andel som sett narkotikaförsäljning i sitt bostadsområde",
        "Share who saw drug dealing in their neighbourhood", "survey", "percent", "lower",
        ("narkotika", "trygghet"), kind="survey", national_category="saw_drug_dealing",
        source_detail=("Trygghetsmätningar (Polisens trygghetsmätning, kommunala trygghetsenkäter): "
                       "sett narkotikaförsäljning i bostadsområdet de senaste 12 månaderna"),
        caveats_sv=(
            "Frågan ställs i lokala trygghetsmätningar, inte i NTU; formulering och urval skiljer "
            "sig mellan kommuner och år, så jämför helst samma mätning över tid.",
            "Fler som ser försäljning kan betyda öppnare handel men också större uppmärksamhet "
            "(t.ex. efter en kampanj).",
            "Urvalsosäkerheten är stor i små kommuner.",
        ),
        caveats_en=(
            "Asked in local safety surveys, not in NTU; wording and samples differ between municipalities "
            "and years, so compare the same survey over time.",
            "More people seeing dealing can mean more open dealing but also more attention "
            "(e.g. after a campaign).",
            "Sampling error is large in small municipalities.",
        ),
    ),
    IndicatorSpec(
        "problem_drugs", "Problem med narkotikapåverkade personer (index 0–6)",
        "Problem: people affected by drugs (index 0–6)", "survey", "index", "lower",
        ("narkotika", "trygghet"), kind="survey",
        source_detail="Polisens trygghetsmätning: problemindex 0 (inget problem) – 6 (stort problem)",
        caveats_sv=("Polisens trygghetsmätning görs inte i alla regioner och alla år.",),
        caveats_en=("The police's safety survey (Polisens trygghetsmätning) is not run in every region every year.",),
    ),
    IndicatorSpec(
        "problem_youth_disorder", "Problem med stökiga ungdomar (index 0–6)",
        "Problem: rowdy youths (index 0–6)", "survey", "index", "lower",
        ("ungdomsbrottslighet", "ordningsstorningar", "trygghet"), kind="survey",
        source_detail="Polisens trygghetsmätning: problemindex",
    ),
    IndicatorSpec(
        "problem_traffic", "Problem med trafik, mopeder och buskörning (index 0–6)",
        "Problem: traffic, mopeds, reckless driving (index 0–6)", "survey", "index", "lower",
        ("trafik",), kind="survey", source_detail="Polisens trygghetsmätning: problemindex",
    ),
    # Narrow police crime codes (per-crime register extracts, see sources/polisen.py) and Kolada
    # KPIs without a Brå category of their own. They carry no focus area, so focus-area loops
    # and the demo panel leave them out; evaluate them explicitly by id.
    IndicatorSpec(
        "reported_violent_crimes", "Anmälda våldsbrott", "Reported violent crimes", "kolada",
        "per_100k", "lower", (), source_detail="Kolada N07403 (Brå + SCB); level break 2015",
        caveats_sv=(_BREAK_SV,), caveats_en=(_BREAK_EN,),
    ),
    IndicatorSpec(
        "reported_arson_damage", "Anmäld skadegörelse genom brand", "Reported arson damage",
        "polisen", "per_100k", "lower", (), extra={"brottskod": "1210"},
        source_detail="Polisens brottskod 1210 (skadegörelse genom brand, ej motorfordon)",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_car_fires", "Anmälda bilbränder", "Reported car fires", "polisen", "per_100k",
        "lower", (), extra={"brottskod": "1211"},
        source_detail="Polisens brottskod 1211 (bilbrand eller brand på annat motorfordon)",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_sabotage_emergency", "Anmält sabotage mot blåljusverksamhet",
        "Reported sabotage against emergency services", "polisen", "per_100k", "lower", (),
        extra={"brottskod": "1311"}, source_detail="Polisens brottskod 1311 (inkl. grovt)",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_riot_offences", "Anmälda brott mot allmän ordning (16 kap.)",
        "Reported public-order offences (BrB ch. 16, riot-related)", "polisen", "per_100k", "lower",
        (), extra={"brottskod": "1615"}, source_detail="Polisens brottskod 1615",
        caveats_sv=(_SMALL_SV,), caveats_en=(_SMALL_EN,),
    ),
    IndicatorSpec(
        "reported_violence_against_police", "Anmält våld mot polis", "Reported violence against police",
        "polisen", "per_100k", "ambiguous", (), enforcement_driven=True,
        extra={"brottskod": "1701,1702"},
        source_detail="Polisens brottskoder 1701 + 1702 (våld mot tjänsteman, polis)",
        caveats_sv=(_ENF_SV, _SMALL_SV), caveats_en=(_ENF_EN, _SMALL_EN),
    ),
    IndicatorSpec(
        "population", "Folkmängd 31 december", "Population 31 December", "scb", "count",
        "ambiguous", (), kind="population", source_detail="SCB BE0101N1 (TAB638); Kolada N01951",
    ),
]
INDICATORS: dict[str, IndicatorSpec] = {i.id: i for i in _IND}


def _closest(name: str, options: list[str]) -> str:
    import difflib

    near = difflib.get_close_matches(name, options, n=3, cutoff=0.5)
    return f" Did you mean {', '.join(map(repr, near))}?" if near else ""


def focus_area(id: str) -> FocusArea:
    """Return the :class:`FocusArea` ``id`` or raise ``DataError`` naming the closest ids."""
    try:
        return FOCUS_AREAS[id]
    except KeyError:
        raise DataError(
            f"unknown focus area {id!r}; must be one of {sorted(FOCUS_AREAS)}.{_closest(id, list(FOCUS_AREAS))}"
        ) from None


def indicator(id: str) -> IndicatorSpec:
    """Return the :class:`IndicatorSpec` ``id`` or raise ``DataError`` naming the closest ids."""
    try:
        return INDICATORS[id]
    except KeyError:
        raise DataError(
            f"unknown indicator {id!r}; must be one of {sorted(INDICATORS)}.{_closest(id, list(INDICATORS))}"
        ) from None


def indicators_for(focus_area_id: str) -> list[IndicatorSpec]:
    """The indicators that can measure ``focus_area_id`` (empty for non-measurable areas)."""
    focus_area(focus_area_id)
    return [i for i in _IND if focus_area_id in i.focus_areas]


def list_focus_areas() -> pd.DataFrame:
    """A table of the focus-area vocabulary (id, Swedish and English labels, measurable)."""
    import pandas as pd

    return pd.DataFrame(
        [{"id": f.id, "label_sv": f.label_sv, "label_en": f.label_en, "measurable": f.measurable,
          "indicators": ", ".join(i.id for i in indicators_for(f.id))} for f in _FA]
    )


def list_indicators() -> pd.DataFrame:
    """A table of every indicator spec."""
    import pandas as pd

    return pd.DataFrame(
        [{"id": i.id, "label_sv": i.label_sv, "source": i.source, "unit": i.unit, "better": i.better,
          "focus_areas": ", ".join(i.focus_areas), "enforcement_driven": i.enforcement_driven}
         for i in _IND]
    )
