"""A zero contribution is published as 0.0, never -0.0 (a zero coefficient on a value below
its mean: days_to_end in every fitted version)."""

import json
import math
from datetime import date

import pytest

from finance.renewals.features import FEATURES
from finance.renewals.scoring import ModelSpec, TermSpec, explain, renewal_probabilities
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_a_zero_contribution_is_positive_zero() -> None:
    spec = ModelSpec(9, "fitted", 0.0, (TermSpec("days_to_end", 0.0, 90.0, 1.0),))
    term = explain(spec, {"days_to_end": 24.0}).terms[0]
    assert math.copysign(1.0, term.contribution) == 1.0
    assert json.dumps(term.contribution) == "0.0"


def test_published_terms_and_log_odds_carry_no_negative_zero() -> None:
    customer = CustomerFactory.create(segment="mid_market")
    ContractFactory.create(customer=customer, end_date=date(2026, 6, 25))
    scored = renewal_probabilities([customer.pk], date(2026, 6, 1))[customer.pk]
    assert [t.feature for t in scored.terms] == list(FEATURES)
    for value in [scored.log_odds, *(t.contribution for t in scored.terms)]:
        assert value != 0 or math.copysign(1.0, value) == 1.0
    # The prior's days_to_end has coefficient 0 and mean 90; 24 days is below the mean.
    days = next(t for t in scored.terms if t.feature == "days_to_end")
    assert (days.value, json.dumps(days.contribution)) == (24.0, "0.0")
