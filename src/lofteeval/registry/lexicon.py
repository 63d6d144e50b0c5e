"""Swedish lexicon for :mod:`lofteeval.registry.classify`: focus-area terms and context cues.

Patterns are regular expressions matched on lower-cased text.  Swedish builds compounds freely
(``narkotikabrottslighet``, ``bostadsinbrott``, ``trafiksäkerhetsarbetet``), so most terms are stems
with ``\\w*`` on one or both sides.  Each term carries a weight: 1.0 names the area unambiguously,
0.7 usually means it, 0.4 is a weak hint that needs support from other sentences.
"""

from __future__ import annotations

import re

# focus area -> [(pattern, weight)]
TERMS: dict[str, list[tuple[str, float]]] = {
    "narkotika": [
        (r"\w*narkotika\w*|\bnarkotiska?\b", 1.0),
        (r"\w*\bdrog(?:er|erna|en|\w{3,})|\w+drog(?:er|erna|en|fri\w*)?\b", 1.0),
        (r"\bknark\w*|cannabis\w*|\bhasch\w*|marijuana|kokain\w*|amfetamin\w*|tramadol|\bspice\b", 1.0),
        (r"\bandt\w*|\bantd\b", 1.0),  # alkohol, narkotika, doping, tobak: both areas (coding convention)
        (r"\bmissbruk\w*|beroendeproblem\w*", 0.6),  # substance abuse: drugs first (alcohol needs its own term)
    ],
    "alkohol": [
        (r"\w*alkohol\w*", 1.0),
        (r"\blang(?:ning|ningen|a|ar|are|are)\b", 0.9),
        (r"\bonykter\w*|\bberusad\w*|\bberusning\w*|\bfylleri\w*|\bkrogtillsyn\w*|\bkrogkontroll\w*|"
         r"\bansvarsfull\w* alkoholservering\b|\böverservering\w*", 0.9),
        (r"\bandt\w*|\bantd\b", 1.0),
        (r"\bnykter\w*|\bnyktrare\b|\bkrog\w*|\bkrögar\w*|\butskänk\w*", 0.4),
    ],
    "vald_offentlig_miljo": [
        (r"våld\w* i (?:den )?offentlig\w* miljö\w*|\bvåld\w* i samhället\b|\bgatuvåld\w*|\bkrogvåld\w*|\bvåldsbrott\w*", 1.0),
        (r"\w*misshandel\w*|\bslagsmål\w*|\bknivvåld\w*|\bkniv(?:ar|brott\w*)\b|\bpersonrån\w*|\brån(?:en)?\b", 0.8),
        (r"\bvåld\b|\bvåldet\b|\bvåldsam\w*|\bvåldsförebygg\w*|\bvåldsutsatt\w*|\bvåldsbenägen\w*", 0.7),
    ],
    "vald_nara_relation": [
        (r"våld\w* i nära relation\w*|\bnära relation\w*|\brelationsvåld\w*|\brelationsbrott\w*|\bpartnervåld\w*", 1.0),
        (r"\w*kvinnofrid\w*|\bmäns våld mot kvinnor|\bvåld mot kvinnor|\bheder\w*(?:våld|förtryck)\w*", 1.0),
        (r"\bhedersrelat\w*|\bbarnfrid\w*|\bkvinnojour\w*|\balternativ till våld\b", 0.9),
        (r"\bvåldsutsatta kvinnor|\bvåldsutsatt\w* (?:kvinn|barn|partner)\w*|\bvåldsproblematik\w*", 0.9),
    ],
    "trygghet": [
        (r"\btrygghetsvandr\w*|\btrygghetsinventer\w*", 1.0),
        (r"\w*otrygg\w*", 0.8),
        (r"\bfotpatrull\w*|\bpolisiär\w* (?:närvaro|synlighet)\b|\bökad närvaro\b|\btrygghetsvärd\w*", 0.7),
        (r"\btrygghetsmätning\w*|\btrygghetsundersökning\w*|\btrygghetsenkät\w*", 0.3),
        (r"\btrygghet\w*|\btryggare\b|\bökad trygghet\b", 0.8),
        (r"\btrygg(?:a|t)?\b|\bnattvandr\w*|\bvuxennärvaro\w*|\bpolisnärvaro\w*|\bsynlig\w* polis\w*", 0.6),
        (r"\bbelysning\w*|\bkameraövervak\w*|\bgrannsamverkan\w*", 0.4),
    ],
    "trafik": [
        (r"\b(?!kollektiv)\w*trafik\w*", 1.0),  # kollektivtrafik is public transport
        (r"\w*hastighet\w*|\bfortkörn\w*|\bbuskör\w*|\brattfyll\w*|\brattonykter\w*", 1.0),
        (r"\bmotorburen\w* ungd?om\w*|\bmotorburna unga\b", 1.0),  # coding convention: motorburen ungdom -> trafik
        (r"\b(?:epa|a)-?traktor\w*|\bmopedbil\w*|\bmoped\w*|\bmotorintresserad\w* (?:ungdom|unga)\w*", 0.9),
        (r"\bbilmöte\w*|\bbilträff\w*|\braggar\w*|\btrimmad\w*|\bcykelhjälm\w*", 0.7),
        (r"\bfelparker\w*|\bparkering\w*", 0.4),
    ],
    "skadegorelse": [
        (r"\w*skadegörelse\w*|\bklott(?:er|r)\w*|\bgraffiti\w*|\bvandalis\w*", 1.0),
        (r"\banlag(?:d|da) brän?d\w*|\bbilbrän?d\w*|\bbränder i (?:bilar|containrar)", 0.9),
        (r"\bsönderslag\w*|\bförstörelse\w*", 0.6),
    ],
    "inbrott": [
        (r"\w*inbrott\w*", 1.0),
        (r"\b(?!identitet)\w+stöld\w*|\bstöld\w*|\bstölder\w*|\btillgrepp\w*", 0.7),
        (r"\bgrannsamverkan\w*|\bbåtsamverkan\w*|\bbåtmotorstöld\w*", 1.0),  # coding convention -> inbrott
    ],
    "bedrageri": [
        (r"\w*bedrägeri\w*|\w*bedräger\w*|\bbedragare\w*|\bbluffsamtal\w*|\bid-kapning\w*|\bidentitetsstöld\w*", 1.0),
        (r"\bbrott mot äldre\b|\bbluff\w*", 0.6),
    ],
    "ungdomsbrottslighet": [
        (r"\bungdomsbrott\w*|\bungdomskriminal\w*|\bunga? lagöverträd\w*|\bungdomsrån\w*", 1.0),
        (r"\bsspf\b|\bsociala insatsgrupp\w*|\b(?:unga|ungdomar|barn)\b(?: \w+){0,3} i (?:risk|riskzon\w*)\b|"
         r"\briskzon\w* för (?:kriminalitet|missbruk|utanförskap)|\bpå väg in i kriminalitet\w*|"
         r"\bkriminellt beteende\b|\bnormbrytande beteende\b|\brekryter\w* av (?:barn|unga)\b", 1.0),
    ],
    "organiserad_brottslighet": [
        (r"\borganiserad\w* brottslighet\w*|\bkriminella nätverk\w*|\bgängkrimin\w*|\bkriminella gäng\w*|\bnätverkskriminal\w*", 1.0),
        (r"\bgäng(?:relaterad\w*|våld\w*|konflikt\w*|et|en|medlem\w*)?\b|\bskjutning\w*|\bskottlossning\w*|\bsprängning\w*|\bdetonation\w*", 0.9),
        (r"\bpenningtvätt\w*|\bvälfärdsbrott\w*|\botillåten påverkan\b|\bsystemhot\w*", 0.7),
        (r"\bparallella samhällsstruktur\w*|\bkriminell\w* miljö\w*", 0.4),
    ],
    "ordningsstorningar": [
        (r"\bordningss?tör\w*|\ballmän(?:na)? ordning\w*|\bstörande beteende\w*|\boroligheter\w*", 1.0),
        (r"\bstök\w*|\bofredande\w*|\bbråk\w*", 0.7),
        (r"\bnedskräpning\w*|\bstörningar\b", 0.4),
    ],
    "psykisk_ohalsa": [
        (r"\bpsykisk\w* (?:o)?hälsa\b|\bpsykiatri\w*|\bsuicid\w*|\bsjälvmord\w*|\bsjälvskad\w*", 1.0),
    ],
}

