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
# Parameterised report template (papermill). `lofteeval report ID` runs it; every step below is a
# library call (STYLE §10). The same steps without a kernel: `lofteeval.reports.write_report(...)`.

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
import lofteeval
from lofteeval import reports

# %% [markdown]
# ## Data och löfte

# %%
panel = reports.load_report_panel(demo=demo, panel_path=panel_path, lofte_id=lofte_id)
lofte = lofteeval.load_lofte(lofte_id)
lofte

# %% [markdown]
# ## Skattningar för varje fokusområde och indikator (p-värden justerade inom löftet)

# %%
evaluated = reports.evaluate_for_report(panel, lofte, level=level, lang=lang, through=through)
reports.results_frame(evaluated, lang=lang)

# %% [markdown]
# ## Rapporttext, tabeller och figurer

# %%
context = reports.build_context(
    lofte,
    evaluated,
    lang=lang,
    level=level,
    synthetic=reports.is_synthetic(panel),
    followup=followup_path,
    provenance=reports.provenance(panel, params=dict(lofte_id=lofte_id, demo=demo, panel_path=panel_path,
                                                     lang=lang, level=level, followup_path=followup_path,
                                                     through=through)),
)
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
