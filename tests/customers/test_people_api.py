from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Stakeholder
from customers.services import stakeholders_add
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory


def test_stakeholders_crud(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    url = "/api/v1/customers/c1/stakeholders"
    body = {"email": "John.Doe@Client.com", "name": "John Doe", "role": "CTO", "is_champion": True}
    created = api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["email"] == "john.doe@client.com"
    assert created.json()["is_executive_sponsor"] is False
    assert api.post(url, body, format="json").status_code == 409
    listed = api.get(url).json()["results"]
    assert [s["email"] for s in listed] == ["john.doe@client.com"]
    detail = f"{url}/john.doe@client.com"
    patched = api.patch(detail, {"is_executive_sponsor": True}, format="json")
    assert patched.json()["is_executive_sponsor"] is True
    assert patched.json()["is_champion"] is True
    assert api.get(f"{url}/JOHN.DOE@client.com/").json()["name"] == "John Doe"
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404
    assert api.get(detail).json()["errors"][0]["code"] == "stakeholder_not_found"


def test_stakeholders_are_per_customer_and_validated(api: APIClient) -> None:
    StakeholderFactory(customer=CustomerFactory(customer_id="other"), email="x@client.com")
    CustomerFactory(customer_id="c1")
    assert api.get("/api/v1/customers/c1/stakeholders/x@client.com").status_code == 404
    assert api.get("/api/v1/customers/nobody/stakeholders").status_code == 404
    bad = api.post(
        "/api/v1/customers/c1/stakeholders",
        {"email": "not-an-email", "is_champion": "perhaps"},
        format="json",
    )
    assert bad.status_code == 400
    attrs = {e["attr"] for e in bad.json()["errors"]}
    assert attrs == {"email", "is_champion"}


def test_team_members_crud_with_assigned_accounts(api: APIClient) -> None:
    body = {
        "email": "Sarah.Smith@company.com",
        "name": "Sarah Smith",
        "capacity": 40,
        "skills": ["Enterprise", "onboarding", "enterprise"],
    }
    created = api.post("/api/v1/team-members", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["skills"] == ["enterprise", "onboarding"]
    assert created.json()["assigned_accounts"] == 0
    assert api.post("/api/v1/team-members", body, format="json").status_code == 409
    from customers.models import TeamMember

    csm = TeamMember.objects.get()
    CustomerFactory.create_batch(3, success_manager=csm)
    CustomerFactory(success_manager=csm, status="churned", lifecycle_stage="churned")
    url = "/api/v1/team-members/sarah.smith@company.com"
    assert api.get(url).json()["assigned_accounts"] == 3
    patched = api.patch(url, {"capacity": 60, "active": False}, format="json")
    assert (patched.json()["capacity"], patched.json()["active"]) == (60, False)
    assert (
        api.get("/api/v1/team-members", {"active": "false"}).json()["results"][0]["email"]
        == "sarah.smith@company.com"
    )
    assert api.get("/api/v1/team-members", {"skill": "enterprise"}).json()["results"]
    assert api.get("/api/v1/team-members", {"skill": "finance"}).json()["results"] == []
    assert api.get("/api/v1/team-members/nobody@company.com").status_code == 404


def test_team_member_validation(api: APIClient) -> None:
    response = api.post(
        "/api/v1/team-members",
        {"email": "a@b.co", "name": "A", "capacity": -1, "skills": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"capacity", "skills"}
    response = api.patch("/api/v1/team-members/a@b.co", {"email": "b@b.co"}, format="json")
    assert response.status_code == 404
    TeamMemberFactory(email="a@b.co")
    response = api.patch("/api/v1/team-members/a@b.co", {"email": "b@b.co"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "unknown_field"


def test_team_member_list_query_count_is_bounded(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for csm in TeamMemberFactory.create_batch(10):
        CustomerFactory.create_batch(2, success_manager=csm)
    with django_assert_max_num_queries(3):
        results = api.get("/api/v1/team-members").json()["results"]
    assert [r["assigned_accounts"] for r in results] == [2] * 10


def test_stakeholders_add_is_one_insert_and_keeps_the_known_ones(
    db: None, django_assert_num_queries: Any
) -> None:
    """One INSERT of stakeholders; the known ones read first, the new ones read back and
    their history written in one INSERT (README "History"), inside a savepoint (2 more)."""
    customer = CustomerFactory.create(customer_id="c1")
    StakeholderFactory(customer=customer, email="known@client.com", name="Known", role="CFO")
    with django_assert_num_queries(6):
        stakeholders_add(
            customer=customer, emails=["Known@Client.com", "new@client.com", "New@client.com"]
        )
    rows = Stakeholder.objects.filter(customer=customer).order_by("email")
    assert [(s.email, s.name, s.role) for s in rows] == [
        ("known@client.com", "Known", "CFO"),
        ("new@client.com", "", ""),
    ]


@pytest.mark.django_db
def test_milestones_add_follows_the_achieved_date_rules() -> None:
    """One INSERT for milestones across plans: an achieved one keeps its date (or gets
    today's), any other status carries none."""
    from customers.models import SuccessPlan
    from customers.services import milestones_add
    from integrations.clock import today

    first, second = CustomerFactory.create_batch(2)
    a = SuccessPlan.objects.create(customer=first, title="plan")
    b = SuccessPlan.objects.create(customer=second, title="plan")
    day = today() - timedelta(days=5)
    made = milestones_add(
        items=[
            (a, {"title": "kickoff", "status": "achieved", "achieved_on": day}),
            (a, {"title": "review", "status": "achieved"}),
            (b, {"title": "later", "status": "planned", "achieved_on": day}),
        ]
    )
    found = [(m.plan_id, m.achieved_on) for m in made]
    assert found == [(a.pk, day), (a.pk, today()), (b.pk, None)]
    assert all(m.milestone_id.startswith("ms_") for m in made)
