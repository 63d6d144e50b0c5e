# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5 · Real official data: plan → fetch → panel → report
#
# A real evaluation needs the crime categories the löfte acts on, per kommun and year, for the
# löfte kommun **and every kommun it may be compared with**. Only Brå's statistikdatabas (SOL) has
# them; SCB gives the population for the rates. This tutorial goes through the four steps with the
# commands you run online, and runs the same library calls here on responses in the real formats
# (a fake SOL and SCB server in `tests/sources/`, so the notebook runs without network in the
# tests). **Online, run exactly:**
#
# ```
# lofteeval data plan gotland-2020        # where every indicator comes from, and what cannot be fetched
# lofteeval data fetch --lofte gotland-2020   # Brå SOL + SCB -> data/processed/panel.parquet (+ sidecar)
# lofteeval report gotland-2020           # uses data/processed/panel.parquet; follow-up to the latest year
# ```
#
# `statistik.bra.se` serves an incomplete TLS certificate chain. If `data fetch` stops with a
# certificate error, pass `--sol-ca-bundle PATH` (a CA bundle holding the missing intermediate) or,
# knowingly, `--sol-insecure` (verification off for statistik.bra.se only). Without network, save
# SOL's table by hand and run `lofteeval import bra-sol FILE` (HTML page, XLS or XLSX).

# %%
import os
import sys
import tempfile
from pathlib import Path

import lofteeval
from lofteeval.config import project_root

home = Path(tempfile.mkdtemp(prefix="lofteeval-real-"))
os.environ["LOFTEEVAL_HOME"] = str(home)  # data/raw, data/processed and reports/ go here, not into the project
ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents, project_root()) if (p / "tests" / "sources").is_dir())

# %% [markdown]
# ## 1 · The plan: a real source for every indicator

# %%
from lofteeval.sources.catalogue import fetch_plan, plan_text

print(plan_text(lofteeval.load_lofte("gotland-2020")))
fetch_plan(lofteeval.load_lofte("gotland-2020"))[["focus_area", "indicator", "kind", "fetchable"]]

# %% [markdown]
# Survey indicators (NTU, Polisens trygghetsmätning) are not published per kommun and year as files;
# the plan says so and how to add them by hand (`lofteeval import survey FILE`).
#
# ## 2 · The parser on a real SOL result page
#
# The page below is a byte copy of what SOL returns (riket, län and polisregioner × 2011–2016
# prel.). `..` means no value: the län stop in 2015 and the polisregioner start then.

# %%
from lofteeval.sources.sol_parse import parse_result_page

cells = parse_result_page(ROOT / "tests" / "fixtures" / "bra_sol" / "sol_result_page_lan_totals_2011_2016prel.html")
cells.pivot_table(index="region_label", columns="period_label", values="value").head(8)

# %% [markdown]
# ## 3 · Fetch and build the panel
#
# `fetch_for_loften` is what `lofteeval data fetch` calls. Here it gets a client whose transport
# answers like SOL and SCB; online you leave `client` out.

# %%
import httpx

sys.path.insert(0, str(ROOT / "tests" / "sources"))
from fetch_fakes import FakeUpstreams  # noqa: E402

from lofteeval.sources import _cache  # noqa: E402
from lofteeval.sources.fetch_lofte import fetch_for_loften  # noqa: E402

_cache._sleep = lambda s: None  # the fake server needs no politeness pause
upstreams = FakeUpstreams()
result = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=list(range(2010, 2026)), client=upstreams.client())
print(result.path.relative_to(home))
for report in result.reports:
    print(report.text())
print(result.panel_report.text())

# %% [markdown]
# The sidecar next to the panel names every source with its fetch date, checksum and vintage; the
# report prints it. A second run reads the cache and sends nothing:

# %%
from lofteeval.reports.provenance import vintage_text

print(vintage_text(result.panel))
before = len(upstreams.log)
again = fetch_for_loften([lofteeval.load_lofte("gotland-2020")], years=list(range(2010, 2026)), client=upstreams.client())
print("requests on the second run:", len(upstreams.log) - before)

# %% [markdown]
# ## 4 · Report, followed up through the latest year
#
# Without `--demo` the report uses `data/processed/panel.parquet`; with no panel it stops and says
# to run `data fetch` (it never falls back to the synthetic demo data). `through` defaults to the
# latest year in the panel on the command line; the report shows the löfte's year and the years
# after as two windows. (The numbers here come from the fake server, not from Brå.)

# %%
from lofteeval import reports

paths = reports.write_report("gotland-2020", out_dir=str(home / "reports"), formats="html",
                             through=2025)
html = paths["html"].read_text(encoding="utf-8")
print(paths["html"].relative_to(home), "| vintage in report:", "2025 preliminärt" in html,
      "| after-löfte window:", "Åren efter löftet" in html)
