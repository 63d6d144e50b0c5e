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
# # Utvärderingsrapport för ett medborgarlöfte
#
# Parameterised report template (papermill). `lofteeval report ID` runs it; it makes the two library
# calls that `lofteeval.reports.write_report(...)` makes without a kernel (STYLE §10).

# %% tags=["parameters"]
lofte_id = "gotland-2020"
demo = True
panel_path = None
out_dir = None
lang = "sv"
formats = "html,pdf,xlsx"
level = 0.95
followup_path = None
through = None

# %%
from lofteeval import reports

# %% [markdown]
# ## Data, löfte och skattningar för varje fokusområde och indikator
# (p-värden justerade inom löftet; samma orkestrering som `reports.prepare_report` utan kärna)

# %%
context = reports.prepare_report(lofte_id, demo=demo, panel_path=panel_path, lang=lang, level=level,
                                 followup_path=followup_path, through=through)
context.results

# %% [markdown]
# ## Uppföljning av aktiviteterna

# %%
context.followup

# %% [markdown]
# ## Skriv HTML, PDF och Excel

# %%
paths = reports.write_outputs(context, out_dir=out_dir, formats=formats)
paths

# %% [markdown]
# ## Proveniens

# %%
context.provenance
