"""The handoff admin: a searchable, filterable list and a read-only page with the baseline."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from sales.models import Handoff
from tests.customers.factories import TeamMemberFactory

from .helpers import SPEC_REQUEST, URL

pytestmark = pytest.mark.django_db

ADMIN = "/admin/sales/handoff/"


@pytest.fixture
def handoff(api: APIClient) -> Handoff:
    TeamMemberFactory.create(email="sarah.smith@company.com")
    assert api.post(URL.format("cust_12345"), SPEC_REQUEST, format="json").status_code == 201
    return Handoff.objects.get()


def test_the_list_searches_and_filters(staff: Any, handoff: Handoff) -> None:
    for query in [
        {},
        {"q": "cust_12345"},
        {"q": "budget confirmed"},
        {"contract_terms": "3_year"},
        {"customer__segment": "mid_market"},
        {"success_manager__id__exact": str(handoff.success_manager_id)},
    ]:
        response = staff.get(ADMIN, query)
        assert response.status_code == 200, query
        assert handoff.handoff_id in response.content.decode(), query
    assert handoff.handoff_id not in staff.get(ADMIN, {"q": "nobody"}).content.decode()


def test_the_detail_is_read_only_and_shows_the_baseline(staff: Any, handoff: Handoff) -> None:
    page = staff.get(f"{ADMIN}{handoff.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Baseline at handoff" in text
    assert "no licensed seats" in text  # a new customer: seat utilisation has no base
    assert 'name="_save"' not in text
    assert staff.post(f"{ADMIN}{handoff.pk}/change/", {}).status_code == 403
    assert staff.get(f"{ADMIN}add/").status_code == 403


def test_a_handoff_cannot_be_deleted(staff: Any, handoff: Handoff, api: APIClient) -> None:
    """Deleting the row would let a second handoff through (the 409 reads it): another
    contract, plan and check-in task for a customer already started."""
    assert staff.post(f"{ADMIN}{handoff.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [handoff.pk], "post": "yes"}
    staff.post(ADMIN, bulk)
    assert Handoff.objects.count() == 1
    assert api.post(URL.format("cust_12345"), SPEC_REQUEST, format="json").status_code == 409
    assert 'class="deletelink"' not in staff.get(f"{ADMIN}{handoff.pk}/change/").content.decode()
    # Deleting the customer still takes its handoff along (a cascade, not refused).
    customer = f"/admin/customers/customer/{handoff.customer_id}/delete/"
    assert staff.post(customer, {"post": "yes"}).status_code == 302
    assert not Handoff.objects.exists()
