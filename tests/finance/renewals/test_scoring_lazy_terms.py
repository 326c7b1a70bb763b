"""Scoring publishes its probability from `log_odds_of` and builds the terms only when asked
(finance/renewals/scoring.py): the probability, the log-odds and the terms must be exactly what
`explain` computes from the same feature row, bit for bit."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.renewals.features import FEATURES, Observation, feature_rows
from finance.renewals.scoring import (
    ModelSpec,
    TermSpec,
    active_model,
    explain,
    log_odds_of,
    renewal_probabilities,
)
from integrations.rounding import round_half_up
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

DAY = date(2026, 6, 30)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
coefficients = st.floats(min_value=-50, max_value=50, allow_nan=False)
scales = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)


@st.composite
def specs_and_rows(draw: st.DrawFn) -> tuple[ModelSpec, dict[str, float | None]]:
    terms = tuple(
        TermSpec(feature, draw(coefficients), draw(finite), draw(scales)) for feature in FEATURES
    )
    spec = ModelSpec(3, "fitted", draw(st.floats(min_value=-50, max_value=50)), terms)
    row = {feature: draw(st.none() | finite) for feature in FEATURES}
    return spec, row


@settings(max_examples=300, deadline=None)
@given(specs_and_rows())
def test_log_odds_of_is_explains_log_odds_bit_for_bit(
    case: tuple[ModelSpec, dict[str, float | None]],
) -> None:
    spec, row = case
    explained = explain(spec, row)
    assert log_odds_of(spec, row).hex() == explained.log_odds.hex()


@pytest.mark.django_db
def test_terms_on_demand_are_the_explained_terms_of_the_row_scored() -> None:
    customers = CustomerFactory.create_batch(3, licensed_seats=0)
    for i, customer in enumerate(customers):
        ContractFactory.create(customer=customer, end_date=DAY + timedelta(days=10 + 20 * i))
    found = renewal_probabilities([c.pk for c in customers], DAY)
    spec = active_model()
    assert spec is not None
    for i, customer in enumerate(customers):
        scored = found[customer.pk]
        row = feature_rows([Observation(0, customer.pk, DAY, scored.end_date)])[0]
        explained = explain(spec, row)
        assert scored.features == row
        assert scored.terms == explained.terms
        assert scored.log_odds == round_half_up(explained.log_odds, 4) + 0.0
        assert scored.probability == round_half_up(explained.probability, 4)
        # days_to_end is the only feature that differs between them here: 10, 30, 50 days.
        days = next(t for t in scored.terms if t.feature == "days_to_end")
        assert days.value == 10 + 20 * i
