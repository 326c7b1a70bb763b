"""Issue 11 D3 on feedback (README, Definitions): the health score used by the priority is at
most 30 days old, a customer without ARR ranks 0, and `customers_asking` counts customers with
an open request only."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from customers.models import Customer, HealthScore
from product.measures import product_usage
from product.models import FeatureUsage, Feedback
from product.selectors.feedback import feedback_summary
from product.services.feedback import priority_of
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db


def snapshot(customer: Customer, score: int, days_ago: int) -> None:
    HealthScore.objects.create(
        customer=customer,
        computed_at=timezone.now() - timedelta(days=days_ago),
        as_of=timezone.localdate() - timedelta(days=days_ago),
        score=score,
        grade="critical",
        components={},
        weights={},
        model_version=1,
    )


def test_priority_ignores_a_health_score_older_than_30_days_and_ranks_no_arr_at_0() -> None:
    stale, fresh = CustomerFactory.create_batch(2)
    snapshot(stale, 20, days_ago=30)  # as_of today - 30: outside (today - 30, today]
    snapshot(fresh, 20, days_ago=29)  # inside
    # stale: no ARR -> rank 0, factor 0.5; risk unknown 0.5 -> factor 0.75;
    # 100 x 1.0 x 0.5 x 0.75 = 37.5 -> 38 (half-up). (Using the stale 20: factor 0.9 -> 45.)
    score, factors = priority_of(stale, "blocker")
    assert score == 38
    assert (factors["arr_rank"], factors["health_score"], factors["risk_factor"]) == (0, None, 0.75)
    # fresh: risk (100 - 20) / 100 = 0.8, factor 0.9; 100 x 1.0 x 0.5 x 0.9 = 45
    score, factors = priority_of(fresh, "blocker")
    assert (score, factors["health_score"]) == (45, 20)


def test_customers_asking_counts_customers_with_an_open_request_only() -> None:
    a, b, c = CustomerFactory.create_batch(3)
    common: dict[str, Any] = {
        "type": "feature_request",
        "category": "sso",
        "priority": "high",
        "business_impact": "important",
        "description": "SAML",
        "priority_score": 50,
        "priority_factors": {},
        "status_changed_at": timezone.now(),
        "submitted_by": "test",
    }
    for n, (customer, status) in enumerate(
        [(a, "submitted"), (a, "committed"), (b, "delivered"), (c, "declined")]
    ):
        Feedback.objects.create(feedback_id=f"fb_{n}", customer=customer, status=status, **common)
    [row] = feedback_summary(Feedback.objects.all(), timezone.localdate())
    assert (row.count, row.open, row.customers_asking) == (4, 2, 1)  # only a asks (was 3)


def test_peak_daily_active_users_is_the_largest_single_feature_row() -> None:
    customer = CustomerFactory.create(licensed_seats=100)
    day = date(2026, 6, 20)
    for feature, users in ((FeatureFactory.create(), 30), (FeatureFactory.create(), 20)):
        FeatureUsage.objects.create(
            customer=customer, feature=feature, date=day, events=10, active_users=users
        )
    inputs = product_usage([customer.pk], date(2026, 6, 30))[customer.pk].inputs
    # 30, not 30 + 20: a user of both features would be counted twice by a sum.
    assert inputs["peak_daily_active_users_30d"] == 30
    assert inputs["seat_utilisation"] == 0.3
