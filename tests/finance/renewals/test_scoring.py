"""Scoring (finance/renewals/scoring.py): the active version's log-odds, term by term, and the
probability, checked against a hand computation with the seeded prior's numbers."""

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, HealthScore
from finance.models import RenewalModelVersion
from finance.renewals.scoring import renewal_probabilities, sigmoid
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 30)


def test_prior_probability_by_hand() -> None:
    customer = CustomerFactory.create(segment="enterprise", licensed_seats=0)
    HealthScore.objects.create(
        customer=customer,
        computed_at=datetime(2026, 6, 1, tzinfo=UTC),
        as_of=date(2026, 6, 1),
        score=85,
        grade="healthy",
        model_version=1,
    )
    ContractFactory.create(
        customer=customer, contract_id="ctr_old", status="renewed", end_date=DAY - timedelta(days=1)
    )
    ContractFactory.create(
        customer=customer, contract_id="ctr_late", end_date=DAY + timedelta(days=200)
    )
    ContractFactory.create(
        customer=customer, contract_id="ctr_next", end_date=DAY + timedelta(days=30)
    )

    found = renewal_probabilities([customer.pk], DAY)[customer.pk]

    # Prior (migration 0007): intercept 1.5; health 0.9 x (85 - 70) / 15 = 0.9; payment level 0
    # -> -0.5 x (0 - 0.5) / 1 = 0.25; no escalations -> -0.4 x (0 - 0.2) / 0.5 = 0.16;
    # no sponsor -> 0.3 x (0 - 0.5) / 0.5 = -0.3; days 30 -> 0; enterprise +0.2; the rest have
    # no data (imputed: 0) or coefficient 0.
    log_odds = 1.5 + 0.9 + 0.25 + 0.16 - 0.3 + 0.2
    assert found.contract_id == "ctr_next"
    assert found.model_version == 1
    assert found.model_kind == "prior"
    assert found.log_odds == pytest.approx(log_odds)
    assert found.probability == pytest.approx(1 / (1 + math.exp(-log_odds)), abs=5e-5)
    terms = {t.feature: t for t in found.terms}
    assert terms["health_score"].value == 85
    assert terms["health_score"].contribution == pytest.approx(0.9)
    assert terms["executive_sponsor"].contribution == pytest.approx(-0.3)
    assert terms["seat_utilisation"].value is None
    assert terms["seat_utilisation"].contribution == 0
    assert terms["days_to_end"].value == 30
    assert sum(t.contribution for t in found.terms) + found.intercept == pytest.approx(log_odds)


def test_the_active_version_scores_and_customers_without_a_contract_are_left_out() -> None:
    customer, bare = CustomerFactory.create_batch(2)
    ContractFactory.create(customer=customer, end_date=DAY + timedelta(days=10))
    RenewalModelVersion.objects.update(is_active=False)
    RenewalModelVersion.objects.create(
        version=2,
        kind="fitted",
        is_active=True,
        intercept=-1.0,
        terms=[{"feature": "days_to_end", "coefficient": 2.0, "mean": 0.0, "scale": 10.0}],
    )
    found = renewal_probabilities([customer.pk, bare.pk], DAY)
    assert list(found) == [customer.pk]
    assert found[customer.pk].model_version == 2
    assert found[customer.pk].log_odds == pytest.approx(-1.0 + 2.0 * 10 / 10)


def test_no_active_version_scores_nothing() -> None:
    customer = CustomerFactory.create()
    ContractFactory.create(customer=customer, end_date=DAY + timedelta(days=10))
    RenewalModelVersion.objects.update(is_active=False)
    assert renewal_probabilities([customer.pk], DAY) == {}


def test_sigmoid_never_overflows() -> None:
    assert sigmoid(1000) == 1.0
    assert sigmoid(-1000) == 0.0
    assert sigmoid(0) == 0.5


@pytest.mark.parametrize("n", [3, 30])
def test_a_fixed_number_of_queries(n: int) -> None:
    FeatureFactory.create()  # with no key feature the adoption read skips its usage query
    for customer in CustomerFactory.create_batch(n):
        ContractFactory.create(customer=customer, end_date=DAY + timedelta(days=20))
    pks = list(Customer.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        found = renewal_probabilities(pks, DAY)
    assert len(found) == n
    assert len(ctx.captured_queries) == 10


def test_segments_and_payments_the_caller_read_score_as_the_reads_would() -> None:
    """The value read-out passes the customer's segment and its payment status (from the
    facts it read): the same probability and terms, two statements fewer. A status given
    for another day is not used for this one."""
    from finance.measures import payment_facts
    from finance.renewals.features import PaymentsOn
    from tests.finance.factories import InvoiceFactory

    FeatureFactory.create()
    customer = CustomerFactory.create(segment="mid_market")
    ContractFactory.create(customer=customer, end_date=DAY + timedelta(days=45))
    # Due 20 days before DAY, unpaid: overdue 16-30 (level 2), the payment term moves.
    InvoiceFactory.create(
        customer=customer, issued_on=DAY - timedelta(days=50), due_on=DAY - timedelta(days=20)
    )
    pks = [customer.pk]
    with CaptureQueriesContext(connection) as read:
        plain = renewal_probabilities(pks, DAY)[customer.pk]
    statuses = {pk: f.payment_status for pk, f in payment_facts(pks, DAY).items()}
    assert statuses == {customer.pk: "overdue_16_30"}
    with CaptureQueriesContext(connection) as given:
        known = renewal_probabilities(
            pks, DAY, segments={customer.pk: "mid_market"}, payments=PaymentsOn(DAY, statuses)
        )[customer.pk]
    assert len(given) == len(read) - 2
    assert known == plain
    assert {t.feature: t.value for t in known.terms}["payment_overdue_level"] == 2
    # Statuses of another day: read for this one (a "current" claim does not stick).
    other = PaymentsOn(DAY - timedelta(days=1), {customer.pk: "current"})
    assert renewal_probabilities(pks, DAY, payments=other)[customer.pk] == plain
