"""Estimators: one design per module, each a function ``(data, *, unit, time, outcome, ...) -> EffectResult``.

================== ============================ ==========================================
name               module                       design
================== ============================ ==========================================
``before_after``   :mod:`.before_after`         pre vs post in the treated unit(s) only
``its``            :mod:`.its`                  segmented regression (level + slope change)
``did``            :mod:`.did`                  two-way fixed effects with permutation inference
``synthetic_control`` :mod:`.synth`             simplex-weighted donors (ADH 2010)
``synthetic_did``  :mod:`.sdid`                 synthetic DiD (Arkhangelsky et al. 2021)
``staggered_did``  :mod:`.staggered`            Callaway & Sant'Anna (2021) ATT(g,t)
================== ============================ ==========================================

Names are imported lazily (module ``__getattr__``), so a missing or broken module only fails when
its own estimator is used.  Shared input checks live in :mod:`._common`.

Three functions share their module's name (``did`` in ``did.py``, ...).  Importing a submodule
binds the package attribute to the *module*, so ``estimators.did`` would become a module after
``import lofteeval.estimators.did``.  Those three (light: numpy, pandas, scipy) are therefore bound
when this package is imported, which rebinds the names to the functions; a missing one is skipped.
"""

from __future__ import annotations

import importlib
from typing import Any

from .registry import REGISTRY, DesignSpec, design_spec  # noqa: F401 - public

_LAZY: dict[str, str] = {spec.function: f".{spec.module}" for spec in REGISTRY.values()}

__all__ = sorted([*_LAZY, "REGISTRY", "DesignSpec", "design_spec"])

_SAME_NAME = tuple(s.function for s in REGISTRY.values() if s.function == s.module)


def _bind_same_name() -> None:
    for name in _SAME_NAME:
        full = f"{__name__}.{name}"
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as err:
            if err.name != full:
                raise
            continue
        globals()[name] = getattr(module, name)


_bind_same_name()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        obj = getattr(module, name)
        globals()[name] = obj
        return obj
    raise AttributeError(f"module 'lofteeval.estimators' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
