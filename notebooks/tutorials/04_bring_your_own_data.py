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
# # 4 · Bringing your own data and your own löfte
#
# 1. import a Brå "anmälda brott i kommunerna" CSV and a Kolada export into tidy rows;
# 2. merge them into a validated panel;
# 3. add your own löfte to the registry (a TOML file in a folder of your own);
# 4. evaluate it and follow up its activities.
#
# The input files here are the small hand-built fixtures in `tests/fixtures/sources/` (numbers are
# illustrative, not real statistics). Replace the paths with your downloads.

# %%
import pathlib
import tempfile

import lofteeval
from lofteeval.sources import bra, kolada

fixtures = lofteeval.config.project_root() / "tests" / "fixtures" / "sources"

# %% [markdown]
# ## 1. A Brå CSV
# Brå's yearly file does not say which year it covers, so you pass `year=`. The reader handles
# BOMs, `;`, thousands separators with (narrow) no-break spaces, decimal commas, `Hela landet` and
# misspelt names, and reports every row it flagged or dropped: nothing disappears silently.

# %%
bra_rows, bra_report = bra.read_bra_kommun_csv(fixtures / "bra_kommun_2023.csv", year=2023)
print(bra_report)
bra_rows

# %% [markdown]
# ## 2. A Kolada export
# Saved responses of the Kolada API (`/v3/data/kpi/...`) are read as they are, one page per file.
# Regions and "riket" (codes 0000, 00xx) are not kommuner: with `unknown="drop"` they are dropped
# and counted in the report.

# %%
kolada_rows, kolada_report = kolada.read_kolada_json(fixtures / "kolada_v3_page1.json", unknown="drop")
print(kolada_report)
kolada_rows

# %% [markdown]
# ## 3. One validated panel
# `build_panel` merges sources, validates the tidy schema and refuses two different values for the
# same kommun, year, indicator and source.

# %%
panel = lofteeval.build_panel(bra_rows, kolada_rows)
panel.groupby(["source", "indicator", "year"]).size()

# %% [markdown]
# ## 4. Your own löfte
# A löfte is a TOML file. Put yours in a folder and pass `path=` (or list the folder in the
# environment variable `LOFTEEVAL_REGISTRY`, and `lofteeval report` finds it too).

# %%
folder = pathlib.Path(tempfile.mkdtemp())
(folder / "ale-2021.toml").write_text('''
id = "ale-2021"
kind = "lofte"
title = "Medborgarlöfte Ale 2021: tryggare centrum"
kommuner = ["1440"]
lokalpolisomrade = "Ale"
signed = 2021-02-01
start = 2021-01-01
end = 2022-12-31
focus_areas = ["trygghet", "skadegorelse"]
notes = "Exempel i handledningen; inget verkligt löfte."

[source]
document = "eget exempel"
publisher = "handledning 4"
date = 2021-02-01

[[activities]]
id = "a1"
text = "Tio trygghetsvandringar i centrum."
owner = "both"
target = 10
unit = "trygghetsvandringar"
focus_area = "trygghet"
''', encoding="utf-8")
mitt = lofteeval.load_lofte("ale-2021", path=folder)
mitt

# %% [markdown]
# ## 5. Evaluate it
# One year of Brå data cannot show an effect: every design needs years before and after the löfte.
# With your own multi-year panel you would pass it here. To show the call, we use the synthetic demo
# panel (**Syntetiska data – endast för demonstration**).

# %%
demo = lofteeval.datasets.demo_panel(seed=0)
res = lofteeval.evaluate(demo, mitt, "reported_criminal_damage")
print(res.summary())

# %% [markdown]
# ## 6. Follow up the activities
# A follow-up file has the columns `activity_id, done, date, comment`; the status is computed
# against the target in the registry.

# %%
(folder / "ale-2021_2021.csv").write_text(
    "activity_id;done;date;comment\na1;7;2021-12-15;tre vandringar ställdes in\n", encoding="utf-8")
lofteeval.follow_up(mitt, folder / "ale-2021_2021.csv")