# youth + crime in one sentence -> ungdomsbrottslighet (weight YOUTH_CRIME_WEIGHT)
YOUTH = re.compile(r"\bunga\b|\bungas\b|\bungdom\w*|\bbarn\b|\bbarnen\b|\belever\b|\btonåring\w*|"
                   r"\bminderårig\w*|\byngre personer\b")
CRIME = re.compile(r"\bbrott(?!sförebygg|soffer|sutsatt)\w*|\bkriminal\w*|\bkriminell\w*|\bsnatter\w*")
YOUTH_CRIME_WEIGHT = 0.8

# generic phrases that name no focus area although they contain a term
GENERIC = re.compile(
    r"(?:brottsförebyggande|brottsbekämpande)\w* (?:och|samt) trygghetsskapande\w*(?: arbete\w*)?|"
    r"trygghetsskapande\w* (?:och|samt) brottsförebyggande\w*(?: arbete\w*)?|"
    r"effektiv samordning för trygghet|brottsförebyggande rådet|trygghetsråd\w*|"
    r"samverkan för (?:ökad )?trygghet|trygghet och säkerhet i kommunen|"
    r"öka(?:r|de)? (?:den (?:upplevda )?)?trygghet(?:en)? och (?:att )?minska(?:r|de)? brottslighet(?:en)?|"
    r"minska(?:r|de)? brottslighet(?:en)? och (?:att )?öka(?:r|de)? (?:den (?:upplevda )?)?trygghet(?:en)?|"
    r"ökad trygghet och minskad brottslighet|minskad brottslighet och ökad trygghet|"
    r"medborgar\w* trygghet i fokus|trygghetsskapande och brottsförebyggande|"
    r"brottsförebyggande och trygghetsskapande|trygghets- skapande och brottsförebyggande|"
    r"känna sig trygg\w* och säkr\w*|ett tryggt och säkert \w+"
)

