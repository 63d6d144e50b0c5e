"""Synthetic data for docs, tests and calibration: the demo panel and the null-panel simulator.

Everything here is **synthetic** (*Syntetiska data – endast för demonstration*):

- :func:`demo_panel` — a tidy panel (``../shared/STYLE.md`` §2) for all 290 real kommuner,
  2010–2024, every indicator a focus area uses, drawn around real national levels and real
  population, with the known effects in :data:`INJECTED_EFFECTS`.  ``source`` is ``"demo"``,
  generated rows carry ``flag="synthetic"`` and ``panel.attrs["synthetic"]`` is ``True``.
- :func:`simulate_null_panel` — a small generic long frame ``kommun, year, count, population,
  rate`` drawn the same way (negative-binomial counts, kommun and year effects, AR(1) noise) with
  no effect (or a chosen one), for calibration and power studies of every estimator.
- :func:`is_synthetic` — whether a frame (or any row of it) comes from these generators.

Modules: ``_noise.py`` (the count model both generators share), ``_null.py`` (the simulator),
``_anchors.py`` (national levels, kommungrupp parameters, the injected effects), ``_demo.py``
(the demo panel).  The data-generating process is described in ``docs/demo_data.md``.
"""

from __future__ import annotations

from ..harmonise.schema import is_synthetic
from ._anchors import _NATIONAL_PER_100K, _NATIONAL_PERCENT, INJECTED_EFFECTS, InjectedEffect, injected_effects
from ._demo import SYNTHETIC_LABEL_EN, SYNTHETIC_LABEL_SV, _demo_panel, _kommun_reference, demo_panel
from ._null import simulate_null_panel

__all__ = [
    "SYNTHETIC_LABEL_SV",
    "SYNTHETIC_LABEL_EN",
    "INJECTED_EFFECTS",
    "InjectedEffect",
    "demo_panel",
    "injected_effects",
    "is_synthetic",
    "simulate_null_panel",
]

_PRIVATE = (_NATIONAL_PER_100K, _NATIONAL_PERCENT, _demo_panel, _kommun_reference)  # used by tests
