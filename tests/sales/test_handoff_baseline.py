"""The baseline taken at handoff, checked against numbers worked out by hand, and the handoff
race on PostgreSQL (two threads: one 201, one 409 naming it)."""

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, HealthScore
from product.models import FeatureUsage
from sales.models import Handoff
from sales.services import handoff as services
from tests.concurrency.test_concurrent_writes import race, statuses
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.product.factories import FeatureFactory

from .helpers import URL, spec_request

DAY = date(2026, 3, 2)  # the handoff day (the baseline's as_of)


def _usage(customer: Customer, feature: Any, day: date, events: int, users: int) -> None:
    FeatureUsage.objects.create(
        customer=customer, feature=feature, date=day, events=events, active_users=users
    )


def _health(customer: Customer, day: date, score: int, grade: str, hour: int) -> None:
    HealthScore.objects.create(
        customer=customer,
        computed_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        as_of=day,
        score=score,
        grade=grade,
        model_version=1,
    )


@pytest.mark.django_db
def test_the_baseline_values(api: APIClient) -> None:
    TeamMemberFactory.create(email="sarah.smith@company.com")
    customer = CustomerFactory.create(customer_id="cust_12345", licensed_seats=100)
    f1, f2, f3 = (FeatureFactory.create(feature_id=f"feat_{n}") for n in (1, 2, 3))
    FeatureFactory.create(feature_id="feat_minor", is_key=False)
    # feat_1: 5 active days in the 30 up to DAY (adopted: threshold 4); peak 40 users.
    for n, (events, users) in enumerate([(10, 5), (20, 40), (30, 8), (5, 2), (5, 1)]):
        _usage(customer, f1, DAY - timedelta(days=n), events, users)
    # feat_2: 4 days, the first of them 29 days back (inside (DAY - 30, DAY]): adopted.
    for n in (0, 10, 20, 29):
        _usage(customer, f2, DAY - timedelta(days=n), 3, 2)
    # feat_3: 3 days only: not adopted. And a day 30 back, outside the window (ignored).
    for n in (1, 2, 3):
        _usage(customer, f3, DAY - timedelta(days=n), 1, 1)
    _usage(customer, f3, DAY - timedelta(days=30), 1000, 99)
    # Health: the latest snapshot scored for a day on or before DAY; a later day is not seen.
    _health(customer, DAY - timedelta(days=7), 80, "healthy", 1)
    _health(customer, DAY - timedelta(days=1), 62, "at_risk", 2)
    _health(customer, DAY + timedelta(days=1), 90, "healthy", 3)

    request = services.handoff_request(
        {
            **spec_request(
                handoff_data__success_criteria=[
                    "adoption_target",
                    "seat_utilization_target",
                    "health_target",
                ]
            ),
            "success_initiation": {
                "onboarding_start": DAY,
                "first_check_in": DAY + timedelta(days=7),
                "success_manager": "sarah.smith@company.com",
            },
        }
    )
    services.handoff_complete(request=request, as_of=DAY)
    body = api.get(URL.format("cust_12345")).json()
    baseline = body["baseline"]
    # events: feat_1 10+20+30+5+5 = 70, feat_2 4 x 3 = 12, feat_3 3 x 1 = 3 -> 85.
    assert baseline["usage_events_30d"] == 85
    assert baseline["peak_active_users_30d"] == 40
    # Distinct days with activity: DAY-0..DAY-4 (feat_1) and DAY-10, -20, -29 (feat_2).
    assert baseline["active_days_30d"] == 8
    assert baseline["seat_utilisation"] == 0.4  # 40 / 100
    assert baseline["key_features_adopted"] == ["feat_1", "feat_2"]
    assert baseline["key_features_total"] == 3
    assert baseline["key_feature_adoption_rate"] == pytest.approx(2 / 3)
    assert (baseline["health_score"], baseline["health_grade"]) == (62, "at_risk")
    assert baseline["health_as_of"] == (DAY - timedelta(days=1)).isoformat()
    assert baseline["health_reason"] is None
    assert baseline["as_of"] == DAY.isoformat()
    adoption, seats, health = body["success_plan"]["objectives"]
    assert adoption["baseline"] == pytest.approx(2 / 3)
    assert (seats["baseline"], seats["target"]) == (0.4, 0.85)
    assert (health["baseline"], health["target"]) == (62, 75)
    # Today (long after DAY) none of that usage is in the 30-day window; the latest health is
    # the snapshot for DAY + 1 (90): the change since handoff, current - baseline.
    since = body["since_handoff"]
    assert since["current"]["usage_events_30d"] == 0
    assert since["current"]["health_score"] == 90
    assert since["change"] == {
        "usage_events_30d": -85,
        "peak_active_users_30d": -40,
        "seat_utilisation": -0.4,
        "key_feature_adoption_rate": -0.6667,
        "health_score": 90 - 62,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_handoffs_of_one_customer_answer_201_and_409(make_client: MakeClient) -> None:
    TeamMemberFactory.create(email="sarah.smith@company.com")
    for n, existing in enumerate([False, True, False, True]):
        key = f"cust_race_{n}"
        if existing:
            CustomerFactory.create(customer_id=key)
        clients = [make_client("sales:write"), make_client("sales:write")]
        body = spec_request(customer_id=key)
        responses = race(*(partial(c.post, URL.format(key), body, format="json") for c in clients))
        assert statuses(responses) == [201, 409], [r.content for r in responses]
        handoff = Handoff.objects.get(customer__customer_id=key)
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["handoff_id"] == handoff.handoff_id
        assert Customer.objects.filter(customer_id=key).count() == 1
        assert handoff.customer.contracts.count() == 1
        assert handoff.customer.success_plans.count() == 1