# safety named only as the aim of a promise ("... för att öka tryggheten", "målet är att tryggheten ska
# öka"): framing shared by every löfte, so "trygghet" after such a marker weighs TRYGG_AIM_FACTOR
AIM = re.compile(r"\b(?:för|i syfte) att\b|\bsyftet (?:med \w+ )?är att\b|\bså att\b|\bmed målet att\b|"
                 r"\b(?:målet|målsättningen|syftet) är att\b|\bgemensamma målet att\b|\bför (?:en )?ökad\b")
TRYGG_AIM_FACTOR = 0.4
# "tryggare trafikmiljö", "trygghet i trafiken": traffic safety, not public safety
TRAFFIC_SAFETY = re.compile(r"\btrygg\w* (?:och säk\w* )?trafik\w*|\btrygghet\w* i trafiken\b")

# drink/drug driving: one traffic term, so alcohol and drugs are not read into it
DRIVING = re.compile(
    r"\b(?:alkohol|drog|narkotika)\w*(?:[-/ ]+(?:och |eller )?(?:drog|narkotika)\w*)?[-/ ]*(?:påverkade förare|"
    r"kontroll\w*)|\b(?:alkohol|drog)?rattfyll\w*|\bnykterhetskontroll\w*|\bsjöfyll\w*"
)

