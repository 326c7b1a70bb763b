"""One definition of "the health ~30 days ago": the trend the API shows, the
`customer.health_declined` event and the workflow condition all use health_references."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customers.health import measures as registry
from customers.health.measures import MeasureValue
from customers.health.selectors import Reference, health_reference, health_references
from customers.health.services import health_recompute
from customers.models import Customer, HealthModel, HealthScore
from integrations.models import Event
from operations.workflows.conditions import _health_drop
from tests.customers.factories import CustomerFactory


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch) -> Any:
    """One measure whose score per customer the test sets."""
    values: dict[int, float] = {}

    def compute(pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
        return {pk: MeasureValue(score=s, inputs={}) for pk, s in values.items()}

    monkeypatch.setattr(registry, "_registry", {"m": registry.Measure("m", compute, "m")})
    HealthModel.objects.update(active=False)
    HealthModel.objects.create(
        version=9, weights={"m": 1.0}, critical_below=50, at_risk_below=75, active=True
    )
    return values


def _snapshot(customer: Customer, values: dict[int, float], score: float, days_ago: float) -> None:
    values[customer.pk] = score
    at = timezone.now() - timedelta(days=days_ago)
    health_recompute(customer_pks=[customer.pk], computed_at=at, as_of=at.date(), publish=False)


def test_a_drop_the_trend_shows_fires_the_decline_event(api: APIClient, scores: Any) -> None:
    """Before: the trend took the snapshot 25 days ago (within ±7 days of 30), the event only
    looked 30-37 days back, so a 20-point drop showed in the API and fired nothing."""
    c = CustomerFactory.create(customer_id="cust_ref")
    _snapshot(c, scores, 80.0, days_ago=25)
    scores[c.pk] = 60.0
    health_recompute(customer_pks=[c.pk])

    declined = Event.objects.get(type="customer.health_declined", customer_id="cust_ref")
    assert declined.data["score_30_days_ago"] == 80
    assert "dropped_15_points_in_30_days" in declined.data["reasons"]
    trend = api.get("/api/v1/customers/cust_ref/health").json()["trend"]
    assert (trend["reference_score"], trend["change_30d"]) == (80, -20)
    assert trend["direction"] == "declining"
    # the workflow condition measures the same drop
    assert _health_drop(c, 15, timezone.now()).measured == 20


def test_no_snapshot_near_30_days_ago_means_no_reference_anywhere(
    api: APIClient, scores: Any
) -> None:
    c = CustomerFactory.create(customer_id="cust_far")
    _snapshot(c, scores, 90.0, days_ago=38)  # outside 30 ± 7
    _snapshot(c, scores, 88.0, days_ago=22)  # outside 30 ± 7
    scores[c.pk] = 60.0
    health_recompute(customer_pks=[c.pk])
    declined = Event.objects.get(type="customer.health_declined", customer_id="cust_far")
    assert declined.data["score_30_days_ago"] is None
    assert declined.data["reasons"] == ["worse_grade"]  # healthy → at_risk, no 30-day drop
    trend = api.get("/api/v1/customers/cust_far/health").json()["trend"]
    assert trend["change_30d"] is None
    assert trend["reference_score"] is None


@pytest.mark.django_db
def test_the_nearest_snapshot_wins_and_a_tie_takes_the_older(scores: Any) -> None:
    now = timezone.now()
    a, b, c = CustomerFactory.create(), CustomerFactory.create(), CustomerFactory.create()
    for customer, snaps in (
        (a, [(36, 10), (31, 20), (27, 30)]),  # 31 days ago is nearest to 30
        (b, [(33, 40), (27, 50)]),  # 3 days either side: the older
        (c, [(37, 60), (23, 70)]),  # both bounds included: the older
    ):
        for days_ago, score in snaps:
            HealthScore.objects.create(
                customer=customer,
                computed_at=now - timedelta(days=days_ago),
                as_of=(now - timedelta(days=days_ago)).date(),
                score=score,
                grade="critical",
                model_version=9,
            )
    none = CustomerFactory.create()
    with CaptureQueriesContext(connection) as ctx:
        found = health_references([a.pk, b.pk, c.pk, none.pk], now)
    assert len(ctx) == 1
    assert {pk: r.score for pk, r in found.items()} == {a.pk: 20, b.pk: 40, c.pk: 60}
    single = health_reference(a, now)
    assert single == Reference(now - timedelta(days=31), 20)
    assert health_references([], now) == {}
