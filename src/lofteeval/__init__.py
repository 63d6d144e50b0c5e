"""lofteeval — evaluate Swedish medborgarlöften.

Public surface only; implementations live in submodules and are imported lazily so that
``import lofteeval`` stays fast (pandas, statsmodels and matplotlib load on first use).

>>> import lofteeval
>>> panel = lofteeval.datasets.demo_panel(seed=0)            # synthetic, labelled as such
>>> lofte = lofteeval.load_lofte("gotland-2020")
>>> res = lofteeval.evaluate(panel, lofte, "reported_domestic_violence", method="synth")
>>> print(res.summary())
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it (relative to this package)
_LAZY: dict[str, str] = {
    # errors
    "LofteevalError": ".errors", "DataError": ".errors", "RegistryError": ".errors",
    "DesignError": ".errors", "FetchError": ".errors", "DroppedRowsWarning": ".errors",
    "FlaggedRowsWarning": ".errors", "DesignWarning": ".errors",
    # kommun reference and tidy panel
    "kommuner": ".harmonise.kommuner", "kommun_code": ".harmonise.kommuner",
    "kommun_name": ".harmonise.kommuner", "population": ".harmonise.kommuner",
    "neighbours": ".harmonise.kommuner", "kommun_codes": ".harmonise.kommuner",
    "code_history": ".harmonise.kommuner", "lan_of": ".harmonise.kommuner",
    "add_rates": ".harmonise.rates", "ImportReport": ".harmonise.panel",
    "validate_tidy": ".harmonise.schema", "build_panel": ".harmonise.panel",
    "load_panel": ".harmonise.panel", "save_panel": ".harmonise.panel",
    # vocabulary
    "FocusArea": ".indicators", "IndicatorSpec": ".indicators", "indicators_for": ".indicators",
    "list_focus_areas": ".indicators", "list_indicators": ".indicators",
    # registry
    "Lofte": ".registry", "Activity": ".registry", "load_lofte": ".registry",
    "list_loften": ".registry", "load_registry": ".registry",
    "classify_focus_areas": ".registry", "draft_lofte": ".registry",
    "extract_metadata": ".registry", "example_follow_up_path": ".registry",
    "follow_up": ".registry", "read_follow_up": ".registry",
    # design, estimation, results
    "Design": ".design", "make_design": ".design",
    "evaluate": ".evaluation", "evaluate_focus_area": ".evaluation", "evaluate_lofte": ".evaluation",
    "evaluate_staggered": ".evaluation",
    "EffectResult": ".results", "results_table": ".results",
    "adjust_pvalues": ".inference.multiple",
    # reports
    "render_report": ".reports", "provenance": ".reports",
}
_SUBMODULES = {"datasets", "sources", "estimators", "inference", "plots", "reports", "harmonise",
               "indicators", "errors", "config", "registry", "design", "results"}

__all__ = sorted([*_LAZY, *_SUBMODULES, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'lofteeval' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from .errors import DataError, DesignError, LofteevalError, RegistryError  # noqa: F401
    from .results import EffectResult, results_table  # noqa: F401
