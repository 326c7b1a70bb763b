"""Success plans and milestones under /api/v1/customers/{customer_id}/success-plans: listed,
read, and a milestone's status and achieved date updated through customers' service."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, Milestone, SuccessPlan
from tests.admin_forms import admin_form_data, change_url
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.support.errors import assert_error

from .helpers import SPEC_REQUEST, URL

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/customers/{}/success-plans"


@pytest.fixture
def handed_off(api: APIClient) -> dict[str, Any]:
    TeamMemberFactory.create(email="sarah.smith@company.com")
    response = api.post(URL.format("cust_12345"), SPEC_REQUEST, format="json")
    assert response.status_code == 201
    plan: dict[str, Any] = response.json()["success_plan"]
    return plan


def _milestone_url(plan: dict[str, Any]) -> str:
    milestone = plan["milestones"][0]["milestone_id"]
    return f"{PLANS.format('cust_12345')}/{plan['plan_id']}/milestones/{milestone}"


def test_list_and_retrieve(api: APIClient, handed_off: dict[str, Any]) -> None:
    listed = api.get(PLANS.format("cust_12345")).json()["results"]
    assert [p["plan_id"] for p in listed] == [handed_off["plan_id"]]
    assert listed[0]["objectives"] == handed_off["objectives"]
    assert listed[0]["milestones"] == handed_off["milestones"]
    detail = api.get(f"{PLANS.format('cust_12345')}/{handed_off['plan_id']}")
    assert detail.json()["plan_id"] == handed_off["plan_id"]
    assert_error(api.get(f"{PLANS.format('cust_12345')}/sp_nope"), 404, "success_plan_not_found")
    assert_error(api.get(PLANS.format("nobody")), 404, "customer_not_found")


def test_a_plan_of_another_customer_is_not_found(api: APIClient, handed_off: Any) -> None:
    CustomerFactory.create(customer_id="other")
    url = f"{PLANS.format('other')}/{handed_off['plan_id']}"
    assert_error(api.get(url), 404, "success_plan_not_found")


def test_bare_objective_names_read_as_qualitative_objectives(api: APIClient) -> None:
    customer = CustomerFactory.create(customer_id="c1")
    SuccessPlan.objects.create(customer=customer, title="Old plan", objectives=["roi_target"])
    plan = api.get(PLANS.format("c1")).json()["results"][0]
    assert plan["objectives"] == [
        {
            "criterion": "roi_target",
            "title": "roi target",
            "measurable": False,
            "metric": None,
            "target": None,
            "baseline": None,
            "unit": None,
            "due_date": None,
        }
    ]


def test_patch_a_milestone_achieved(api: APIClient, handed_off: dict[str, Any]) -> None:
    url = _milestone_url(handed_off)
    response = api.patch(url, {"status": "achieved"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["achieved_on"] == timezone.localdate().isoformat()  # default today
    response = api.patch(url, {"achieved_on": "2025-12-08"}, format="json")
    assert (response.json()["status"], response.json()["achieved_on"]) == ("achieved", "2025-12-08")
    milestone = Milestone.objects.get()
    assert milestone.achieved_on == date(2025, 12, 8)
    response = api.patch(url, {"status": "in_progress"}, format="json")
    assert (response.json()["status"], response.json()["achieved_on"]) == ("in_progress", None)


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({"achieved_on": "2025-12-08"}, "achieved_on", "achieved_on_without_achieved"),
        ({"status": "missed", "achieved_on": "2025-12-08"}, "achieved_on", None),
        ({"status": "done"}, "status", "invalid_choice"),
        ({"status": 1}, "status", "invalid"),
        ({"achieved_on": "yesterday"}, "achieved_on", "invalid"),
        ({"title": "renamed"}, "title", "unknown_field"),
        ({"status": "achieved\x00"}, "status", "invalid_characters"),
    ],
)
def test_invalid_milestone_patches_are_400(
    api: APIClient, handed_off: dict[str, Any], body: dict[str, Any], attr: str, code: str | None
) -> None:
    response = api.patch(_milestone_url(handed_off), body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["attr"] == attr
    if code:
        assert error["code"] == code
    assert Milestone.objects.get().status == "planned"


def test_achieved_on_in_the_future_is_400(api: APIClient, handed_off: dict[str, Any]) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api.patch(
        _milestone_url(handed_off), {"status": "achieved", "achieved_on": tomorrow}, format="json"
    )
    assert_error(response, 400, "date_in_future", "achieved_on")


def test_unknown_milestone_is_404(api: APIClient, handed_off: dict[str, Any]) -> None:
    url = f"{PLANS.format('cust_12345')}/{handed_off['plan_id']}/milestones/ms_nope"
    assert_error(api.patch(url, {"status": "achieved"}, format="json"), 404, "milestone_not_found")


def test_scopes(make_client: MakeClient, handed_off: dict[str, Any]) -> None:
    reader, sales = make_client("customers:read"), make_client("sales:read", "sales:write")
    url = _milestone_url(handed_off)
    assert reader.get(PLANS.format("cust_12345")).status_code == 200
    assert reader.patch(url, {"status": "achieved"}, format="json").status_code == 403
    assert sales.get(PLANS.format("cust_12345")).status_code == 403
    writer = make_client("customers:write")
    assert writer.patch(url, {"status": "achieved"}, format="json").status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(
    api: APIClient, django_assert_max_num_queries: Any
) -> None:
    customer: Customer = CustomerFactory.create(customer_id="c1")
    for n in range(30):
        plan = SuccessPlan.objects.create(customer=customer, title=f"P{n}", objectives=["a"])
        Milestone.objects.bulk_create([Milestone(plan=plan, title=f"M{k}") for k in range(3)])
    with django_assert_max_num_queries(6):  # key, customer, plans page, milestones
        response = api.get(PLANS.format("c1"), {"page_size": 50})
    assert len(response.json()["results"]) == 30


def test_the_admin_edits_milestones_through_the_service(staff: Any, handed_off: Any) -> None:
    milestone = Milestone.objects.get()
    url = change_url(milestone)
    data = admin_form_data(staff, url)
    response = staff.post(url, {**data, "achieved_on": "2025-12-08"})  # status still planned
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("achieved_on is set only for status 'achieved'" in m for m in messages), messages
    milestone.refresh_from_db()
    assert milestone.achieved_on is None
    response = staff.post(url, {**data, "status": "achieved"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.achieved_on) == ("achieved", timezone.localdate())

    plan = SuccessPlan.objects.get()
    plan_url = change_url(plan)
    data = admin_form_data(staff, plan_url)
    response = staff.post(plan_url, {**data, "milestones-0-status": "in_progress"})
    assert response.status_code == 302, response.content[:500]
    milestone.refresh_from_db()
    assert (milestone.status, milestone.achieved_on) == ("in_progress", None)  # date cleared
