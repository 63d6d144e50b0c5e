"""Why an indicator could not be estimated, worded for the report's reader (no error class, no code)."""

from __future__ import annotations

import pytest

from lofteeval.errors import Refusal
from lofteeval.estimators._warnings import refuse_small_counts
from lofteeval.reports.per_kommun import per_kommun_rows
from lofteeval.reports.text import failure_reason
from lofteeval.indicators import indicator

SMALL = Refusal("SmallCountsError", "the treated kommun(er) have on average 2.4 counts a year before the start",
                mean_count=2.4)


def test_the_small_count_rule_is_worded_in_swedish_and_english():
    assert failure_reason(SMALL, "sv") == "för få anmälda brott per år före löftet – i snitt 2,4, minst 10 behövs"
    assert failure_reason(SMALL, "en") == ("too few reported offences a year before the promise – on average 2.4, "
                                           "at least 10 needed")


def test_an_unknown_refusal_has_no_error_class_and_no_english_in_swedish():
    why = "DesignError: 3 donors after exclusions, fewer than the 20 a placebo test needs"
    assert failure_reason(why, "sv") == "metoden kunde inte tillämpas på uppgifterna"
    assert failure_reason(why, "en") == "3 donors after exclusions, fewer than the 20 a placebo test needs"


@pytest.mark.parametrize("why", ["saknas i panelen", "not in the panel"])
def test_a_reason_already_in_the_readers_language_is_kept(why):
    assert failure_reason(why, "sv") == why


def test_a_kommun_that_could_not_be_computed_says_why():
    rows = per_kommun_rows([("1421", SMALL)], indicator("reported_robbery"), lang="sv")
    assert rows[0]["verdict"] == "Kan inte avgöras: för få anmälda brott per år före löftet – i snitt 2,4, minst 10 behövs"
    other = per_kommun_rows([("1421", "DesignError: 3 donors left")], indicator("reported_robbery"), lang="sv")
    assert other[0]["verdict"] == "Kunde inte beräknas: metoden kunde inte tillämpas på uppgifterna"
    assert "Error" not in rows[0]["verdict"]


def test_the_real_refusal_is_recognised_by_its_class_not_its_wording():
    # the evaluation keeps Refusal.of(exc); the report reads its mean_count, never the message
    from lofteeval.errors import DesignError

    with pytest.raises(DesignError) as err:
        refuse_small_counts(2.4, "the Poisson DiD")
    assert failure_reason(Refusal.of(err.value), "sv") == ("för få anmälda brott per år före löftet – i snitt 2,4, "
                                                           "minst 10 behövs")
    # the same words from another error (or as a plain string) are not the rule's refusal
    look_alike = "DesignError: the treated kommun(er) have on average 2.4 counts a year before the start"
    assert failure_reason(look_alike, "sv") == "metoden kunde inte tillämpas på uppgifterna"
