"""Touchpoints of a stage the customer has left never go out (README "Marketing: journeys",
found by the attack pass, issue 14): a move cancels the left stage's pending promotional and
educational touchpoints (transactional ones stay), and the due sweep cancels one whose stage
is no longer the customer's (a move racing the sweep, or a stage changed outside the journey
API)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers import services as customer_services
from customers.models import Customer
from integrations.models import Event
from marketing.journey.services import SweepResult, journey_move, journey_send_due
from marketing.models import Touchpoint, TouchpointTemplate
from tests.customers.factories import CustomerFactory

from .journey_support import MOVE, configure_journey

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def statuses(customer: Customer) -> dict[str, tuple[str, str]]:
    return {t.name: (t.status, t.reason) for t in Touchpoint.objects.filter(customer=customer)}


def cancelled_events() -> list[tuple[str, str]]:
    return sorted(
        (e.data["name"], e.data["reason"])
        for e in Event.objects.filter(type="touchpoint.cancelled")
    )


def test_adoption_to_at_risk_cancels_the_tips_so_the_sweep_never_sends_them(
    api: APIClient,
) -> None:
    configure_journey()
    customer = CustomerFactory.create(customer_id="cust_tips", lifecycle_stage="onboarding")
    assert (
        api.post(MOVE.format("cust_tips"), {"stage": "adoption"}, format="json").status_code == 201
    )
    # Adoption scheduled the tips (due at once), the upgrade offer and the webinar.
    Event.objects.all().delete()
    response = api.post(MOVE.format("cust_tips"), {"stage": "at_risk"}, format="json")
    assert response.status_code == 201, response.content
    left = "customer left adoption for at_risk"
    assert sorted((t["name"], t["reason"]) for t in response.json()["cancelled"]) == [
        ("Best-practice webinar", left),
        ("Key feature tips", left),
        ("Upgrade offer", left),
    ]
    assert cancelled_events() == sorted(
        (t["name"], t["reason"]) for t in response.json()["cancelled"]
    )
    # The sweep, an hour later, sends at_risk's call only.
    assert journey_send_due(now=datetime.now(UTC) + HOUR) == SweepResult(sent=1)
    assert statuses(customer) == {
        "Key feature tips": ("cancelled", left),
        "Upgrade offer": ("cancelled", left),
        "Best-practice webinar": ("cancelled", left),
        "Check-in call": ("sent", ""),
    }
    assert not Event.objects.filter(type="touchpoint.due", data__name="Key feature tips").exists()


def test_a_win_back_cancels_the_exit_survey_of_the_default_journey() -> None:
    # The migrated defaults (0004): the churned stage's exit survey is educational.
    survey = TouchpointTemplate.objects.get(stage__stage="churned", name="Exit survey")
    assert (survey.kind, survey.delay_hours, survey.active) == ("educational", 24, True)
    customer = CustomerFactory.create(lifecycle_stage="at_risk")
    journey_move(customer=customer, stage="churned", occurred_at=NOW - 2 * HOUR, now=NOW)
    assert statuses(customer)["Exit survey"] == ("scheduled", "")  # due NOW + 22 h
    move = journey_move(customer=customer, stage="onboarding", occurred_at=NOW - HOUR, now=NOW)
    assert [(t.name, t.reason) for t in move.cancelled] == [
        ("Exit survey", "customer left churned for onboarding")
    ]
    # Onboarding's own: a transactional welcome, two educational ones.
    assert sorted((t.name, t.status) for t in move.touchpoints) == [
        ("Getting started guide", "scheduled"),
        ("Setup webinar invitation", "scheduled"),
        ("Welcome to onboarding", "scheduled"),
    ]


def test_transactional_ones_of_the_left_stage_stay(api: APIClient) -> None:
    configure_journey()
    customer = CustomerFactory.create(lifecycle_stage="value_realization")
    api.post(MOVE.format(customer.customer_id), {"stage": "renewal"}, format="json")
    api.post(MOVE.format(customer.customer_id), {"stage": "advocacy"}, format="json")
    assert statuses(customer) == {
        "Renewal reminder": ("scheduled", ""),  # a contract notice: an obligation
        "Multi-year offer": ("cancelled", "customer left renewal for advocacy"),
    }


def test_pending_ones_of_an_older_stage_are_left_to_the_other_rules(api: APIClient) -> None:
    """Only the stage being left is swept by a move; a promotional one of an older stage
    (written before this rule, or scheduled by a stage changed outside the journey API)
    still goes on a move to at_risk, with that rule's reason, and the sweep catches the rest."""
    configure_journey()
    customer = CustomerFactory.create(lifecycle_stage="expansion")
    old = {
        kind: Touchpoint.objects.create(
            customer=customer,
            stage="adoption",
            name=f"Old {kind}",
            channel="email",
            kind=kind,
            scheduled_for=NOW + HOUR,
            status_changed_at=NOW,
            created_at=NOW,
        )
        for kind in ("promotional", "educational")
    }
    move = journey_move(customer=customer, stage="renewal", now=NOW)  # not cancelling
    assert move.cancelled == []
    move = journey_move(customer=customer, stage="at_risk", now=NOW + HOUR / 2)
    assert {t.name: t.reason for t in move.cancelled}["Old promotional"].startswith(
        "cancelled: the customer moved to at_risk at "
    )
    assert "Old educational" not in {t.name for t in move.cancelled}
    # Due now, of adoption while the customer is at_risk: the sweep cancels it.
    assert journey_send_due(now=NOW + 2 * HOUR).cancelled == 1
    old["educational"].refresh_from_db()
    assert (old["educational"].status, old["educational"].reason) == (
        "cancelled",
        "customer left adoption for at_risk",
    )


def test_the_sweep_cancels_what_a_stage_change_outside_the_journey_api_left(
    django_assert_max_num_queries: Any,
) -> None:
    """customers' PATCH/bulk change the stage without the journey's cancellations: the sweep
    is the last check. Transactional ones of the old stage still go out."""
    customer = CustomerFactory.create(lifecycle_stage="adoption")
    for name, kind in [
        ("Tips", "educational"),
        ("Offer", "promotional"),
        ("Notice", "transactional"),
    ]:
        Touchpoint.objects.create(
            customer=customer,
            stage="adoption",
            name=name,
            channel="email",
            kind=kind,
            scheduled_for=NOW - HOUR,
            status_changed_at=NOW - 2 * HOUR,
            created_at=NOW - 2 * HOUR,
        )
    customer_services.customer_change_stage(
        customer=customer, to_stage="value_realization", source="api", reason="PATCH"
    )
    with django_assert_max_num_queries(8):
        result = journey_send_due(now=NOW)
    assert result == SweepResult(sent=1, suppressed=0, cancelled=2)
    left = "customer left adoption for value_realization"
    assert statuses(customer) == {
        "Tips": ("cancelled", left),
        "Offer": ("cancelled", left),
        "Notice": ("sent", ""),
    }
    assert cancelled_events() == [("Offer", left), ("Tips", left)]
