"""The one table of inference ids: what each is called, in English and Swedish, and where it applies.

Like statsmodels' ``cov_type`` table (``base/covtype.py``) and linearmodels' covariance registry,
every name a user may pass as ``inference=`` is normalised here, and every result names the
inference that produced its interval and p-value by an id from :data:`INFERENCE`
(``EffectResult.inference_id``, with the numbers its description needs in
``EffectResult.inference_values``).  Reports take their wording from this table, never from the
free-text ``EffectResult.inference``.

Older names that designs accepted keep working as aliases (``"studentised"`` and ``"permutation"``
are ``"placebo_rank"``; ``"rmspe_ratio"`` is ``"placebo_rank_rmspe"``; ``"stationary"`` is
``"prediction"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import DataError

__all__ = ["InferenceMethod", "INFERENCE", "ALIASES", "DEFAULT_INFERENCE", "MIN_RANK_POOL", "COUNTERFACTUALS",
           "resolve_inference", "resolve_counterfactual", "inference_choices", "describe_inference"]

MIN_RANK_POOL = 20
"""Comparison units a placebo rank test needs: with J of them the smallest p-value is 1/(J+1), so
p < 0.05 needs J >= 20 (the design's pool and ``method="auto"`` use this one number)."""


@dataclass(frozen=True)
class InferenceMethod:
    """One way of obtaining an interval and a p-value.

    Attributes
    ----------
    id : str
        The id results carry.
    label_en, label_sv : str
        Descriptions; ``{name}`` fields are filled from ``EffectResult.inference_values``.
    applies_to : tuple of str
        Designs (``_types.Method``) that can produce it.
    selectable : bool
        Whether ``inference=`` may ask for it (False for ids a design chooses by itself).
    """

    id: str
    label_en: str
    label_sv: str
    applies_to: tuple[str, ...]
    selectable: bool = True
    fields: tuple[str, ...] = field(default=())


_ROWS = (
    InferenceMethod(
        "placebo_rank", "studentised placebo-in-space rank test inversion ({n} placebos)",
        "placebotest: samma skattning för {n} placebotilldelningar bland jämförelsekommunerna, "
        "studentiserad rangordning; intervallet är de effekter testet inte förkastar", ("synth", "sdid", "did"), fields=("n",)),
    InferenceMethod(
        "placebo_rank_raw", "placebo-in-space rank test inversion of the effects ({n} placebo assignments)",
        "permutationstest: rangordning bland {n} placebotilldelningar", ("did",), selectable=False,
        fields=("n",)),
    InferenceMethod(
        "placebo_rank_rmspe", "placebo-in-space rank test inversion (RMSPE ratio)",
        "placebotest: samma skattning för varje jämförelsekommun, rangordning efter RMSPE-kvoten; "
        "intervallet är de effekter testet inte förkastar", ("synth",)),
    InferenceMethod(
        "conformal", "conformal test inversion (Chernozhukov, Wüthrich & Zhu 2021), {n} moving-block "
        "shifts of the residuals over time",
        "konform inferens (Chernozhukov, Wüthrich & Zhu 2021): den prövade effekten dras av, den "
        "syntetiska kontrollen skattas om på alla år och residualerna förskjuts cykliskt över de {n} "
        "åren; intervallet är de konstanta effekter testet inte förkastar", ("synth",), fields=("n",)),
    InferenceMethod(
        "conformal_iid", "conformal test inversion (Chernozhukov, Wüthrich & Zhu 2021), {n} random "
        "permutations of the residuals over time",
        "konform inferens (Chernozhukov, Wüthrich & Zhu 2021): den prövade effekten dras av, den "
        "syntetiska kontrollen skattas om på alla år och residualerna blandas om mellan åren {n} "
        "gånger (förutsätter att felen inte hänger ihop mellan åren); intervallet är de konstanta "
        "effekter testet inte förkastar", ("synth",), fields=("n",)),
    InferenceMethod(
        "placebo_se", "placebo standard error, normal interval",
        "placebostandardfel (Arkhangelsky m.fl. 2021), normalfördelat intervall", ("sdid",)),
    InferenceMethod(
        "cluster", "cluster-robust by unit, t({df})", "klusterrobusta standardfel per kommun, t({df})",
        ("did",), fields=("df",)),
    InferenceMethod(
        "posterior_predictive", "structural forecast: local level model of the pre-period years",
        "prognos från en tillståndsmodell (slumpvandrande nivå) anpassad till åren före löftet; "
        "osäkerheten växer med avståndet från starten", ("before_after", "its")),
    InferenceMethod(
        "posterior_predictive_drift", "structural forecast: local level model with drift of the pre-period years",
        "prognos från en tillståndsmodell med slumpvandrande nivå och trend, anpassad till åren före "
        "löftet; osäkerheten växer med avståndet från starten", ("its",), selectable=False),
    InferenceMethod(
        "prediction", "prediction interval: post level as a new draw from the pre-period process",
        "prediktionsintervall: nivån under löftet jämförs med variationen mellan åren före",
        ("before_after", "its")),
    InferenceMethod(
        "prediction_segmented", "prediction interval: post level as a new draw from the segmented model",
        "prediktionsintervall från den förlängda trenden före löftet (HAC-standardfel)", ("its",),
        selectable=False),
    InferenceMethod(
        "binomial_exact", "exact conditional binomial test, Clopper-Pearson",
        "exakt villkorat binomialtest (Clopper–Pearson)", ("before_after",), selectable=False),
    InferenceMethod(
        "proportions", "difference of proportions, binomial SE x dispersion {phi:.2f}",
        "skillnad mellan andelar, binomialt standardfel justerat för överspridning", ("before_after",),
        selectable=False, fields=("phi",)),
    InferenceMethod(
        "bootstrap", "multiplier bootstrap (Mammen), B={n_boot}",
        "multiplikator-bootstrap (Mammen), {n_boot} dragningar", ("staggered",), fields=("n_boot",)),
    InferenceMethod(
        "analytic", "analytic (influence function)", "analytiska standardfel (influensfunktion)",
        ("staggered",)),
    InferenceMethod(
        "placebo_cohort", "studentised placebo-cohort rank test inversion ({n} placebo assignments over "
        "{pool} never-treated units)",
        "placebotest: kohorternas storlek och startår ges åt {n} slumpvisa uppsättningar kommuner "
        "utan löfte bland {pool}, studentiserad rangordning; intervallet är de effekter testet inte "
        "förkastar", ("staggered",), fields=("n", "pool")),
)
INFERENCE: dict[str, InferenceMethod] = {row.id: row for row in _ROWS}
"""Every inference id, with its descriptions and the designs it applies to."""

ALIASES: dict[str, dict[str, str]] = {
    "synth": {"studentised": "placebo_rank", "rmspe_ratio": "placebo_rank_rmspe"},
    "did": {"permutation": "placebo_rank"},
    "before_after": {"stationary": "prediction", "structural": "posterior_predictive"},
    "its": {"stationary": "prediction", "structural": "posterior_predictive"},
    "staggered": {"placebo": "placebo_cohort"},
}
"""Older per-design names, kept working: ``{design: {old name: id}}``."""

DEFAULT_INFERENCE: dict[str, str] = {
    "before_after": "posterior_predictive", "its": "posterior_predictive", "did": "placebo_rank",
    "synth": "placebo_rank", "sdid": "placebo_rank", "staggered": "placebo_cohort",
}
"""What each design uses when ``inference=`` is not given."""


def inference_choices(method: str) -> tuple[str, ...]:
    """The names ``inference=`` accepts for design ``method`` (ids first, then older aliases)."""
    ids = [row.id for row in _ROWS if method in row.applies_to and row.selectable]
    return (*dict.fromkeys(ids), *ALIASES.get(method, {}))


COUNTERFACTUALS: dict[str, dict[str, str]] = {
    "before_after": {"structural": "posterior_predictive", "mean": "prediction"},
    "its": {"structural": "posterior_predictive", "trend": "prediction"},
}
"""Counterfactual models of the designs without a comparison group, each with the one inference
that goes with it: the structural (local level) forecast changes the point estimate as well as the
interval, so it is a model of what would have happened, not an inference option."""


def resolve_counterfactual(method: str, counterfactual: str | None, inference: str | None) -> tuple[str, str]:
    """``(counterfactual, inference id)`` of a before/after or ITS call.

    ``inference=`` alone keeps its older meaning (``"structural"`` = the structural counterfactual,
    ``"stationary"``/``"prediction"`` = the plain one); a contradicting pair raises ``DataError``.
    """
    table = COUNTERFACTUALS[method]
    asked = None if inference is None else resolve_inference(method, inference)
    if counterfactual is None:
        counterfactual = next((c for c, i in table.items() if i == asked), next(iter(table)))
    if counterfactual not in table:
        raise DataError(f"'counterfactual' must be one of {tuple(table)} for {method!r} (got {counterfactual!r}).")
    if asked is not None and asked != table[counterfactual]:
        raise DataError(f"counterfactual={counterfactual!r} comes with inference={table[counterfactual]!r} "
                        f"(got inference={inference!r}); pass one of them.")
    return counterfactual, table[counterfactual]


def resolve_inference(method: str, name: str) -> str:
    """The inference id ``name`` stands for in design ``method``.

    Raises
    ------
    DataError
        ``name`` is not an inference ``method`` supports; the message lists those it does.
    """
    allowed = inference_choices(method)
    if name not in allowed:
        raise DataError(f"'inference' must be one of {allowed} for {method!r} (got {name!r}); see "
                        "lofteeval.inference.methods.INFERENCE for what each means.")
    return ALIASES.get(method, {}).get(name, name)


def describe_inference(inference_id: str, *, lang: str = "sv", values: Mapping[str, Any] | None = None,
                       fallback: str = "") -> str:
    """The description of ``inference_id`` in ``lang`` with ``values`` filled in.

    An unknown id (a hand-made result) gives ``fallback`` (or ``"–"``).
    """
    row = INFERENCE.get(inference_id)
    if row is None:
        return fallback or "–"
    text = row.label_sv if lang == "sv" else row.label_en
    try:
        return text.format(**dict(values or {}))
    except (KeyError, ValueError, IndexError):
        return text.split(" ({")[0].split(", t({")[0].split(", B={")[0]