# sentence cues
COMMIT = re.compile(
    r"\bska\b|\bskall\b|\bkommer (?:\S+ ){0,5}?att\b|\binrikta\w* (?:sig|arbetet)\b|\blovar\b|\blöfte\w*|\båtar\w* sig\b|\båtagande\w*|"
    r"\bvi vill\b|\bfokus\w*|\bprioriter\w*|\bsatsning\w*|\bgenomföra\b|\bplaneras\b|"
    r"\bproblemområde\w*|\binsatsområde\w*|\bmålet\b|\bvårt mål\b"
)
BACKGROUND = re.compile(
    r"\bhar (?:ökat|minskat|legat|varit)\b|\bökade\b|\bminskade\b|\bvisa(?:r|de) att\b|\bprocent\b|%|"
    r"\bjämfört med\b|\bförra året\b|\bföregående år\w*|\bstatistik\w*|\bupplev(?:er|de)\b|"
    r"\bhar framkommit\b|\bidentifierats\b|\bhar identifierat\b|\blägesbild\w* visar\b|\bkartläggning\w*|\bbakgrund\w*|"
    r"\bindikationer på att\b|\bantalet (?:anmälda|polisanmälda)\b|\banmäldes\b|\bsjönk\b|\bsteg\b|"
    r"\blåg kvar\b|\bligger kvar\b|\bi trygghetsmätningen\b|\benligt (?:polisens )?statistik\b|"
    r"\buppg(?:er|av) att\b|\bsvarade\b|\binträffade\b"
)
# earlier löften and things outside this löfte: weigh little even when they contain "löfte"
PAST = re.compile(
    r"\bhar handlat om\b|\bhandlade om\b|\btidigare (?:års |årens )?(?:medborgar)?löft\w*|"
    r"\bförra årets\b|\bföregående års\b|\btidigare år(?:s|en)?\b|\bsedan tidigare\b|"
    r"\bingår inte i\b|\binte (?:en )?del av (?:medborgar)?löftet\b|\b(?:är|har) avslutat?s?\b|"
    r"\bi (?:den )?ordinarie verksamhet(?:en)?\b|\bi en annan ordning\b"
)
# a sentence that opens a paragraph about an earlier löfte makes the paragraph past unless marked
PAST_OPENER = re.compile(r"\bhar handlat om\b|\bhandlade om\b|\btidigare (?:medborgar)?löft\w*|"
                         r"\bförra årets\b|\bföregående års\b|\buppföljning av\b")
# a sentence stating this löfte's direction: the rest of its paragraph describes the promise
LOFTE_OPENER = re.compile(
    r"\binriktning\w* (?:för|i|på) (?:medborgar)?löftet\b|\bi år fokuserar\b|"
    r"\bårets (?:medborgar)?löfte\w* (?:har|fokuserar|handlar|innebär|inriktas)|\bmed betoning på\b|"
    r"\bfokus i (?:årets |det nya )?(?:medborgar)?löfte\w*"
)
# "medborgarlöftet för 2020-2021", "medborgarlöften 2023–2024": the page's newest löfte
LOFTE_YEAR = re.compile(r"medborgarlöfte\w* (?:för |i \w+ )?(?:år )?20[12]\d(?:\s?[-–/]\s?20[12]\d)?")
PRESENT = re.compile(r"\bi år\b|\bårets\b|\bdetta år\b|\bnya\b|\bnytt\b|\binför \d{4}\b")
# an actor bound to a promise: as strong as an item under "Det här lovar vi"
STRONG_COMMIT = re.compile(
    r"\b(?:polisen|polis|kommunen|kommunerna|regionen|vi|staden|socialtjänsten|skolan|räddningstjänsten|"
    r"lpo \w+|lokalpolisområde\w*(?: \w+)?|\w+s? kommun)"
    r"(?: och (?:polisen|polis|kommunen|kommunerna|regionen|\w+s? kommun|lpo \w+))?(?: \S+){0,5}? "
    r"(?:ska|skall|kommer att|lovar|åtar sig|förbinder sig)\b|\blöftet innebär att\b|"
    r"\b(?:ska|skall|kommer|lovar) (?:polisen|kommunen|kommunerna|regionen|vi|staden)\b"  # V2 order
)
EXAMPLES = re.compile(r"\bsom t\.? ?ex\b|\bt\.? ?ex\.?|\btill exempel\b|\bexempelvis\b|\bbland annat\b|"
                      r"\bockså angeläget\b")
