"""The registry of designs: each method id with what it needs and which inference it supports.

Like pyfixest's model registry, dispatch reads a declaration instead of inspecting signatures:
:mod:`lofteeval.evaluation` builds the keyword arguments from a :class:`DesignSpec` and calls
:meth:`DesignSpec.estimator`.  Adding a design means one module in this package and one entry in
:data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import DesignError
from ..inference.methods import COUNTERFACTUALS, DEFAULT_INFERENCE, MIN_RANK_POOL, inference_choices

__all__ = ["DesignSpec", "REGISTRY", "design_spec", "auto_candidates"]


@dataclass(frozen=True)
class DesignSpec:
    """What a design needs and offers.

    Attributes
    ----------
    method : str
        Method id (``_types.Method``), as in ``EffectResult.method``.
    function, module : str
        The estimator ``lofteeval.estimators.<module>.<function>``.
    pool : str or None
        Keyword taking the comparison units: ``"pool"`` for every pooled design (``controls=`` and
        ``donors=`` are accepted as older names); ``None``: the design has no comparison group.
    exposure : bool
        The design takes counts with a population (``exposure=``): a log offset in the count
        models (before/after, ITS, DiD), rates per 100 000 computed inside synthetic control,
        SDID and staggered DiD; evaluation passes counts and population for crime indicators.
    shares : bool
        Survey shares with respondents (``n=``) are modelled.
    cohorts : bool
        Treatment comes as a cohort column (staggered adoption) instead of treated/treatment_start.
    min_pool : int
        Comparison units below which ``method="auto"`` does not choose the design.
    label, label_sv : str
        Name in ``method="auto"``'s reasons (English, Swedish).
    auto : int or None
        Preference of ``method="auto"`` (lowest first among the eligible designs); None: only
        on request.  Eligibility: ``min_pool``, ``auto_min_pre`` pre years, one treated unit when
        ``auto_single_treated``, an indicator kind in ``auto_kinds`` (None: any).
    """

    method: str
    function: str
    module: str
    pool: str | None = None
    exposure: bool = False
    shares: bool = False
    cohorts: bool = False
    min_pool: int = 0
    label: str = ""
    auto: int | None = None
    auto_min_pre: int = 0
    auto_single_treated: bool = False
    auto_kinds: tuple[str, ...] | None = None
    label_sv: str = ""

    def auto_refusal(self, *, n_treated: int, kind: str, n_pool: int, n_pre: int) -> str | None:
        """Why ``method="auto"`` may not choose this design for such a design (None: it may)."""
        if self.auto is None:
            return "only on request"
        if self.auto_single_treated and n_treated > 1:
            return "several treated kommuner"
        if self.auto_kinds is not None and kind not in self.auto_kinds:
            return f"{kind} indicator"
        if n_pool < self.min_pool:
            return f"{n_pool} comparison kommuner (< {self.min_pool})"
        if n_pre < self.auto_min_pre:
            return f"{n_pre} pre years (< {self.auto_min_pre})"
        return None

    def auto_grounds(self, *, n_pool: int, n_pre: int) -> str:
        """What made ``method="auto"`` choose this design."""
        parts = ["one treated kommun"] if self.auto_single_treated else []
        parts += [f"{'/'.join(self.auto_kinds)} indicator"] if self.auto_kinds else []
        parts += [f"{n_pool} comparison kommuner (>= {self.min_pool})"] if self.pool else []
        parts += [f"{n_pre} pre years (>= {self.auto_min_pre})"] if self.auto_min_pre else []
        return ", ".join(parts) or "no comparison group needed"

    @property
    def inferences(self) -> tuple[str, ...]:
        """Names ``inference=`` accepts (ids of :data:`lofteeval.inference.methods.INFERENCE`)."""
        return inference_choices(self.method)

    @property
    def counterfactuals(self) -> tuple[str, ...]:
        """Counterfactual models ``counterfactual=`` accepts (designs without a comparison group)."""
        return tuple(COUNTERFACTUALS.get(self.method, {}))

    @property
    def default_inference(self) -> str:
        """The inference used when none is asked for."""
        return DEFAULT_INFERENCE[self.method]

    def estimator(self) -> Callable[..., Any]:
        """The estimator function (imported on first use)."""
        module = importlib.import_module(f"{__package__}.{self.module}")
        return getattr(module, self.function)  # type: ignore[no-any-return]

    def arguments(self, *, outcome: str, treated: Sequence[str], treatment_start: int,
                  pool: Sequence[str], level: float, exposure: str | None = None, n: str | None = None,
                  cohort: str = "cohort") -> dict[str, Any]:
        """Keyword arguments of :meth:`estimator` for a kommun panel (``kommun``, ``year``)."""
        kw: dict[str, Any] = {"unit": "kommun", "time": "year", "outcome": outcome, "level": level}
        if self.cohorts:
            kw["cohort"] = cohort
        else:
            kw.update(treated=list(treated), treatment_start=treatment_start)
        if self.pool is not None:
            kw[self.pool] = list(pool)
        if self.exposure:
            kw["exposure"] = exposure
        if self.shares and n is not None:
            kw["n"] = n
        return kw


REGISTRY: dict[str, DesignSpec] = {spec.method: spec for spec in (
    DesignSpec("before_after", "before_after", "before_after", exposure=True, shares=True,
               label="before/after in the treated kommun(er), no comparison group", auto=3,
               label_sv="före/efter i löfteskommunen, utan jämförelsegrupp"),
    DesignSpec("its", "its", "its", exposure=True, label="ITS", label_sv="avbruten tidsserie"),
    DesignSpec("did", "did", "did", pool="pool", exposure=True, min_pool=5, label="DiD", auto=2,
               label_sv="skillnad-i-skillnader"),
    DesignSpec("synth", "synthetic_control", "synth", pool="pool", exposure=True, min_pool=MIN_RANK_POOL,
               label="synthetic control", auto=1, auto_min_pre=5, auto_single_treated=True,
               auto_kinds=("crime",), label_sv="syntetisk kontroll"),
    DesignSpec("sdid", "synthetic_did", "sdid", pool="pool", exposure=True, min_pool=MIN_RANK_POOL, label="SDID",
               label_sv="syntetisk DiD"),
    DesignSpec("staggered", "staggered_did", "staggered", exposure=True, cohorts=True, label="staggered DiD",
               label_sv="DiD med förskjuten start"),
)}
"""Every design, by method id."""


def auto_candidates(*, n_treated: int, kind: str, n_pool: int, n_pre: int) -> tuple[list[DesignSpec], list[str]]:
    """The designs ``method="auto"`` may choose, in preference order, and why each other one may not
    (``"not <label>: <reason>"``, in preference order)."""
    eligible: list[DesignSpec] = []
    passed_over: list[str] = []
    for cand in sorted((s for s in REGISTRY.values() if s.auto is not None), key=lambda s: s.auto or 0):
        why_not = cand.auto_refusal(n_treated=n_treated, kind=kind, n_pool=n_pool, n_pre=n_pre)
        if why_not is None:
            eligible.append(cand)
        else:
            passed_over.append(f"not {cand.label}: {why_not}")
    return eligible, passed_over


def design_spec(method: str) -> DesignSpec:
    """The :class:`DesignSpec` of ``method``; a ``DesignError`` lists the designs otherwise."""
    try:
        return REGISTRY[method]
    except KeyError:
        raise DesignError(f"method must be one of {sorted(REGISTRY)} (got {method!r}).") from None
