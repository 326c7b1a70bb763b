"""The sales-to-CS handoff (README "Sales: handoff"): the spec's request verbatim, what one
transaction creates, repeats (409), replays and the read-back."""

from datetime import date, datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange, Milestone, Stakeholder, SuccessPlan
from finance.models import Contract
from integrations.models import Event
from operations.models import Task
from sales.models import Handoff
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory
from tests.finance.factories import ContractFactory
from tests.support.errors import assert_error

from .helpers import SPEC_REQUEST, URL, spec_request

pytestmark = pytest.mark.django_db

SPEC_URL = URL.format("cust_12345")


@pytest.fixture
def sarah(db: None) -> Any:
    return TeamMemberFactory.create(
        email="sarah.smith@company.com", name="Sarah Smith", capacity=50
    )


def test_the_spec_request_verbatim_starts_the_customer(api: APIClient, sarah: Any) -> None:
    response = api.post(SPEC_URL, SPEC_REQUEST, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["handoff_id"].startswith("ho_")
    assert body["customer_id"] == "cust_12345"
    assert body["customer_created"] is True
    assert body["lifecycle_stage"] == "onboarding"
    assert body["handoff_data"] == SPEC_REQUEST["handoff_data"]
    assert body["success_initiation"] == SPEC_REQUEST["success_initiation"]
    assert body["warnings"] == []

    customer = Customer.objects.get(customer_id="cust_12345")
    # No name or segment sent: the name is the key, the segment follows the annual value
    # 150000 x 12 / 36 = 50000 (>= 25000 and < 100000: mid_market).
    assert (customer.name, customer.segment) == ("cust_12345", "mid_market")
    assert customer.success_manager == sarah
    assert customer.lifecycle_stage == "onboarding"

    contract = body["contract"]
    assert contract["start_date"] == "2025-12-05"
    assert contract["end_date"] == "2028-12-04"
    assert (contract["value"], contract["term"], contract["term_months"]) == (150000, "3_year", 36)
    assert contract["annual_value"] == 50000
    assert contract["status"] == "active"
    assert Contract.objects.get(customer=customer).contract_id == contract["contract_id"]

    assert list(Stakeholder.objects.filter(customer=customer).values_list("email", flat=True)) == [
        "john.doe@company.com"
    ]
    plan = body["success_plan"]
    assert plan["start_date"] == "2025-12-05"
    assert plan["status"] == "active"
    adoption, roi = plan["objectives"]
    assert adoption["criterion"] == "adoption_target"
    assert adoption["measurable"] is True
    assert (adoption["metric"], adoption["target"], adoption["unit"]) == (
        "key_feature_adoption_rate",
        0.6,
        "ratio",
    )
    assert adoption["due_date"] == "2026-03-05"  # 90 days after onboarding_start
    assert (roi["metric"], roi["target"], roi["due_date"]) == ("roi_percentage", 100, "2026-12-05")
    assert [(m["title"], m["status"], m["due_date"]) for m in plan["milestones"]] == [
        ("Onboarding kickoff", "planned", "2025-12-05")
    ]
    assert SuccessPlan.objects.get(customer=customer).plan_id == plan["plan_id"]

    task = body["check_in_task"]
    due = timezone.make_aware(datetime.combine(date(2025, 12, 12), time(9)))
    assert datetime.fromisoformat(task["due_at"]) == due
    assert (task["kind"], task["owner"]) == ("check_in", "sarah.smith@company.com")
    assert Task.objects.get(customer=customer).task_id == task["task_id"]

    csm = body["success_manager"]
    assert (csm["email"], csm["assigned_accounts"], csm["over_capacity"]) == (
        "sarah.smith@company.com",
        1,
        False,
    )
    # A new customer: no usage, no key features, no health yet (null with a reason).
    baseline = body["baseline"]
    assert baseline["licensed_seats"] == 0
    assert baseline["seat_utilisation"] is None
    assert baseline["health_score"] is None
    assert baseline["health_reason"]

    event = Event.objects.get(type="handoff.completed")
    assert event.customer_id == "cust_12345"
    assert event.data["handoff_id"] == body["handoff_id"]
    assert event.data["contract_id"] == contract["contract_id"]
    history = LifecycleChange.objects.filter(customer=customer)
    assert [(h.to_stage, h.source) for h in history] == [("onboarding", "handoff")]

    read = api.get(SPEC_URL)
    assert read.status_code == 200
    # The read-out is the POST answer plus what changed since handoff (null in the POST).
    assert body["since_handoff"] is None
    since = read.json().pop("since_handoff")
    assert read.json() | {"since_handoff": None} == body
    assert since["change"]["usage_events_30d"] == 0  # no usage then, none now


def test_an_existing_customer_is_used_and_moved_to_onboarding(api: APIClient, sarah: Any) -> None:
    customer = CustomerFactory.create(customer_id="cust_12345", lifecycle_stage="adoption")
    StakeholderFactory.create(customer=customer, email="john.doe@company.com", role="CTO")
    contract = ContractFactory.create(customer=customer, contract_id="ctr_crm_1", value=150000)
    body = spec_request(
        seats=250,
        handoff_data__contract_id="ctr_crm_1",
        handoff_data__success_criteria=["adoption_target", "executive_alignment"],
    )
    response = api.post(SPEC_URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer_created"] is False
    assert data["contract"]["contract_id"] == "ctr_crm_1"
    assert Contract.objects.filter(customer=customer).count() == 1  # used, not duplicated
    customer.refresh_from_db()
    assert (customer.licensed_seats, customer.lifecycle_stage) == (250, "onboarding")
    assert data["baseline"]["licensed_seats"] == 250
    stakeholder = Stakeholder.objects.get(customer=customer)
    assert stakeholder.role == "CTO"  # kept as it was
    qualitative = data["success_plan"]["objectives"][1]
    assert qualitative == {
        "criterion": "executive_alignment",
        "title": "executive alignment",
        "measurable": False,
        "metric": None,
        "target": None,
        "baseline": None,
        "unit": None,
        "due_date": None,
    }
    change = LifecycleChange.objects.filter(customer=customer, source="handoff").get()
    assert (change.from_stage, change.to_stage) == ("adoption", "onboarding")
    assert data["handoff_id"] in change.reason
    assert contract.pk == Handoff.objects.get().contract_id


def test_a_second_handoff_is_409_naming_the_first(api: APIClient, sarah: Any) -> None:
    first = api.post(SPEC_URL, SPEC_REQUEST, format="json").json()
    again = api.post(SPEC_URL, spec_request(handoff_data__deal_value=1), format="json")
    error = assert_error(again, 409, "handoff_exists")
    assert again.json()["handoff_id"] == first["handoff_id"]
    assert first["handoff_id"] in error["detail"]
    assert Handoff.objects.count() == 1
    assert Contract.objects.count() == 1
    assert SuccessPlan.objects.count() == 1
    assert Task.objects.count() == 1


def test_the_same_idempotency_key_replays_the_201(api: APIClient, sarah: Any) -> None:
    first = api.post(SPEC_URL, SPEC_REQUEST, format="json", HTTP_IDEMPOTENCY_KEY="ho-1")
    replay = api.post(SPEC_URL, SPEC_REQUEST, format="json", HTTP_IDEMPOTENCY_KEY="ho-1")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Handoff.objects.count() == 1
    other = api.post(
        SPEC_URL,
        spec_request(handoff_data__deal_value=1),
        format="json",
        HTTP_IDEMPOTENCY_KEY="ho-1",
    )
    assert other.status_code == 422


def test_over_capacity_is_accepted_with_a_warning(api: APIClient) -> None:
    csm = TeamMemberFactory.create(email="sarah.smith@company.com", capacity=1)
    CustomerFactory.create(success_manager=csm)
    response = api.post(SPEC_URL, SPEC_REQUEST, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [w["code"] for w in body["warnings"]] == ["csm_over_capacity"]
    assert "2 active accounts" in body["warnings"][0]["detail"]
    assert body["success_manager"]["over_capacity"] is True
    assert Customer.objects.get(customer_id="cust_12345").success_manager == csm


def test_a_given_name_segment_and_contract_terms_are_used(api: APIClient, sarah: Any) -> None:
    body = spec_request(
        name="Acme",
        segment="enterprise",
        seats=40,
        handoff_data__contract_terms="monthly",
        handoff_data__deal_value=1000,
    )
    data = api.post(SPEC_URL, body, format="json").json()
    customer = Customer.objects.get(customer_id="cust_12345")
    assert (customer.name, customer.segment, customer.licensed_seats) == ("Acme", "enterprise", 40)
    contract = data["contract"]
    # monthly = 1_month: Dec 5 to Jan 4, annual value 1000 x 12 / 1.
    assert (contract["term"], contract["end_date"], contract["annual_value"]) == (
        "1_month",
        "2026-01-04",
        12000,
    )
    assert data["handoff_data"]["contract_terms"] == "monthly"


def test_get_of_a_customer_without_handoff_is_404(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    assert_error(api.get(URL.format("c1")), 404, "handoff_not_found")
    assert_error(api.get(URL.format("nobody")), 404, "handoff_not_found")


def test_scopes(make_client: MakeClient, sarah: Any) -> None:
    reader = make_client("sales:read")
    writer = make_client("sales:write")
    other = make_client("customers:read", "customers:write", "finance:write")
    assert reader.post(SPEC_URL, SPEC_REQUEST, format="json").status_code == 403
    assert other.post(SPEC_URL, SPEC_REQUEST, format="json").status_code == 403
    assert not Customer.objects.exists()
    assert writer.post(SPEC_URL, SPEC_REQUEST, format="json").status_code == 201
    assert reader.get(SPEC_URL).status_code == 200
    assert other.get(SPEC_URL).status_code == 403
    assert APIClient().get(SPEC_URL).status_code == 401


def test_get_runs_a_fixed_number_of_queries(
    api: APIClient, sarah: Any, django_assert_max_num_queries: Any
) -> None:
    criteria = [f"criterion_{n}" for n in range(20)]
    body = spec_request(
        handoff_data__success_criteria=criteria,
        handoff_data__key_stakeholders=[f"p{n}@client.example" for n in range(50)],
    )
    assert api.post(SPEC_URL, body, format="json").status_code == 201
    # key + handoff + plan, milestones + CSM load + today's measures (usage, key features and
    # their adoption, health)
    with django_assert_max_num_queries(12):
        response = api.get(SPEC_URL)
    assert len(response.json()["success_plan"]["objectives"]) == 20


def test_plans_milestones_count(api: APIClient, sarah: Any) -> None:
    api.post(SPEC_URL, SPEC_REQUEST, format="json")
    assert Milestone.objects.count() == 1


def test_post_queries_do_not_grow_with_the_stakeholders(api: APIClient, sarah: Any) -> None:
    """50 stakeholders (the maximum) took three queries each (a savepoint, the insert, its
    release): about 330 ms on the demo server. One insert for all of them."""
    StakeholderFactory.create(customer=CustomerFactory.create(customer_id="cust_a"), email="k@x.io")
    counts = []
    for customer_id, emails in [
        ("cust_a", ["k@x.io"]),
        ("cust_b", ["k@x.io", *(f"p{n}@client.example" for n in range(49))]),
    ]:
        body = spec_request(customer_id=customer_id, handoff_data__key_stakeholders=emails)
        with CaptureQueriesContext(connection) as queries:
            assert api.post(URL.format(customer_id), body, format="json").status_code == 201
        counts.append(len(queries))
    # A new customer: its insert, its lifecycle row and its history row; new stakeholders:
    # one read back and one INSERT of their history rows (README "History"), whatever their
    # number.
    assert counts[1] <= counts[0] + 5, counts
    assert Stakeholder.objects.filter(customer__customer_id="cust_b").count() == 50
    assert Stakeholder.objects.filter(customer__customer_id="cust_a").count() == 1
