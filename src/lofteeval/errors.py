"""Exceptions and warnings raised by lofteeval.

The hierarchy, drawn as a tree::

    LofteevalError
    ├── DataError(LofteevalError, ValueError)        bad or inconsistent input data
    ├── RegistryError(LofteevalError, ValueError)    bad löfte registry entry or unknown id
    ├── DesignError(LofteevalError, ValueError)      a design that cannot be estimated
    │   └── SmallCountsError                         too few counts a year to test a change
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
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "LofteevalError",
    "DataError",
    "RegistryError",
    "DesignError",
    "SmallCountsError",
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
    "Caveat",
    "Refusal",
    "SYNTHETIC_DATA",
    "caveat",
]

SYNTHETIC_DATA = "SyntheticData"
"""The caveat kind every result computed on the synthetic demo panel carries."""


class LofteevalError(Exception):
    """Base class of every error raised on purpose by lofteeval."""


class DataError(LofteevalError, ValueError):
    """Input data violate the tidy schema or a source's documented format."""


class RegistryError(LofteevalError, ValueError):
    """A löfte registry entry is invalid, or an id is unknown."""


class DesignError(LofteevalError, ValueError):
    """The requested design cannot be estimated on the data given."""


class SmallCountsError(DesignError):
    """The treated kommun(er) have too few counts a year for the design to test a change.

    The question is then *undecidable* (the report's "kan inte avgöras"), not a failure of the
    method: ``mean_count`` (counts a pre-period year), ``minimum`` (what the rule asks) and
    ``design`` (the design that refused) say why, for readers who word it in their language.
    """

    def __init__(self, mean_count: float, design: str, *, minimum: float, instead: str) -> None:
        self.mean_count, self.design, self.minimum, self.instead = float(mean_count), design, float(minimum), instead
        super().__init__(
            f"the treated kommun(er) have on average {self.mean_count:.1f} counts a year before the start; "
            f"{design} needs at least {self.minimum:g} to test a change (below that its minimum "
            "detectable effect is not the power it has, and a fall of 30 % is practically never "
            f"detected, docs/calibration.md). Use a broader indicator, a longer window or {instead}."
        )

    def __reduce__(self) -> tuple[Any, ...]:  # keyword-only arguments: pickle (joblib workers) needs this
        return (_small_counts_error, (self.mean_count, self.design, self.minimum, self.instead))


def _small_counts_error(mean_count: float, design: str, minimum: float, instead: str) -> SmallCountsError:
    return SmallCountsError(mean_count, design, minimum=minimum, instead=instead)


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


class Caveat(str):
    """A caveat on a result: its kind, its English message and the numbers in it.

    It *is* the string ``"<kind>: <message>"`` (so results print, join and compare as before),
    and carries ``kind`` (a warning class name, or :data:`SYNTHETIC_DATA`), ``message`` and
    ``values`` (a read-only mapping) for consumers that word it otherwise (the Swedish report):
    they read the numbers, never parse the text.
    """

    kind: str
    message: str
    values: Mapping[str, Any]

    def __new__(cls, kind: str, message: str, values: Mapping[str, Any] | None = None) -> Caveat:
        obj = super().__new__(cls, f"{kind}: {message}")
        obj.kind, obj.message = kind, message
        obj.values = MappingProxyType(dict(values or {}))
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Caveat, (self.kind, self.message, dict(self.values)))

    @classmethod
    def of(cls, text: str) -> Caveat:
        """``text`` itself when a :class:`Caveat`; a plain ``"<Kind>: message"`` gets that kind and no
        values (a message without such a head gets kind ``""``)."""
        if isinstance(text, Caveat):
            return text
        head, sep, rest = str(text).partition(": ")
        if sep and head[:1].isupper() and head.isalpha():
            return cls(head, rest)
        obj = super().__new__(cls, str(text))
        obj.kind, obj.message, obj.values = "", str(text), MappingProxyType({})
        return obj


class Refusal(str):
    """Why something was not estimated: the record an evaluation keeps instead of a result.

    It *is* the string ``"<ErrorClass>: <first clause of the message>"`` (so tables and logs show
    it as before) and carries ``error`` (the class name) and ``mean_count`` (the treated kommuner's
    counts a year when a :class:`SmallCountsError` refused, else ``None``), so a report tells an
    undecidable question from a failed method without parsing the text.
    """

    error: str
    mean_count: float | None

    def __new__(cls, error: str, message: str, mean_count: float | None = None) -> Refusal:
        obj = super().__new__(cls, f"{error}: {message}")
        obj.error, obj.mean_count = error, None if mean_count is None else float(mean_count)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Refusal, (self.error, str(self).partition(": ")[2], self.mean_count))

    @classmethod
    def of(cls, exc: BaseException) -> Refusal:
        """The record of ``exc``: its class name and the message up to the first ``;``."""
        return cls(type(exc).__name__, str(exc).split(";")[0], getattr(exc, "mean_count", None))

    @property
    def small_counts(self) -> bool:
        """True when the question is undecidable for too few counts (not a failed method)."""
        return self.mean_count is not None


def caveat(collected: list[str], category: type[DesignWarning], message: str, **values: Any) -> None:
    """Record a design caveat on a result and emit it as a Python warning.

    The result stores a :class:`Caveat` of kind ``category.__name__`` with ``values`` (the
    numbers its message states, by name), so reports can word it without parsing the text.
    """
    collected.append(Caveat(category.__name__, message, values))
    warnings.warn(message, category, stacklevel=3)
