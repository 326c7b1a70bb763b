"""GET /api/v1/cs-marketing/journey/{customer_id}/status (README "Marketing: journeys"): the
stage and since when, next actions from the stage and the health rules, pending and recent
touchpoints, the history; a fixed number of queries whatever the history's size."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer
from marketing.journey.selectors import journey_status
from marketing.journey.services import journey_move, journey_send_due
from marketing.models import Touchpoint
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, health_snapshot
from tests.support.errors import assert_error

from .journey_support import STATUS, configure_journey, open_alert, open_escalation, open_run

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def journey(db: None) -> None:
    configure_journey()


def health(customer: Customer, score: int, grade: str, at: datetime) -> None:
    health_snapshot(customer, at, score, grade, components={}, weights={})


def travelled(customer: Customer) -> None:
    """onboarding -> adoption (NOW-10d) -> value_realization (NOW-3d-2h) -> at_risk (NOW-1d),
    with a sweep at NOW-9d in between."""
    journey_move(customer=customer, stage="adoption", occurred_at=NOW - 10 * DAY, now=NOW)
    # Adoption scheduled: tips (NOW-10d), the upgrade offer (NOW-8d), the webinar (NOW-3d).
    journey_send_due(now=NOW - 9 * DAY)  # sends the tips only
    # Leaving adoption cancels its pending offer and webinar (README "Marketing: journeys").
    journey_move(
        customer=customer,
        stage="value_realization",
        occurred_at=NOW - 3 * DAY - timedelta(hours=2),
        now=NOW,
    )
    # at_risk has no promotional one left to cancel; it schedules the call (NOW-1d).
    journey_move(
        customer=customer, stage="at_risk", reason="usage fell", occurred_at=NOW - DAY, now=NOW
    )


def test_the_status_of_a_travelled_customer() -> None:
    customer = CustomerFactory.create(lifecycle_stage="onboarding")
    travelled(customer)
    old = Touchpoint.objects.create(  # settled 91 days ago: not recent any more
        customer=customer,
        stage="onboarding",
        name="Ancient",
        channel="email",
        kind="educational",
        status="sent",
        scheduled_for=NOW - 91 * DAY,
        status_changed_at=NOW - 91 * DAY,
        created_at=NOW - 92 * DAY,
    )
    health(customer, 80, "healthy", NOW - DAY)

    status = journey_status(customer.customer_id, now=NOW)

    assert status.stage == "at_risk"
    assert status.since == NOW - DAY
    assert status.days_in_stage == 1  # 2026-11-29 to 2026-11-30
    assert status.allowed_next_stages == (
        "onboarding",
        "adoption",
        "value_realization",
        "renewal",
        "churned",
    )
    assert status.description == "The at_risk stage."
    assert [(t.name, t.status) for t in status.pending] == [
        ("Check-in call", "scheduled"),  # due NOW-1d, not swept since
    ]
    left = "customer left adoption for value_realization"
    assert [(t.name, t.status, t.status_changed_at, t.reason) for t in status.recent] == [
        ("Best-practice webinar", "cancelled", NOW, left),  # newest row first on a tie
        ("Upgrade offer", "cancelled", NOW, left),
        ("Key feature tips", "sent", NOW - 9 * DAY, ""),
    ]
    assert old.pk not in {t.pk for t in status.recent}
    assert [(h.from_stage, h.to_stage, h.reason) for h in status.history] == [
        ("value_realization", "at_risk", "usage fell"),
        ("adoption", "value_realization", "moved through the journey API"),
        ("onboarding", "adoption", "moved through the journey API"),
    ]
    assert [(a.source, a.code, a.action) for a in status.recommended_actions] == [
        ("stage", None, "Do at_risk"),
        (
            "health",
            "consider_recovery",
            "Consider moving the customer out of at_risk: health is healthy (score 80); "
            "allowed next stages: onboarding, adoption, value_realization, renewal, churned.",
        ),
    ]


def test_health_rules_on_a_critical_decline() -> None:
    customer = CustomerFactory.create(lifecycle_stage="adoption")
    now = timezone.now()
    health(customer, 60, "at_risk", now - 31 * DAY)  # the reference ~30 days before
    health(customer, 30, "critical", now - DAY)  # 30 points lost
    status = journey_status(customer.customer_id)
    evidence = {"stage": "adoption", "score": 30, "grade": "critical", "change_30d": -30}
    assert [(a.code, a.action, a.evidence) for a in status.recommended_actions[1:]] == [
        (
            "open_escalation_review",
            "Open an escalation review: health is critical (score 30).",
            evidence,
        ),
        (
            "schedule_health_check_in",
            "Schedule a health check-in: health fell 30 points in 30 days.",
            evidence,
        ),
        (
            "consider_at_risk",
            "Consider moving the customer to at_risk: health is graded critical while the "
            "stage is adoption.",
            evidence,
        ),
    ]
    # With an escalation open, the review is not recommended again; it is listed as open.
    open_escalation(customer, "esc_now")
    open_alert(customer)  # alerts are not listed
    status = journey_status(customer.customer_id)
    assert "open_escalation_review" not in [a.code for a in status.recommended_actions]
    assert status.open_interventions.escalations == (("esc_now", "open"),)


def test_no_health_no_history() -> None:
    customer = CustomerFactory.create(lifecycle_stage="renewal")
    status = journey_status(customer.customer_id, now=NOW)
    assert status.since == customer.created_at  # no history: since the customer exists
    assert [a.source for a in status.recommended_actions] == ["stage"]
    assert status.history == ()
    assert status.pending == []
    assert status.recent == []


def test_the_api_answer(api: APIClient) -> None:
    customer = CustomerFactory.create(lifecycle_stage="onboarding")
    travelled(customer)
    open_run(customer, "wr_open")
    response = api.get(STATUS.format(customer.customer_id))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["customer_id"], body["stage"]) == (customer.customer_id, "at_risk")
    assert datetime.fromisoformat(body["since"]) == NOW - DAY
    assert body["days_in_stage"] == (timezone.localdate() - (NOW - DAY).date()).days
    assert body["open_interventions"] == {
        "workflow_runs": [{"id": "wr_open", "status": "running"}],
        "escalations": [],
    }
    assert body["recommended_actions"] == [
        {"action": "Do at_risk", "source": "stage", "code": None, "evidence": {}}
    ]
    assert [t["name"] for t in body["pending_touchpoints"]] == ["Check-in call"]
    cancelled = body["recent_touchpoints"][0]
    assert (cancelled["name"], cancelled["status"]) == ("Best-practice webinar", "cancelled")
    assert cancelled["reason"] == "customer left adoption for value_realization"
    assert body["pending_touchpoints"][0]["reason"] is None
    first = body["history"][-1]
    assert (first["from_stage"], first["to_stage"], first["source"]) == (
        "onboarding",
        "adoption",
        "api",
    )


def test_unknown_customer_scopes_and_parameters(make_client: MakeClient) -> None:
    reader = make_client("marketing:read")
    assert_error(reader.get(STATUS.format("cust_nobody")), 404, "customer_not_found")
    customer = CustomerFactory.create()
    url = STATUS.format(customer.customer_id)
    assert reader.get(url).status_code == 200
    assert_error(make_client("marketing:write").get(url), 403, "permission_denied")
    assert_error(make_client("customers:read").get(url), 403, "permission_denied")
    assert_error(reader.get(f"{url}?stage=x"), 400, "unknown_parameter")


def _count(api: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_the_same_number_of_queries_at_two_history_sizes(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    small = CustomerFactory.create(lifecycle_stage="onboarding")
    journey_move(customer=small, stage="adoption", occurred_at=NOW - DAY, now=NOW)
    big = CustomerFactory.create(lifecycle_stage="onboarding")
    at = NOW - 200 * DAY
    for _n in range(20):  # 40 moves, 3 touchpoints each adoption entry, sweeps between
        journey_move(customer=big, stage="adoption", occurred_at=at, now=NOW)
        journey_send_due(now=at + DAY)
        journey_move(customer=big, stage="at_risk", occurred_at=at + 2 * DAY, now=NOW)
        journey_move(customer=big, stage="onboarding", occurred_at=at + 3 * DAY, now=NOW)
        at += 4 * DAY
    for customer in (small, big):
        health(customer, 40, "critical", NOW - DAY)
        open_run(customer, f"wr_{customer.pk}")
        open_escalation(customer, f"esc_{customer.pk}")
    assert Touchpoint.objects.filter(customer=big).count() > 60
    small_url, big_url = STATUS.format(small.customer_id), STATUS.format(big.customer_id)
    _count(api, small_url)  # warm the key's cache
    assert _count(api, small_url) == _count(api, big_url)
    with django_assert_max_num_queries(12):
        api.get(big_url)


# --- F1: the attack pass (issue 14): since and days_in_stage with history rows ----------


def test_since_is_the_latest_change_by_time_whatever_the_insert_order() -> None:
    """The tester saw days_in_stage 0 on demo data: the demo wrote the creation row at seed
    time, after (and dated later than) the backdated moves. The selector reads the latest
    change by `changed_at`; here the creation row is inserted last but dated first."""
    from customers.models import LifecycleChange

    customer = CustomerFactory.create(lifecycle_stage="adoption")
    rows = [  # (from, to, changed_at), inserted in this order
        ("onboarding", "adoption", NOW - 12 * DAY - timedelta(hours=3)),
        ("", "onboarding", NOW - 40 * DAY),  # the creation row, written last
    ]
    for from_stage, to_stage, at in rows:
        LifecycleChange.objects.create(
            customer=customer, from_stage=from_stage, to_stage=to_stage, source="api", changed_at=at
        )
    status = journey_status(customer.customer_id, now=NOW)
    assert status.since == NOW - 12 * DAY - timedelta(hours=3)  # 2026-11-18T09:00Z
    assert status.days_in_stage == 12  # local (UTC) days 2026-11-18 .. 2026-11-30
    assert [h.to_stage for h in status.history] == ["adoption", "onboarding"]
    # A creation row dated at seed time (the demo's mistake) is the latest: 0 days, correctly.
    LifecycleChange.objects.create(
        customer=customer, from_stage="", to_stage="adoption", source="api", changed_at=NOW
    )
    assert journey_status(customer.customer_id, now=NOW).days_in_stage == 0
