"""POST /api/v1/cs-marketing/journey/{customer_id} (README "Marketing: journeys"): the
transition table (every disallowed move 409, nothing written), what an allowed move records,
schedules, suppresses and cancels, and its validation."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.choices import ALLOWED_TRANSITIONS, LifecycleStage
from customers.models import Customer, LifecycleChange
from integrations.models import Event
from marketing.models import Touchpoint
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.support.errors import assert_error

from .journey_support import MOVE, configure_journey, open_alert, open_escalation, open_run

pytestmark = pytest.mark.django_db

STAGES = [s.value for s in LifecycleStage]
DISALLOWED = [(a, b) for a in STAGES for b in STAGES if b != a and b not in ALLOWED_TRANSITIONS[a]]
ALLOWED = [(a, b) for a in STAGES for b in ALLOWED_TRANSITIONS[a]]


@pytest.fixture(autouse=True)
def journey(db: None) -> None:
    configure_journey()


def customer_in(stage: str, **fields: Any) -> Customer:
    status = "churned" if stage == "churned" else "active"
    return CustomerFactory.create(lifecycle_stage=stage, status=status, **fields)


def test_the_table_is_covered() -> None:
    # 8 stages x 7 others = 56 moves: 32 allowed, 24 not.
    assert (len(ALLOWED), len(DISALLOWED)) == (32, 24)


@pytest.mark.parametrize(("current", "wanted"), DISALLOWED)
def test_every_disallowed_move_is_409_listing_the_allowed_stages(
    api: APIClient, current: str, wanted: str
) -> None:
    customer = customer_in(current)
    response = api.post(MOVE.format(customer.customer_id), {"stage": wanted}, format="json")
    error = assert_error(response, 409, "illegal_stage_transition")
    allowed = list(ALLOWED_TRANSITIONS[current])
    assert response.json()["allowed_next_stages"] == allowed
    assert response.json()["current_stage"] == current
    assert ", ".join(allowed) in error["detail"]
    customer.refresh_from_db()
    assert customer.lifecycle_stage == current
    assert not LifecycleChange.objects.exists()
    assert not Touchpoint.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.parametrize(("current", "wanted"), ALLOWED)
def test_every_allowed_move_records_history_and_the_event(
    api: APIClient, current: str, wanted: str
) -> None:
    customer = customer_in(current)
    response = api.post(
        MOVE.format(customer.customer_id), {"stage": wanted, "reason": "why"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["changed"] is True
    customer.refresh_from_db()
    assert customer.lifecycle_stage == wanted
    assert customer.status == ("churned" if wanted == "churned" else "active")
    change = LifecycleChange.objects.get()
    assert (change.from_stage, change.to_stage, change.source, change.reason) == (
        current,
        wanted,
        "api",
        "why",
    )
    lifecycle = Event.objects.get(type="customer.lifecycle_changed")
    assert lifecycle.data == {
        "from_stage": current,
        "to_stage": wanted,
        "source": "api",
        "reason": "why",
    }


def test_a_move_schedules_the_stage_templates_at_occurred_at_plus_delay(
    api: APIClient,
) -> None:
    customer = customer_in("onboarding")
    at = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    response = api.post(
        MOVE.format(customer.customer_id),
        {"stage": "adoption", "occurred_at": at.isoformat(), "source": "import"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["from_stage"], body["stage"], body["source"]) == (
        "onboarding",
        "adoption",
        "import",
    )
    assert datetime.fromisoformat(body["changed_at"]) == at
    assert body["allowed_next_stages"] == ["value_realization", "at_risk", "churned"]
    # The three active adoption templates (the inactive one is not scheduled), by delay.
    expected = [
        ("Key feature tips", "educational", at),
        ("Upgrade offer", "promotional", at + timedelta(hours=48)),
        ("Best-practice webinar", "educational", at + timedelta(hours=168)),
    ]
    got = [
        (t["name"], t["kind"], datetime.fromisoformat(t["scheduled_for"]), t["status"])
        for t in body["touchpoints"]
    ]
    assert got == [(n, k, when, "scheduled") for n, k, when in expected]
    assert body["cancelled"] == []
    change = LifecycleChange.objects.get()
    assert change.changed_at == at
    rows = Touchpoint.objects.order_by("scheduled_for")
    assert [(t.name, t.scheduled_for, t.stage_change_id, t.stage) for t in rows] == [
        (n, when, change.pk, "adoption") for n, _, when in expected
    ]
    scheduled = Event.objects.filter(type="touchpoint.scheduled").order_by("id")
    assert [e.data["touchpoint_id"] for e in scheduled] == [
        t["touchpoint_id"] for t in body["touchpoints"]
    ]
    assert scheduled[0].customer_id == customer.customer_id
    assert scheduled[0].data["channel"] == "in_app"


def test_the_same_stage_is_a_no_op(api: APIClient) -> None:
    customer = customer_in("adoption")
    response = api.post(MOVE.format(customer.customer_id), {"stage": "adoption"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is False
    assert (body["from_stage"], body["stage"], body["changed_at"]) == ("adoption", "adoption", None)
    assert body["touchpoints"] == []
    assert body["cancelled"] == []
    assert not LifecycleChange.objects.exists()
    assert not Touchpoint.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("opened", "reason"),
    [
        (lambda c: open_run(c, "wr_1", "running"), "workflow run wr_1 running"),
        (lambda c: open_run(c, "wr_2", "pending"), "workflow run wr_2 pending"),
        (lambda c: open_escalation(c, "esc_1", "open"), "escalation esc_1 open"),
        (lambda c: open_escalation(c, "esc_2", "in_progress"), "escalation esc_2 in_progress"),
    ],
)
def test_promotional_touchpoints_are_suppressed_while_an_intervention_is_open(
    api: APIClient, opened: Any, reason: str
) -> None:
    customer = customer_in("onboarding")
    opened(customer)
    response = api.post(MOVE.format(customer.customer_id), {"stage": "adoption"}, format="json")
    assert response.status_code == 201
    statuses = {t["name"]: (t["status"], t["reason"]) for t in response.json()["touchpoints"]}
    assert statuses == {
        "Key feature tips": ("scheduled", None),
        "Upgrade offer": (
            "suppressed",
            f"promotional while an intervention is open: {reason}",
        ),
        "Best-practice webinar": ("scheduled", None),
    }
    suppressed = Touchpoint.objects.get(status="suppressed")
    assert suppressed.name == "Upgrade offer"
    assert reason in suppressed.reason
    event = Event.objects.get(type="touchpoint.suppressed")
    assert event.data["touchpoint_id"] == suppressed.touchpoint_id
    assert reason in event.data["reason"]
    assert Event.objects.filter(type="touchpoint.scheduled").count() == 2


def test_the_reason_names_every_open_intervention(api: APIClient) -> None:
    customer = customer_in("onboarding")
    open_run(customer, "wr_a")
    open_escalation(customer, "esc_b")
    api.post(MOVE.format(customer.customer_id), {"stage": "adoption"}, format="json")
    assert Touchpoint.objects.get(status="suppressed").reason == (
        "promotional while an intervention is open: workflow run wr_a running; "
        "escalation esc_b open"
    )


def test_an_alert_or_a_closed_intervention_does_not_suppress(api: APIClient) -> None:
    customer = customer_in("onboarding")
    open_alert(customer)
    open_run(customer, "wr_done", "completed")
    open_escalation(customer, "esc_done", "resolved")
    other = customer_in("onboarding")
    open_run(other, "wr_other")  # another customer's run
    response = api.post(MOVE.format(customer.customer_id), {"stage": "adoption"}, format="json")
    assert {t["status"] for t in response.json()["touchpoints"]} == {"scheduled"}


@pytest.mark.parametrize("stage", ["at_risk", "churned"])
def test_at_risk_or_churned_cancels_pending_promotional_touchpoints(
    api: APIClient, stage: str
) -> None:
    customer = customer_in("value_realization")
    api.post(MOVE.format(customer.customer_id), {"stage": "renewal"}, format="json")
    # Renewal scheduled a transactional reminder and a promotional offer (72 h later).
    offer = Touchpoint.objects.get(name="Multi-year offer")
    reminder = Touchpoint.objects.get(name="Renewal reminder")
    done = Touchpoint.objects.create(  # settled before: stays as it is
        customer=customer,
        stage="renewal",
        name="Sent offer",
        channel="email",
        kind="promotional",
        status="sent",
        scheduled_for=timezone.now(),
        status_changed_at=timezone.now(),
        created_at=timezone.now(),
    )
    Event.objects.all().delete()
    response = api.post(MOVE.format(customer.customer_id), {"stage": stage}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [t["touchpoint_id"] for t in body["cancelled"]] == [offer.touchpoint_id]
    offer.refresh_from_db()
    assert offer.status == "cancelled"
    assert offer.reason == f"customer left renewal for {stage}"  # of the stage being left
    reminder.refresh_from_db()
    done.refresh_from_db()
    assert (reminder.status, done.status) == ("scheduled", "sent")
    assert Event.objects.get(type="touchpoint.cancelled").data["touchpoint_id"] == (
        offer.touchpoint_id
    )
    # The new stage's own templates: at_risk has a call, churned none.
    names = [t["name"] for t in body["touchpoints"]]
    assert names == (["Check-in call"] if stage == "at_risk" else [])


def test_other_moves_cancel_only_what_the_left_stage_scheduled(api: APIClient) -> None:
    customer = customer_in("value_realization")
    api.post(MOVE.format(customer.customer_id), {"stage": "renewal"}, format="json")
    api.post(MOVE.format(customer.customer_id), {"stage": "expansion"}, format="json")
    # renewal -> expansion: the renewal offer (promotional) goes, its reminder (transactional)
    # stays; expansion's own offer is scheduled (not at_risk/churned: promotions continue).
    statuses = {t.name: (t.status, t.reason) for t in Touchpoint.objects.all()}
    assert statuses == {
        "Renewal reminder": ("scheduled", ""),
        "Multi-year offer": ("cancelled", "customer left renewal for expansion"),
        "Premium overview": ("scheduled", ""),
    }


# --- validation ---------------------------------------------------------------------------


def test_occurred_at_in_the_future_is_400_with_five_minutes_of_skew(api: APIClient) -> None:
    customer = customer_in("onboarding")
    url = MOVE.format(customer.customer_id)
    late = timezone.now() + timedelta(minutes=6)
    response = api.post(url, {"stage": "adoption", "occurred_at": late.isoformat()}, format="json")
    assert_error(response, 400, "occurred_in_future", "occurred_at")
    assert not LifecycleChange.objects.exists()
    skewed = timezone.now() + timedelta(minutes=4)
    response = api.post(
        url, {"stage": "adoption", "occurred_at": skewed.isoformat()}, format="json"
    )
    assert response.status_code == 201
    # A fast client clock is recorded as the server's now: the history stays in order with
    # writers that stamp their own clock (a PATCH right after sorts after this move).
    recorded = LifecycleChange.objects.get(to_stage="adoption").changed_at
    assert recorded <= timezone.now() < skewed


def test_occurred_at_before_the_last_change_is_400(api: APIClient) -> None:
    customer = customer_in("onboarding")
    url = MOVE.format(customer.customer_id)
    first = timezone.now() - timedelta(days=3)
    response = api.post(url, {"stage": "adoption", "occurred_at": first.isoformat()}, format="json")
    assert response.status_code == 201
    earlier = first - timedelta(seconds=1)
    response = api.post(
        url, {"stage": "value_realization", "occurred_at": earlier.isoformat()}, format="json"
    )
    assert_error(response, 400, "occurred_before_last_change", "occurred_at")
    assert LifecycleChange.objects.count() == 1
    response = api.post(
        url, {"stage": "value_realization", "occurred_at": first.isoformat()}, format="json"
    )
    assert response.status_code == 201  # the same instant keeps the order


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "stage", "required"),
        ({"stage": "dormant"}, "stage", "invalid_choice"),
        ({"stage": 3}, "stage", "invalid"),
        ({"stage": ["adoption"]}, "stage", "invalid"),
        ({"stage": "adop\x00tion"}, "stage", "invalid_characters"),
        ({"stage": "adoption", "reason": "a\x00b"}, "reason", "invalid_characters"),
        ({"stage": "adoption", "reason": 12}, "reason", "invalid"),
        ({"stage": "adoption", "reason": "x" * 2001}, "reason", "max_length"),
        ({"stage": "adoption", "source": "system"}, "source", "invalid_choice"),
        ({"stage": "adoption", "source": "handoff"}, "source", "invalid_choice"),
        ({"stage": "adoption", "source": "admin"}, "source", "invalid_choice"),
        ({"stage": "adoption", "occurred_at": "yesterday"}, "occurred_at", "invalid"),
        ({"stage": "adoption", "occurred_at": 1733300000}, "occurred_at", "invalid"),
        ({"stage": "adoption", "occurred_at": None}, "occurred_at", "null"),
        ({"stage": "adoption", "occurred_at": "1850-01-01T00:00:00Z"}, "occurred_at", "invalid"),
        (
            {"stage": "adoption", "changed_at": "2026-01-01T00:00:00Z"},
            "changed_at",
            "unknown_field",
        ),
    ],
)
def test_bad_input_is_400_and_writes_nothing(
    api: APIClient, body: dict[str, Any], attr: str, code: str
) -> None:
    customer = customer_in("onboarding")
    response = api.post(MOVE.format(customer.customer_id), body, format="json")
    assert_error(response, 400, code, attr)
    assert not LifecycleChange.objects.exists()
    assert not Event.objects.exists()


def test_malformed_json_and_a_list_body_are_400(api: APIClient) -> None:
    customer = customer_in("onboarding")
    url = MOVE.format(customer.customer_id)
    response = api.generic("POST", url, '{"stage": ', content_type="application/json")
    assert_error(response, 400, "parse_error")
    response = api.post(url, ["adoption"], format="json")
    assert response.status_code == 400


def test_an_unknown_customer_is_404(api: APIClient) -> None:
    response = api.post(MOVE.format("cust_nobody"), {"stage": "adoption"}, format="json")
    assert_error(response, 404, "customer_not_found")


def test_scopes(make_client: MakeClient) -> None:
    customer = customer_in("onboarding")
    url = MOVE.format(customer.customer_id)
    reader = make_client("marketing:read")
    assert_error(reader.post(url, {"stage": "adoption"}, format="json"), 403, "permission_denied")
    customers_writer = make_client("customers:write", "customers:read")
    response = customers_writer.post(url, {"stage": "adoption"}, format="json")
    assert_error(response, 403, "permission_denied")
    writer = make_client("marketing:write")
    assert writer.post(url, {"stage": "adoption"}, format="json").status_code == 201


def test_an_idempotent_retry_replays_and_moves_once(api: APIClient) -> None:
    customer = customer_in("onboarding")
    url = MOVE.format(customer.customer_id)
    first = api.post(url, {"stage": "adoption"}, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    again = api.post(url, {"stage": "adoption"}, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert LifecycleChange.objects.count() == 1
    assert Touchpoint.objects.count() == 3


def test_a_move_is_bounded_in_queries(api: APIClient, django_assert_max_num_queries: Any) -> None:
    customer = customer_in("onboarding")
    with django_assert_max_num_queries(20):
        response = api.post(MOVE.format(customer.customer_id), {"stage": "adoption"}, format="json")
    assert response.status_code == 201


def test_the_customers_patch_answers_the_same_conflict(api: APIClient) -> None:
    customer = customer_in("onboarding")
    response = api.patch(
        f"/api/v1/customers/{customer.customer_id}", {"lifecycle_stage": "advocacy"}, format="json"
    )
    assert_error(response, 409, "illegal_stage_transition")
    assert response.json()["allowed_next_stages"] == ["adoption", "at_risk", "churned"]
    assert response.json()["current_stage"] == "onboarding"
