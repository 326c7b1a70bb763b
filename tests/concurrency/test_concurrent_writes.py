"""Concurrent writes on PostgreSQL with real threads: nothing lost, no illegal path, no 500.

Each round starts its requests together (a barrier) on their own database connections. A
lost update, a stale lifecycle check or an unhandled unique violation shows up within a few
rounds; every assertion is checked in every round.
"""

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from customers.health.services import active_health_model
from customers.models import Customer, HealthModel, LifecycleChange, Stakeholder, TeamMember
from integrations.models import Event
from operations.models import Alert, Escalation
from product.models import Feedback, FeedbackStatusChange
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12
CUSTOMERS = "/api/v1/customers"


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once, one thread each; return their responses (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # reported by the assertions of the caller
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def statuses(responses: list[Any]) -> list[int]:
    """Status codes, sorted; an exception (a 500 raised by the test client) fails the test."""
    for response in responses:
        assert not isinstance(response, BaseException), repr(response)
    return sorted(r.status_code for r in responses)


@pytest.fixture
def clients(make_client: MakeClient) -> list[APIClient]:
    """One client (own API key) per thread, created before any thread starts."""
    return [make_client() for _ in range(2)]


def test_customer_patches_of_different_fields_both_persist(clients: list[APIClient]) -> None:
    a, b = clients
    for n in range(ROUNDS):
        CustomerFactory.create(customer_id=f"c{n}", licensed_seats=10, segment="mid_market")
        url = f"{CUSTOMERS}/c{n}"
        responses = race(
            partial(a.patch, url, {"licensed_seats": 500 + n}, format="json"),
            partial(b.patch, url, {"segment": "enterprise"}, format="json"),
        )
        assert statuses(responses) == [200, 200]
        customer = Customer.objects.get(customer_id=f"c{n}")
        assert (customer.licensed_seats, customer.segment) == (500 + n, "enterprise"), n


def test_churn_always_wins_a_stage_race_and_history_follows(clients: list[APIClient]) -> None:
    """From onboarding, `adoption` then `churned` is legal; `churned` then `adoption` is not
    (churned -> onboarding only), so that request must be refused with 409."""
    a, b = clients
    for n in range(ROUNDS):
        CustomerFactory.create(customer_id=f"s{n}", lifecycle_stage="onboarding")
        url = f"{CUSTOMERS}/s{n}"
        churn, adopt = race(
            partial(a.patch, url, {"lifecycle_stage": "churned"}, format="json"),
            partial(b.patch, url, {"lifecycle_stage": "adoption"}, format="json"),
        )
        statuses([churn, adopt])
        assert churn.status_code == 200, churn.json()
        assert adopt.status_code in (200, 409), adopt.json()
        if adopt.status_code == 409:
            assert adopt.json()["errors"][0]["code"] == "illegal_stage_transition"
        customer = Customer.objects.get(customer_id=f"s{n}")
        assert (customer.lifecycle_stage, customer.status) == ("churned", "churned")
        assert customer.churned_at is not None
        history = list(
            LifecycleChange.objects.filter(customer=customer).order_by("changed_at", "pk")
        )
        expected = ["churned"] if adopt.status_code == 409 else ["adoption", "churned"]
        assert [h.to_stage for h in history] == expected
        froms = ["onboarding", *expected[:-1]]
        assert [h.from_stage for h in history] == froms
        assert history[-1].to_stage == customer.lifecycle_stage


def test_stakeholder_patches_of_different_fields_both_persist(clients: list[APIClient]) -> None:
    a, b = clients
    customer = CustomerFactory.create(customer_id="c1")
    for n in range(ROUNDS):
        StakeholderFactory.create(customer=customer, email=f"p{n}@client.example", role="CTO")
        url = f"{CUSTOMERS}/c1/stakeholders/p{n}@client.example"
        responses = race(
            partial(a.patch, url, {"name": f"Name {n}"}, format="json"),
            partial(b.patch, url, {"role": "CFO", "is_champion": True}, format="json"),
        )
        assert statuses(responses) == [200, 200]
        person = Stakeholder.objects.get(email=f"p{n}@client.example")
        assert (person.name, person.role, person.is_champion) == (f"Name {n}", "CFO", True)


def test_team_member_patches_of_different_fields_both_persist(clients: list[APIClient]) -> None:
    a, b = clients
    for n in range(ROUNDS):
        TeamMemberFactory.create(email=f"csm{n}@company.com", capacity=10, skills=["a"])
        url = f"/api/v1/team-members/csm{n}@company.com"
        responses = race(
            partial(a.patch, url, {"capacity": 100 + n}, format="json"),
            partial(b.patch, url, {"skills": ["renewals"], "active": False}, format="json"),
        )
        assert statuses(responses) == [200, 200]
        member = TeamMember.objects.get(email=f"csm{n}@company.com")
        assert (member.capacity, member.skills, member.active) == (100 + n, ["renewals"], False)


def test_escalation_owner_and_status_patches_both_persist(clients: list[APIClient]) -> None:
    a, b = clients
    customer = CustomerFactory.create(customer_id="c1")
    for n in range(ROUNDS):
        Escalation.objects.create(
            escalation_id=f"esc_{n}", customer=customer, owner_email="ops@company.com", reason="x"
        )
        url = f"/api/v1/cs-ops/escalations/esc_{n}"
        responses = race(
            partial(a.patch, url, {"owner_email": "lead@company.com"}, format="json"),
            partial(b.patch, url, {"status": "resolved"}, format="json"),
        )
        assert statuses(responses) == [200, 200]
        escalation = Escalation.objects.get(escalation_id=f"esc_{n}")
        assert (escalation.owner_email, escalation.status) == ("lead@company.com", "resolved")
        assert escalation.resolved_at is not None
    assert Event.objects.filter(type="escalation.resolved").count() == ROUNDS


def test_alert_status_race_keeps_resolved_at_with_the_status(clients: list[APIClient]) -> None:
    a, b = clients
    customer = CustomerFactory.create(customer_id="c1")
    for n in range(ROUNDS):
        Alert.objects.create(alert_id=f"alt_{n}", customer=customer, title="x")
        url = f"/api/v1/cs-ops/alerts/alt_{n}"
        responses = race(
            partial(a.patch, url, {"status": "acknowledged"}, format="json"),
            partial(b.patch, url, {"status": "resolved"}, format="json"),
        )
        assert statuses(responses) == [200, 200]
        alert = Alert.objects.get(alert_id=f"alt_{n}")
        assert alert.status in ("acknowledged", "resolved")
        assert (alert.resolved_at is not None) == (alert.status == "resolved")


def test_feedback_status_race_keeps_a_legal_path(clients: list[APIClient]) -> None:
    """`reviewing` and `declined` at once from `submitted`: the history is one legal path and
    its last entry is the status."""
    a, b = clients
    customer = CustomerFactory.create(customer_id="c1")
    for n in range(ROUNDS):
        item = Feedback.objects.create(
            feedback_id=f"fb_{n}",
            customer=customer,
            type="feature_request",
            category="reporting",
            priority="medium",
            business_impact="important",
            description="x",
            priority_score=10,
            status="submitted",
            status_changed_at=timezone.now(),
        )
        FeedbackStatusChange.objects.create(
            feedback=item, from_status="", to_status="submitted", changed_at=item.status_changed_at
        )
        url = f"/api/v1/cs-product/feedback/fb_{n}"
        responses = race(
            partial(a.patch, url, {"status": "reviewing"}, format="json"),
            partial(b.patch, url, {"status": "declined"}, format="json"),
        )
        codes = statuses(responses)
        item.refresh_from_db()
        history = list(item.history.order_by("changed_at", "pk"))
        assert history[-1].to_status == item.status
        assert [h.from_status for h in history[1:]] == [h.to_status for h in history[:-1]]
        # reviewing then declined is legal; declined then reviewing is not (409).
        assert item.status == "declined"
        assert codes in ([200, 200], [200, 409])
        assert len(history) == (3 if codes == [200, 200] else 2)


# --- creates ------------------------------------------------------------------------------


def test_concurrent_customer_creates_of_one_key_answer_201_and_409(
    clients: list[APIClient],
) -> None:
    a, b = clients
    for n in range(ROUNDS):
        body = {"customer_id": f"new{n}", "name": "New", "segment": "enterprise"}
        responses = race(
            partial(a.post, CUSTOMERS, body, format="json"),
            partial(b.post, CUSTOMERS, body, format="json"),
        )
        assert statuses(responses) == [201, 409]
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["errors"][0]["code"] == "customer_exists"
    assert Customer.objects.count() == ROUNDS
    assert LifecycleChange.objects.count() == ROUNDS
    assert Event.objects.filter(type="customer.created").count() == ROUNDS


def test_concurrent_stakeholder_creates_of_one_email_answer_201_and_409(
    clients: list[APIClient],
) -> None:
    a, b = clients
    CustomerFactory.create(customer_id="c1")
    url = f"{CUSTOMERS}/c1/stakeholders"
    for n in range(ROUNDS):
        body = {"email": f"p{n}@client.example", "name": "Pat"}
        responses = race(
            partial(a.post, url, body, format="json"),
            partial(b.post, url, body, format="json"),
        )
        assert statuses(responses) == [201, 409]
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["errors"][0]["code"] == "stakeholder_exists"
    assert Stakeholder.objects.count() == ROUNDS


def test_concurrent_team_member_creates_of_one_email_answer_201_and_409(
    clients: list[APIClient],
) -> None:
    a, b = clients
    for n in range(ROUNDS):
        body = {"email": f"csm{n}@company.com", "name": "Sam"}
        responses = race(
            partial(a.post, "/api/v1/team-members", body, format="json"),
            partial(b.post, "/api/v1/team-members", body, format="json"),
        )
        assert statuses(responses) == [201, 409]
        conflict = next(r for r in responses if r.status_code == 409)
        assert conflict.json()["errors"][0]["code"] == "team_member_exists"
    assert TeamMember.objects.count() == ROUNDS


def test_first_health_recomputes_racing_share_one_health_model() -> None:
    def first_model() -> int:
        with transaction.atomic():
            return active_health_model().version

    for _ in range(ROUNDS):
        HealthModel.objects.all().delete()
        assert race(first_model, first_model) == [1, 1]
        assert HealthModel.objects.count() == 1
