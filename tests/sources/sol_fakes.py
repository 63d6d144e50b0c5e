"""A fake SOL server for tests: topic pages and result tables in SOL's documented formats.

Topic page: JavaScript arrays ``arrayPeriod[i]="id*axis*label*kind"``, crimes
``arrayNiva<level>[i]="id*label*parent*full label path"`` and regions
``arrayRegionNiva<level>[i]="id*label*parent*full path"`` (jensfinnas/bra_scraper's parser reads the
same fields).  Result table: the structure of the real ``soktabell`` page in
``tests/fixtures/bra_sol`` (``th axis="manader"`` period headers, ``td class="resultatAntal"
headers="PERIOD 289 CRIME REGION MEASURE"``, ``&nbsp;`` thousands, ``..`` missing).
"""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx

from lofteeval.sources.catalogue import INDICATOR_SOURCES
from lofteeval.sources.sol import sol_region_ids

# leaf labels as SOL writes them (the "~pattern" paths get a concrete leaf)
LEAVES = {
    "~misshandel inkl\\. grov": "Misshandel inkl. grov (5, 6 §)",
    "~rån inkl\\. grovt": "Rån inkl. grovt (5, 6 §)",
    "~olaga hot": "Olaga hot inkl. grovt (5 §)",
    "~ofredande": "Ofredande (7 §)",
    "~(inbrottsstöld|stöld genom inbrott).*bostad": "Inbrottsstöld i bostad",
}


def crime_paths() -> list[str]:
    out = []
    for src in INDICATOR_SOURCES.values():
        for p in src.sol_paths:
            if "~" in p:
                pre, pat = p.split("~", 1)
                out.append(pre + LEAVES["~" + pat])
            else:
                out.append(p)
    return sorted(set(out))


def topic_page(years: range, prel_last: bool = True, extra_crimes: dict[int, str] | None = None) -> str:
    lines = ["<html><head><script type='text/javascript'>"]
    for i, y in enumerate(years):
        label = f"År {y}" + (" prel." if prel_last and y == years[-1] else "")
        lines.append(f'arrayPeriod[{i}]="{3000 + i}*289*{label}*ar";')
    # the monthly periods SOL lists in the same array must be ignored
    lines.append(f'arrayPeriod[{len(years)}]="2999*290*{years[-1]}, Jan*manader";')
    crimes = {5000 + i: p for i, p in enumerate(crime_paths())}
    crimes.update(extra_crimes or {})
    for i, (cid, path) in enumerate(sorted(crimes.items())):
        # a sub-category that repeats its parent's prefix (must not be matched for the parent)
        lines.append(f'arrayNivatva[{i}]="{cid}*{path.split(", ")[-1]}*11084*{path}";')
    lines.append('arrayNivatre[0]="9001*Mot kvinna 18 år eller äldre*5000*Brott mot brottsbalken, 3-7 kap. '
                 'Brott mot person, 3 kap. Brott mot liv och hälsa, Misshandel inkl. grov (5, 6 §), '
                 'Mot kvinna 18 år eller äldre";')
    lines.append('arrayRegionNivaEtt[0]="8291*Hela landet*8291*Hela landet";')
    for i, r in sol_region_ids().iterrows():
        lines.append(f'arrayRegionNivaTva[{i}]="{r.sol_region_id}*{r.sol_label}*8291*Hela landet, {r.sol_label}";')
    lines.append("</script></head><body>Urval</body></html>")
    return "\n".join(lines)


def value(crime: int, region: int, period: int) -> int:
    """Deterministic count of one cell (``..`` for a few cells)."""
    return (crime * 7 + region * 13 + period * 3) % 900 + 10


def result_page(crimes: list[int], regions: list[int], periods: list[int], labels: dict[int, str],
                per_100k: bool, missing: set[tuple[int, int, int]] = frozenset(),
                crime_labels: dict[int, str] | None = None) -> str:
    measures = ["antal", "antal_100k"] if per_100k else ["antal"]
    head = "".join(f'<th colspan="{len(measures)}" class="resultatRubrik2" id="{p}" axis="manader" nowrap>'
                   f"\n      {labels[p]}\n\n    </th>" for p in periods)
    out = [('<!DOCTYPE HTML><HTML><HEAD><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            "</HEAD><BODY><table><tr>"), head, "</tr>"]
    for r in regions:
        out.append(f'<tr><th align="left" class="resultatRubrik1" id="{r}" axis="region">Region {r}</th></tr>')
        for c in crimes:
            cells = []
            for p in periods:
                for m in measures:
                    v = value(c, r, p)
                    year = int(labels[p][:4])
                    heby_twin = (r == 8608 and year >= 2007) or (r == 8556 and year < 2007)
                    if (c, r, p) in missing or heby_twin:
                        text = ".."
                    elif m == "antal":
                        text = f"{v * 1000 + 7:,}".replace(",", "&nbsp;")
                    else:
                        text = f"{v}"
                    cells.append(f'<td align="right" class="resultatAntal" headers="{p} 289 {c} {r} {m}">{text}</td>')
            out.append(f'<tr><th class="resultatRubrik2" headers="{r}">{(crime_labels or {}).get(c, f"Brott {c}")}</th>{"".join(cells)}</tr>')
    out.append("</table></BODY></HTML>")
    return "".join(out)


class FakeSol:
    """``httpx.MockTransport`` handler: session, topic page, vantapopup form, result table."""

    def __init__(self, years: range = range(2010, 2026), missing: set | None = None) -> None:
        self.years = years
        self.page = topic_page(years)
        self.labels = {3000 + i: (f"{y}" + (" prel." if y == years[-1] else "")) for i, y in enumerate(years)}
        self.form: dict[str, str] = {}
        self.requests: list[str] = []
        self.queries: list[dict[str, str]] = []
        self.missing = missing or set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if path.endswith("/start"):
            return httpx.Response(200, text="<html>Sol</html>", headers={"set-cookie": "JSESSIONID=abc; Path=/"})
        if "JSESSIONID=abc" not in request.headers.get("cookie", ""):
            return httpx.Response(200, text="<html>Din session har gått ut</html>")
        if path.endswith("/urval/urval"):
            return httpx.Response(200, content=self.page.encode("cp1252", errors="replace"))
        if path.endswith("/vantapopup"):
            self.form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.queries.append(self.form)
            return httpx.Response(200, text="<html>Vänta</html>")
        if path.endswith("/sok"):
            return httpx.Response(200, text="<html>sok</html>")
        if path.endswith("/soktabell"):
            f = self.form
            crimes = [int(x) for x in f["brottstyp_id_string"].split("*")]
            regions = [int(x) for x in f["region_id_string"].split("*")]
            periods = [int(x) for x in f["period_id_string"].split("*")]
            per = f.get("antal_100k") == "1"
            if len(crimes) * len(regions) * len(periods) * (2 if per else 1) > 10_000:
                return httpx.Response(200, text="<html>Du har valt för många celler</html>")
            return httpx.Response(200, text=result_page(crimes, regions, periods, self.labels, per, self.missing))
        return httpx.Response(404, text="not found")


def client(fake: FakeSol) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(fake), follow_redirects=True)


def offline_client() -> httpx.Client:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    return httpx.Client(transport=httpx.MockTransport(refuse))
