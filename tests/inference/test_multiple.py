"""Multiplicity adjustment matches statsmodels and leaves NaN alone."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from lofteeval.inference.multiple import adjust_pvalues, adjust_results
from lofteeval.results import EffectResult

P = np.array([0.001, 0.04, 0.03, 0.2, 0.5, 0.011])


@pytest.mark.parametrize(("ours", "theirs"), [("bh", "fdr_bh"), ("holm", "holm")])
def test_matches_statsmodels(ours: str, theirs: str) -> None:
    np.testing.assert_allclose(adjust_pvalues(P, method=ours), multipletests(P, method=theirs)[1], rtol=1e-12)


def test_nan_is_kept_and_not_counted() -> None:
    out = adjust_pvalues(np.r_[P, np.nan])
    assert np.isnan(out[-1])
    np.testing.assert_allclose(out[:-1], multipletests(P, method="fdr_bh")[1])


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([0.2, 1.5])
    with pytest.raises(ValueError, match="'bh' or 'holm'"):
        adjust_pvalues(P, method="bonferroni")  # type: ignore[arg-type]


def test_adjust_results_sets_p_adjusted_on_copies() -> None:
    res = [EffectResult(method="did", estimate=0.1, ci_low=0, ci_high=0.2, p_value=p) for p in P]
    out = adjust_results(res, method="holm")
    assert [r.p_adjusted for r in res] == [None] * len(P)
    np.testing.assert_allclose([r.p_adjusted for r in out], multipletests(P, method="holm")[1])
