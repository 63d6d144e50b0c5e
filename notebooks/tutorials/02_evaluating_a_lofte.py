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
# # 2 · Evaluating a löfte step by step, with each design
#
# **Syntetiska data – endast för demonstration** (demo panel, seed 0).
#
# We take Gotland's 2020 löfte and one indicator, build the design (who is treated, which kommuner
# are compared and why, which years are before and after), then run every design and read its
# diagnostics. The demo panel has an injected −15 % effect on reported unlawful threats in Gotland
# from 2020.

# %%
import lofteeval
from lofteeval import plots

panel = lofteeval.datasets.demo_panel(seed=0)
lofte = lofteeval.load_lofte("gotland-2020")
indicator = "reported_unlawful_threats"

# %% [markdown]
# ## 1. The design
# `make_design` picks comparison kommuner (similar kommungrupp and size, not neighbours of the löfte
# kommun when asked) and records why each was chosen or excluded.

# %%
design = lofteeval.make_design(panel, lofte, indicator)
design.treated, design.pre_period, design.post_period, design.treatment_start

# %%
design.comparison.head(10)

# %% [markdown]
# ## 2. Every design on the same question
# - **before_after**: only Gotland, before vs after; shows change, not cause.
# - **its** (interrupted time series) extends Gotland's own pre-trend; it needs at least two years
#   after the start to separate a level change from a slope change, and Gotland's löfte covers one
#   year, so it is left out here (`lofteeval.evaluate(..., method="its")` on `skara-2021` or a longer
#   löfte shows it).
# - **did**: Gotland's change minus the comparison kommuner' change (parallel trends).
# - **synth**: a weighted mix of comparison kommuner that tracks Gotland before 2020.
# - **sdid**: synthetic DiD, unit and time weights.

# %%
methods = ["before_after", "did", "synth", "sdid"]
results = [lofteeval.evaluate(panel, lofte, indicator, method=m) for m in methods]
# one scale per column: the designs report on different scales (count models relative, synthetic
# control per 100 000), so the table puts every effect on each scale it has (see the workbook)
from lofteeval.reports.excel import effects_table

effects_table(results)[["Design", "Effect (%)", "Lower bound (%)", "Upper bound (%)", "MDE (%)",
                        "Effect per 100,000 inhabitants", "p-value"]]

# %%
plots.plot_results(results, labels=methods, synthetic=True);

# %% [markdown]
# ## 3. Reading the diagnostics of the synthetic control
# - **pre-period fit** (`pre_rmspe`): the dashed line should follow the observed one before 2020;
#   a poor fit means the counterfactual is not credible (a `PoorPreFitWarning` says so).
# - **weights**: which kommuner make up "Gotland without the löfte".
# - **placebo distribution**: the same method applied to every comparison kommun as if it had the
#   löfte; Gotland's estimate should stand out from them to be called significant.
# - **MDE**: the smallest effect the design would detect 80 % of the time. If the MDE is 30 % and
#   the löfte could plausibly change the outcome by 5 %, a null result says little.

# %%
synth = results[methods.index("synth")]
print(synth.summary())

# %%
plots.plot_effect(synth, synthetic=True);

# %%
plots.plot_weights(synth, synthetic=True);

# %%
plots.plot_placebo(synth, synthetic=True);

# %% [markdown]
# ## 4. How the report words it
# The report never says *minskade* unless the interval excludes zero; otherwise it says
# *ingen säkerställd förändring* or *kan inte avgöras* with the MDE.

# %%
from lofteeval.indicators import INDICATORS
from lofteeval.reports.text import describe_result

describe_result(synth, INDICATORS[indicator], lang="sv")
