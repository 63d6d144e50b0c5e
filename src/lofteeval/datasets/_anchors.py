"""Parameters of the demo panel: national anchors, kommungrupp levels and trends, injected effects.

The national anchors come from ``../shared/data/national_levels`` (see ``docs/demo_data.md``);
everything else is an assumption of the synthetic generator, not a finding about real kommuner.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Brå anmälda brott, hela landet: count / SCB folkmängd 31 Dec of the same year * 1e5, for the
# years with a count in bra_national_counts.csv (tests/test_datasets.py re-derives them).
_NATIONAL_PER_100K: dict[str, dict[int, float]] = {
    "total": {2010: 14444.2, 2011: 14868.9, 2012: 14650.6, 2013: 14515.5, 2014: 14773.2,
              2015: 15226.9, 2016: 15057.3, 2017: 14920.6, 2018: 15053.5, 2019: 14911.5,
              2020: 15111.4, 2021: 14063.9, 2022: 13718.6, 2023: 14229.0, 2024: 14066.5},
    "narkotikabrott": {2011: 943.1, 2012: 990.0, 2013: 997.2, 2014: 977.9, 2015: 954.6, 2016: 909.3,
                       2017: 992.5, 2018: 1041.2, 2019: 1094.8, 2020: 1193.9, 2024: 1230.6},
    "misshandel": {2013: 828.0, 2014: 854.6, 2015: 858.8, 2016: 880.4, 2017: 824.1, 2018: 807.4,
                   2019: 812.4, 2020: 794.1, 2021: 781.6, 2022: 792.3},
    "ran": {2013: 86.7, 2015: 85.9, 2016: 85.6, 2022: 61.6, 2023: 60.7, 2024: 45.0},
    "grov_kvinnofridskrankning": {2015: 19.3, 2016: 18.7, 2018: 17.0, 2019: 16.6, 2021: 13.3},
    "olaga_hot": {2014: 521.2, 2015: 525.8, 2016: 544.3, 2017: 526.7},
    "ofredande": {2014: 588.9, 2015: 576.6, 2016: 555.3, 2017: 515.8},
    "skadegorelsebrott": {2010: 1747.1, 2014: 1549.1, 2015: 1979.5, 2016: 1950.9, 2017: 1784.1,
                          2018: 1847.5, 2019: 1975.3, 2020: 2238.4, 2022: 2004.0, 2023: 2075.2,
                          2024: 1879.3},
    "bostadsinbrott": {2013: 217.7, 2014: 229.8, 2015: 231.4, 2016: 219.1, 2017: 223.3, 2018: 166.2,
                       2019: 141.4, 2020: 141.5, 2021: 110.0},
    "bedrageribrott": {2010: 1200.1, 2011: 1202.2, 2012: 1346.8, 2013: 1534.5, 2014: 1590.2,
                       2015: 1872.4, 2017: 2046.4, 2018: 2531.7, 2019: 2357.8, 2020: 2098.3,
                       2021: 1874.2, 2022: 1866.6, 2023: 2261.2},
    "trafikbrott": {2017: 886.0, 2018: 902.2, 2022: 656.9, 2023: 621.7},
}
# reported_domestic_violence = grov kvinnofridskränkning + grov fridskränkning; the sum is about
# 1.96 x kvinnofrid alone in the two years both are known (2018: 3 483 / 1 744, 2019: 3 318 / 1 718).
_DV_FACTOR = 1.96
# NTU national shares (percent); oro 2014 (28 %, an uncertain back-cast to the 2017 method) is left out.
_NATIONAL_PERCENT: dict[str, dict[int, float]] = {
    "otrygg_sen_kvall": {2010: 15.0, 2011: 16.0, 2012: 15.0, 2013: 15.0, 2015: 15.0, 2016: 19.0,
                         2018: 28.0, 2019: 30.0, 2020: 30.0, 2021: 28.0, 2022: 27.0},
    "oro_brottslighet_samhalle": {2010: 22.0, 2013: 19.0, 2017: 43.0, 2018: 42.0, 2019: 43.0,
                                  2020: 47.0, 2022: 46.0, 2023: 53.0, 2024: 50.0},
}
# Share who saw drug dealing in their neighbourhood: NOT an NTU series. The national level (12 %,
# flat) is an assumption in the range local safety surveys report (roughly 10-15 %); the kommungrupp
# gradient is steeper than for feeling unsafe, so storstäder come out near 20 %.
_NATIONAL_PERCENT["saw_drug_dealing"] = {2010: 12.0, 2024: 12.0}
_SHARE_GROUP = {"saw_drug_dealing": 1.5}  # logit coefficient on the kommungrupp level (default 0.5)
# Polisens trygghetsmätning problem index (0-6): region Syd mean ~1.9 (2017, 2020); the split by
# item is invented for the demo.
_INDEX_LEVEL = {"problem_drugs": 1.8, "problem_youth_disorder": 1.9, "problem_traffic": 2.2}

# SKR kommungrupp: level (log scale, crime) and yearly trend; how urban each indicator is.
_GROUP_LEVEL = {"A1": 0.45, "A2": -0.05, "B3": 0.20, "B4": -0.10, "B5": 0.0, "C6": 0.05,
                "C7": -0.20, "C8": -0.15, "C9": 0.10}
_GROUP_TREND = {"A1": -0.012, "A2": 0.0, "B3": -0.004, "B4": 0.002, "B5": 0.004, "C6": 0.003,
                "C7": 0.004, "C8": 0.006, "C9": 0.004}
_URBAN = {"reported_crimes_total": 1.0, "reported_drug_offences": 1.2, "reported_assault": 0.8,
          "reported_robbery": 2.0, "reported_domestic_violence": 0.3, "reported_unlawful_threats": 0.5,
          "reported_molestation": 0.6, "reported_criminal_damage": 1.2,
          "reported_residential_burglary": 0.8, "reported_fraud": 0.4, "reported_traffic_offences": 0.2}
# Gentle realism: offences lacked a kommun more often before the 2015 police reorganisation, and
# street crime dipped in the pandemic (applied only in years whose national anchor is interpolated).
_BREAK_2015 = 0.96
_COVID = {"misshandel": {2020: 0.95, 2021: 0.96}, "ran": {2020: 0.92, 2021: 0.93},
          "ofredande": {2020: 0.95, 2021: 0.96}, "olaga_hot": {2020: 0.97, 2021: 0.98}}


@dataclass(frozen=True)
class InjectedEffect:
    """A known effect put into the demo panel so that tests and docs can recover it.

    ``effect`` is relative (``-0.2`` = 20 % below the no-löfte path) when ``scale="relative"``
    (crime indicators: multiplies the expected count) and in the indicator's own unit when
    ``scale="absolute"`` (surveys: percentage or index points).  It applies to every year from
    ``start_year`` on.  ``detectable`` marks the effects made large enough for the default
    evaluation (``lofteeval evaluate ID --demo``) to call them *säkerställd* (docs/demo_data.md);
    the others are at or below their design's MDE.  These are fictional effects, not findings
    about the real kommuner.
    """

    lofte_id: str
    kommuner: tuple[str, ...]
    indicator: str
    start_year: int
    effect: float
    scale: str
    note: str = ""
    detectable: bool = False


INJECTED_EFFECTS: tuple[InjectedEffect, ...] = (
    InjectedEffect("gotland-2020", ("0980",), "reported_unlawful_threats", 2020, -0.15, "relative",
                   "~350 offences a year; the löfte's one post year: below the MDE (~20-30 %), not reliably "
                   "detectable; followed to 2024 (post_years=5): at the MDE (~12-14 %)"),
    InjectedEffect("gotland-2020", ("0980",), "saw_drug_dealing", 2020, -6.0, "absolute",
                   "6 points fewer saw drug dealing (about 13 % before); n ~ 630 a year; DiD (auto for "
                   "surveys) followed to 2024: MDE ~3-5 points, p < 0.05 on seeds 0-5, but the placebo "
                   "p-value cannot fall below ~0.014, so with five indicators BH keeps it above 0.05: "
                   "the multiple-testing teaching case"),
    InjectedEffect("gislaved-2022", ("0662",), "reported_traffic_offences", 2022, 0.25, "relative",
                   "enforcement-driven rise (more checks, more reports); ~200 offences a year: below the MDE "
                   "(~30-45 %) in the löfte's year, near it (~20-30 %) followed to 2024"),
    InjectedEffect("gislaved-2022", ("0662",), "unsafe_outdoors_night", 2022, -5.0, "absolute",
                   "5 points fewer feel unsafe; n ~ 500 a year: below the MDE (~8 points) in one year, "
                   "at it (~5 points) followed to 2024"),
    InjectedEffect("skara-2021", ("1495",), "reported_drug_offences", 2021, 0.30, "relative",
                   "enforcement raises reported drug offences; ~110 a year: below the MDE "
                   "(~35-55 %) in the löfte's year, near it (~20-30 %) followed to 2024"),
    InjectedEffect("sodra-fyrbodal-2023", ("1415", "1421", "1419"), "reported_assault", 2023, -0.20,
                   "relative", "three small kommuner, two post years, joint DiD: at the MDE (~17-23 %)"),
    InjectedEffect("sodra-fyrbodal-2023", ("1415", "1421", "1419"), "reported_unlawful_threats", 2023, -0.35,
                   "relative", "~330 threats a year in the three kommuner, joint Poisson DiD over 2023-2024: MDE "
                   "~17-31 %; seeds 0-4: p < 0.05 on all, säkerställd after BH over the löfte's 14 indicators on "
                   "1-4, not on seed 0 (the demo: p 0.010, adjusted 0.071): the second multiple-testing case"),
    InjectedEffect("sodra-fyrbodal-2023", ("1415", "1421", "1419"), "problem_traffic", 2023, -0.4,
                   "absolute", "the demo's detected effect: the löfte's buskörning / A- and EPA-traktor work, 0.4 "
                   "index points (about 18 % of a level near 2.2) fewer report traffic problems; DiD over "
                   "2023-2024: MDE ~0.08-0.13 points; seeds 0-4: säkerställd after BH on all five, interval "
                   "covers -0.4 on all five (seed 0: adjusted p 0.020)", detectable=True),
    InjectedEffect("demo-large", ("0380",), "reported_crimes_total", 2019, -0.20, "relative",
                   "not a löfte: a large kommun (Uppsala) for known-answer tests; far above the MDE"),
    InjectedEffect("nacka-2017", ("0182",), "reported_drug_offences", 2017, -0.25, "relative",
                   "national list: fewer reported drug offences in a large kommun (~1 000 a year); far "
                   "above the MDE"),
) + tuple(
    # national list, focus area inbrott: every kommun whose first löfte naming inbrott is a kommun
    # löfte gets -30 % residential burglary from that löfte's first year (renewals are not new
    # starts); the district löfte of Nyköping gets none. The known answer of the pooled estimate.
    InjectedEffect(lofte_id, (kommun,), "reported_residential_burglary", start, -0.30, "relative",
                   "national inbrott cohort (pooled known answer)")
    for lofte_id, kommun, start in (
        ("kiruna-2016", "2584", 2016), ("ljusdal-2016", "2161", 2016), ("kumla-2017", "1881", 2017),
        ("ljungby-2017", "0781", 2017), ("nacka-2017", "0182", 2017), ("stromsund-2017", "2313", 2017),
        ("vadstena-2018", "0584", 2018), ("vastervik-2018", "0883", 2018),
        ("oskarshamn-2019", "0882", 2019), ("haparanda-2020", "2583", 2020),
        ("svedala-2020", "1263", 2020), ("hultsfred-2021", "0860", 2021), ("umea-2021", "2480", 2021),
        ("motala-2022", "0583", 2022), ("vimmerby-2022", "0884", 2022), ("mullsjo-2023", "0642", 2023))
)
"""The effects injected into :func:`demo_panel`; every other (kommun, indicator) has none."""


def injected_effects() -> pd.DataFrame:
    """:data:`INJECTED_EFFECTS` as a frame, one row per (effect, kommun)."""
    rows = [{"lofte_id": e.lofte_id, "kommun": k, "indicator": e.indicator, "start_year": e.start_year,
             "effect": e.effect, "scale": e.scale, "detectable": e.detectable, "note": e.note}
            for e in INJECTED_EFFECTS for k in e.kommuner]
    return pd.DataFrame(rows)