QUOTE = re.compile(r",? (?:säger|berättar|menar)\b|, (?:avslutar|konstaterar|förklarar|fortsätter)\b")
# results already achieved (follow-up pages): an outcome, not a promise
OUTCOME = re.compile(
    r"\bhar (?:genomfört|resulterat|uppfyllt|skett)\b|\bhar (?:\w+ )?\w+(?:ats|ts)\b|"
    r"\bgenomfördes\b|\bupptäcktes\b|\brapporterades\b|\bhar under (?:året|perioden)\b"
)
# how the löfte was drawn up ("har tagits fram", "har valts ut"): not a result already achieved
DRAWN_UP = re.compile(r"\bhar (?:tagits|arbetats|valts|formulerats) (?:fram|ut)\b")
# a lead-in that makes the list after it a list of commitments, whatever the heading says
LIST_COMMIT_LEAD = re.compile(
    r"(?:prioriterade|prioritera|prioritering|fokusområde\w*|insatsområde\w*|inriktningar|"
    r"lovar|ska vi|vi ska|kommer (?:vi )?att|åtar sig|följande (?:aktiviteter|åtgärder|medborgarlöften))"
    r"[^.:]*:$"
)
DEFINITION = re.compile(
    r"^(?:medborgarlöften|ett medborgarlöfte|medborgarlöftet|syftet med medborgarlöften) (?:är|innebär|bygger|"
    r"handlar om)\b|^(?:polisens och \w+ kommuns )?medborgarlöften handlar om\b"
)

# "Syftet med ett löfte är att:", "Medborgarlöften ska": the items after it are the generic aims of
# every medborgarlöfte (öka tryggheten, förebygga brott, stärka förtroendet), not this löfte's areas
DEFINITION_LEAD = re.compile(
    r"(?:syftet med (?:ett |medborgar)?löfte\w*|(?:medborgar)?löften) (?:är att|ska|syftar till att):?$"
)

# header lines: section kinds
BOILER_HEAD = re.compile(
    r"^(?:om |kontakt|kontaktpersoner|presskontakt|relaterat|relaterade|dela|nyheter|hitta|följ oss|"
    r"prenumerera|cookies|kakor|om webbplatsen|läs också|läs mer|senast uppdaterad|publicerad|"
    r"sidinformation|hjälpte informationen|ämnen|taggar|bildtext|foto)"
)
BACKGROUND_HEAD = re.compile(
    r"^problemområden?:?$|bilden av (?:de )?problemområden|bakgrund|lägesbild|problembild|nuläge|så ser det ut|utgångspunkt|statistik|uppföljning|"
    r"resultat|utvärdering|tidigare år|förra årets|vad har hänt|historik|varför"
)
COMMIT_HEAD = re.compile(
    r"lova|löfte|löften|fokusområde|åtag|aktivitet|insatser|mål|gör vi|handlingsplan|priorit|"
    r"vi ska|ska vi göra|vi gör|så här|arbetar vi med|effekt"
)

# lines that are page furniture wherever they appear
BOILER_LINE = re.compile(
    r"\b\d{3} ?\d{2} +[A-ZÅÄÖ][a-zåäö]+\b|telefon|\btel\.?:|e-post|@|https?://|www\.|"
    r"^publicerad|senast (?:uppdaterad|ändrad)|lämna dina synpunkter|läs mer|^dela\b|skriv ut|"
    r"cookie|kakor|till startsidan|kommunvapen|länk till|pressmeddelande|^null$|^på bilden|^foto|"
    r"^bild:|besöksadress|postadress|organisationsnummer|öppettider|hoppa till|^meny$|^sök$|"
    r"logga in|^kontakta oss|följ oss|facebook|instagram|linkedin|^reception|växel|"
    r"prenumerera|^\d{4}-\d{2}-\d{2}(?: \d{1,2}:\d{2})?\S*$",
    re.IGNORECASE,
)

NUMBER_WORDS = {"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
                "åtta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "femton": 15, "tjugo": 20}
MONTHS = {"januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
          "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12}

COMPILED: dict[str, list[tuple[re.Pattern[str], float]]] = {
    area: [(re.compile(p), w) for p, w in terms] for area, terms in TERMS.items()
}
