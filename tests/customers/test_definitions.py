"""Issue 11 D2 and D3 on health (README, Definitions): who is scored on a past day, recompute of
a churned customer, half-up rounding of the score, and the 12-point trend slope."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from customers.health import measures as registry
from customers.health.engine import compute_health, scorable_customers
from customers.health.measures import MeasureValue
from customers.health.selectors import health_detail
from customers.health.services import health_history_seed
from customers.models import HealthModel, HealthScore
from customers.services import customer_update
from tests.customers.factories import CustomerFactory
from tests.operations.factories import SupportTicketFactory

pytestmark = pytest.mark.django_db

PAST = date(2026, 6, 30)  # a past scoring day (a Tuesday)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def support_component(customer_pk: int) -> dict[str, Any]:
    snapshot = HealthScore.objects.filter(customer_id=customer_pk).latest("computed_at")
    component: dict[str, Any] = snapshot.components["support"]
    return component


def test_a_churned_customer_scored_for_a_past_week_keeps_its_support_score() -> None:
    customer = CustomerFactory.create()
    other = CustomerFactory.create()  # the deployment has tickets either way
    SupportTicketFactory.create(customer=other, opened_at=noon(PAST - timedelta(days=100)))
    # One open high-priority ticket opened 5 days before the day: open penalty 15; opened in
    # the last 30 days 1 vs 0 before: growth (1 - 0) / max(0, 1) = 1, trend penalty 40.
    SupportTicketFactory.create(
        customer=customer, opened_at=noon(PAST - timedelta(days=5)), priority="high"
    )
    health_history_seed(customer_pks=None, days=[PAST])
    before = support_component(customer.pk)
    assert before["score"] == 45.0  # 100 - 15 - 40

    customer_update(customer=customer, data={"status": "churned"})  # churned today, after PAST
    HealthScore.objects.all().delete()
    health_history_seed(customer_pks=None, days=[PAST])
    after = support_component(customer.pk)
    assert after["score"] == 45.0
    assert after["inputs"] == before["inputs"]


def test_scorable_on_a_day_means_created_by_its_end_and_not_churned_by_it() -> None:
    end = datetime.combine(PAST + timedelta(days=1), time.min, tzinfo=UTC)
    alive = CustomerFactory.create()
    churned_at_end = CustomerFactory.create(status="churned")
    churned_after = CustomerFactory.create(status="churned")
    churned_before = CustomerFactory.create(status="churned")
    created_late = CustomerFactory.create(created_at=end)  # exists from the next day only
    for customer, churned_at in (
        (churned_at_end, end),
        (churned_after, end + timedelta(days=3)),
        (churned_before, end - timedelta(seconds=1)),
    ):
        customer.churned_at = churned_at
        customer.save(update_fields=["churned_at"])
    found = set(scorable_customers(PAST).values_list("pk", flat=True))
    assert found == {alive.pk, churned_at_end.pk, churned_after.pk}
    assert created_late.pk not in found


def test_recompute_of_a_churned_customer_is_a_409_and_writes_nothing(api: Any) -> None:
    customer = CustomerFactory.create(customer_id="cust_gone")
    customer_update(customer=customer, data={"status": "churned"})
    response = api.post("/api/v1/customers/cust_gone/health/recompute")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "customer_churned"
    assert not HealthScore.objects.exists()


@pytest.fixture
def one_measure(monkeypatch: pytest.MonkeyPatch) -> dict[int, float]:
    """A registry of one measure `m` whose scores the test sets."""
    scores: dict[int, float] = {}

    def compute(pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
        return {pk: MeasureValue(score=s) for pk, s in scores.items()}

    monkeypatch.setattr(registry, "_registry", {"m": registry.Measure("m", compute, "m")})
    HealthModel.objects.update(active=False)
    HealthModel.objects.create(
        version=9, weights={"m": 1}, critical_below=50, at_risk_below=75, active=True
    )
    return scores


def test_a_score_of_74_5_rounds_half_up_to_75_and_grades_healthy(
    one_measure: dict[int, float],
) -> None:
    customer = CustomerFactory.create()
    one_measure[customer.pk] = 74.5
    result = compute_health(HealthModel.objects.get(active=True), PAST)[customer.pk]
    assert (result.score, result.grade) == (75, "healthy")  # half-to-even gave 74, at_risk


def test_the_trend_slope_uses_exactly_12_weekly_points() -> None:
    customer = CustomerFactory.create()
    latest = timezone.now()
    # 13 weekly snapshots: 12 weeks ago 0, then 60 for this week and the 11 before.
    for weeks_ago in range(13):
        HealthScore.objects.create(
            customer=customer,
            computed_at=latest - timedelta(weeks=weeks_ago),
            as_of=timezone.localdate(latest - timedelta(weeks=weeks_ago)),
            score=0 if weeks_ago == 12 else 60,
            grade="critical" if weeks_ago == 12 else "at_risk",
            components={},
            weights={},
            model_version=1,
        )
    trend = health_detail(customer)["trend"]
    # 12 points, all 60: slope 0 (13 points would include the 0 and slope upwards).
    assert trend["weeks_in_slope"] == 12
    assert trend["slope_per_week"] == 0.0
