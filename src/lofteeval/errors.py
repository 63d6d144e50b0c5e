"""Exceptions and warnings raised by lofteeval.

The hierarchy, drawn as a tree::

    LofteevalError
    ├── DataError(LofteevalError, ValueError)        bad or inconsistent input data
    ├── RegistryError(LofteevalError, ValueError)    bad löfte registry entry or unknown id
    ├── DesignError(LofteevalError, ValueError)      a design that cannot be estimated
    └── FetchError(LofteevalError, RuntimeError)     a download failed or the cache is corrupt

    LofteevalWarning(UserWarning)
    ├── DroppedRowsWarning                           rows removed, with the count and reason
    ├── FlaggedRowsWarning                           rows kept but flagged (suppressed, interpolated)
    └── DesignWarning                                a caveat about an estimate
        ├── ShortPrePeriodWarning
        ├── FewDonorsWarning
        ├── PoorPreFitWarning
        ├── ZeroCountsWarning
        ├── EnforcementDrivenWarning
        ├── CovidYearsWarning
        └── LowPowerWarning

Every exception inherits a builtin too, so ``except ValueError`` keeps working.  A message says
what must hold, what was received, and how to fix it.
"""

from __future__ import annotations

import warnings

__all__ = [
    "LofteevalError",
    "DataError",
    "RegistryError",
    "DesignError",
    "FetchError",
    "LofteevalWarning",
    "DroppedRowsWarning",
    "FlaggedRowsWarning",
    "DesignWarning",
    "ShortPrePeriodWarning",
    "FewDonorsWarning",
    "PoorPreFitWarning",
    "ZeroCountsWarning",
    "EnforcementDrivenWarning",
    "CovidYearsWarning",
    "LowPowerWarning",
    "caveat",
]


class LofteevalError(Exception):
    """Base class of every error raised on purpose by lofteeval."""


class DataError(LofteevalError, ValueError):
    """Input data violate the tidy schema or a source's documented format."""


class RegistryError(LofteevalError, ValueError):
    """A löfte registry entry is invalid, or an id is unknown."""


class DesignError(LofteevalError, ValueError):
    """The requested design cannot be estimated on the data given."""


class FetchError(LofteevalError, RuntimeError):
    """A download failed, or a cached file no longer matches its checksum."""


class LofteevalWarning(UserWarning):
    """Base class of lofteeval's warnings."""


class DroppedRowsWarning(LofteevalWarning):
    """Rows were removed; the message gives the count and the reason."""


class FlaggedRowsWarning(LofteevalWarning):
    """Rows were kept but flagged (suppressed, interpolated, provisional)."""


class DesignWarning(LofteevalWarning):
    """A caveat about an estimate that a reader of the result must see."""


class ShortPrePeriodWarning(DesignWarning):
    """Fewer pre-period years than the design needs to be convincing."""


class FewDonorsWarning(DesignWarning):
    """Too few comparison units for placebo/permutation inference to be informative."""


class PoorPreFitWarning(DesignWarning):
    """The counterfactual does not track the treated unit before the löfte."""


class ZeroCountsWarning(DesignWarning):
    """Zero or very small counts: rates and ratios are unstable."""


class EnforcementDrivenWarning(DesignWarning):
    """The indicator rises with police activity (drug, traffic offences) or with trust (DV reporting)."""


class CovidYearsWarning(DesignWarning):
    """The window contains 2020-2021, when crime patterns shifted everywhere."""


class LowPowerWarning(DesignWarning):
    """The minimum detectable effect is large: a null result says little."""


def caveat(collected: list[str], category: type[DesignWarning], message: str) -> None:
    """Record a design caveat on a result and emit it as a Python warning.

    The text stored on the result is ``"<ClassName>: <message>"`` so reports can group by kind.
    """
    collected.append(f"{category.__name__}: {message}")
    warnings.warn(message, category, stacklevel=3)
