"""Expansion readiness (README, "Sales: expansion readiness"): every factor and the score
computed by hand, the no-data reasons, and a fixed number of queries whatever the count."""

from datetime import date, timedelta
from typing import Any

import pytest

from product.models import Feature
from sales.selectors.expansion import readiness
from sales.services.expansion import active_expansion_model
from tests.customers.factories import CustomerFactory, StakeholderFactory
from tests.finance.factories import InvoiceFactory, OpportunityFactory
from tests.product.factories import FeatureFactory
from tests.sales.support import AS_OF, expansion_request, health, milestone, ready_customer, use

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_features() -> list[Feature]:
    return FeatureFactory.create_batch(4, is_key=True)


def test_factors_and_score_by_hand(key_features: list[Feature]) -> None:
    customer = ready_customer(key_features)
    model = active_expansion_model()
    r = readiness(model, [customer.pk], AS_OF)[customer.pk]
    got = {f.name: (f.value, f.weight, f.as_dict()["contribution"], f.holds) for f in r.factors}
    # adoption 3/4 = 0.75 (>= 0.6 holds): 0.25 × 0.75 × 100 = 18.75
    # health 80 -> 0.8 (>= 75 holds): 16; seats 90/100 = 0.9 >= 0.85 -> 1.0: 15
    # milestones 1 in 90 days (the one 100 days ago is out) -> 1/2 = 0.5: 5
    # sponsor 1: 10; expansion request 30 days ago: 10; 10 days overdue -> 0.5: 5 (not current)
    assert got == {
        "adoption_breadth": (0.75, 0.25, 18.75, True),
        "health_score": (0.8, 0.2, 16.0, True),
        "seat_utilisation": (1.0, 0.15, 15.0, True),
        "recent_milestones": (0.5, 0.1, 5.0, True),
        "executive_sponsor": (1.0, 0.1, 10.0, True),
        "expansion_requested": (1.0, 0.1, 10.0, True),
        "payment_status": (0.5, 0.1, 5.0, False),
    }
    assert r.score == 80  # 79.75 half-up
    assert r.ready  # >= 70
    assert r.readiness_factors == [
        "high_product_adoption",
        "strong_health_score",
        "seat_limit_approaching",
        "recent_success_milestones",
        "executive_sponsor_engaged",
        "expansion_requested",
    ]
    adoption = r.factor("adoption_breadth").as_dict()
    assert adoption["inputs"]["key_features"] == 4
    assert adoption["contribution"] == 18.75
    seats = r.factor("seat_utilisation").as_dict()
    assert seats["inputs"]["utilisation"] == 0.9
    assert r.factor("payment_status").inputs == {
        "payment_status": "overdue_1_15",
        "max_days_overdue": 10,
    }


def test_no_data_is_null_with_a_reason_and_contributes_nothing(key_features: list[Feature]) -> None:
    customer = CustomerFactory.create(licensed_seats=0)
    r = readiness(active_expansion_model(), [customer.pk], AS_OF)[customer.pk]
    reasons = {f.name: f.reason for f in r.factors if f.value is None}
    assert reasons == {
        "health_score": "no health snapshot",
        "seat_utilisation": "no licensed seats",
        "payment_status": "no invoices",
    }
    assert r.score == 0
    assert r.readiness_factors == []
    assert not r.ready


def test_partial_values_and_boundaries(key_features: list[Feature]) -> None:
    customer = CustomerFactory.create(licensed_seats=200)
    use(customer, key_features[0], 4, users=85)  # adoption 1/4 = 0.25; seats 85/200 = 0.425
    health(customer, 74, "at_risk")  # below 75: does not hold
    milestone(customer, AS_OF - timedelta(days=89))  # day 90 of the window: counts
    milestone(customer, AS_OF - timedelta(days=90))  # one day too old
    milestone(customer, None, status="planned")
    expansion_request(customer, AS_OF - timedelta(days=20), status="declined")  # no ask
    InvoiceFactory.create(
        customer=customer, issued_on=date(2026, 4, 1), due_on=date(2026, 5, 1)
    )  # 60 days overdue: 0
    r = readiness(active_expansion_model(), [customer.pk], AS_OF)[customer.pk]
    got = {f.name: (f.value, f.holds) for f in r.factors}
    assert got == {
        "adoption_breadth": (0.25, False),
        "health_score": (0.74, False),
        "seat_utilisation": (0.5, False),  # 0.425 / 0.85
        "recent_milestones": (0.5, True),
        "executive_sponsor": (0.0, False),
        "expansion_requested": (0.0, False),
        "payment_status": (0.0, False),
    }
    # 0.25×0.25×100 + 0.2×74 + 0.15×0.5×100 + 0.1×0.5×100 = 6.25 + 14.8 + 7.5 + 5 = 33.55
    assert r.score == 34
    assert r.readiness_factors == ["recent_success_milestones"]


def test_a_customer_sourced_opportunity_is_a_request(key_features: list[Feature]) -> None:
    open_one, won_recently, won_long_ago, sales_sourced = CustomerFactory.create_batch(4)
    OpportunityFactory.create(customer=open_one, source="customer")
    OpportunityFactory.create(
        customer=won_recently,
        source="customer",
        status="won",
        closed_value=1000,
        closed_on=AS_OF - timedelta(days=179),
    )
    OpportunityFactory.create(
        customer=won_long_ago,
        source="customer",
        status="won",
        closed_value=1000,
        closed_on=AS_OF - timedelta(days=180),
    )
    OpportunityFactory.create(customer=sales_sourced, source="sales")
    pks = [open_one.pk, won_recently.pk, won_long_ago.pk, sales_sourced.pk]
    found = readiness(active_expansion_model(), pks, AS_OF)
    asked = [found[pk].factor("expansion_requested").holds for pk in pks]
    assert asked == [True, True, False, False]


def test_sponsor_and_weights_follow_the_active_model(key_features: list[Feature]) -> None:
    from sales.services.expansion import expansion_model_save

    customer = CustomerFactory.create()
    StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    weights = dict.fromkeys(
        [
            "adoption_breadth",
            "health_score",
            "seat_utilisation",
            "recent_milestones",
            "expansion_requested",
            "payment_status",
        ],
        0.1,
    )
    model = expansion_model_save(
        data={"weights": {**weights, "executive_sponsor": 0.4}, "active": True}
    )
    r = readiness(model, [customer.pk], AS_OF)[customer.pk]
    assert r.score == 40
    assert r.model_version == model.version == 1  # the first model saved
    assert active_expansion_model().pk == model.pk


@pytest.mark.parametrize("size", [3, 30])
def test_fixed_number_of_queries_whatever_the_count(
    size: int, key_features: list[Feature], django_assert_num_queries: Any
) -> None:
    customers = CustomerFactory.create_batch(size)
    for customer in customers:
        use(customer, key_features[0], 5)
        health(customer, 80)
        milestone(customer, AS_OF)
        StakeholderFactory.create(customer=customer, is_executive_sponsor=True)
    model = active_expansion_model()
    with django_assert_num_queries(9):
        found = readiness(model, [c.pk for c in customers], AS_OF)
    assert len(found) == size
