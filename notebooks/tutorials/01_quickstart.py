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
# # 1 · Quickstart on the demo panel
#
# **Syntetiska data – endast för demonstration.** Everything in this notebook runs on
# `lofteeval.datasets.demo_panel(seed=0)`, a synthetic kommun × year panel with a few documented
# injected effects. The numbers say nothing about real kommuner.
#
# In five steps: load data, pick a löfte, estimate one indicator, a whole focus area, write a report.

# %%
import tempfile

import lofteeval

panel = lofteeval.datasets.demo_panel(seed=0)
panel.attrs["synthetic"], panel.shape

# %% [markdown]
# The panel is *tidy*: one row per kommun, year, indicator and source. Crime indicators are per
# 100 000 inhabitants with the count in `n`.

# %%
panel.head()

# %% [markdown]
# ## A löfte from the registry

# %%
lofteeval.list_loften()

# %%
lofte = lofteeval.load_lofte("gotland-2020")
lofte.title, lofte.kommuner, lofte.focus_areas, (lofte.start, lofte.end)

# %% [markdown]
# ## One indicator
# `evaluate` chooses the design (here synthetic control, because Gotland is one kommun with many
# possible comparison kommuner) and returns an `EffectResult` with interval, p-value and MDE.

# %%
res = lofteeval.evaluate(panel, lofte, "reported_unlawful_threats")
print(res.summary())

# %%
res.plot(lang="sv");

# %% [markdown]
# The demo panel has a known injected effect for this indicator (−15 % from 2020). Compare it with
# the estimate and its interval: with one year after the start in a kommun of 60 000, the interval
# is wide and the MDE large, so the report will say the effect *cannot be determined* rather than
# claim a decrease. That is the honest answer for a one-year löfte in a small kommun.
# The table below also lists the demo's *detectable* effect for Gotland: 6 percentage points fewer
# who saw drug dealing (`saw_drug_dealing`, from 2020), which the default evaluation calls
# *säkerställd* (docs/demo_data.md).

# %%
effects = lofteeval.datasets.injected_effects()
effects[effects["lofte_id"] == "gotland-2020"]

# %% [markdown]
# ## A whole focus area
# p-values are adjusted for testing several indicators (Benjamini–Hochberg, column `p_adjusted`).

# %%
results = lofteeval.evaluate_focus_area(panel, lofte, "vald_nara_relation")
from lofteeval.reports.excel import effects_table

# one column per scale (relative effect in %, per 100 000, offences per year), as in the workbook;
# `lofteeval.results_table(results)` gives the raw numbers on each result's own scale
effects_table(results)[["Indicator", "Design", "Effect (%)", "Lower bound (%)", "Upper bound (%)",
                        "Effect per 100,000 inhabitants", "p-value", "Adjusted p-value (BH)"]]

# %%
lofteeval.plots.plot_results(results, synthetic=True);

# %% [markdown]
# ## The report
# The same as `lofteeval report gotland-2020 --demo --format html` on the command line; here into a
# temporary folder.

# %%
out = tempfile.mkdtemp()
lofteeval.reports.write_report("gotland-2020", demo=True, out_dir=out, formats="html")
