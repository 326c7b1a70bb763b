"""Status and lifecycle stage always agree: stage `churned` ⇔ status `churned`, on create,
PATCH, bulk and the admin; reactivation moves the stage to `onboarding` through the normal
stage-change path; a request contradicting itself is refused."""

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from customers import services
from customers.models import Customer, LifecycleChange
from integrations.models import Event
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"
BASE = {"name": "Acme", "segment": "enterprise"}


def _assert_consistent(customer_id: str) -> Customer:
    customer = Customer.objects.get(customer_id=customer_id)
    assert (customer.status == "churned") == (customer.lifecycle_stage == "churned")
    assert (customer.churned_at is not None) == (customer.status == "churned")
    last = LifecycleChange.objects.filter(customer=customer).order_by("-changed_at", "-pk")[0]
    assert last.to_stage == customer.lifecycle_stage
    return customer


def _churned(api: Any, customer_id: str = "c1") -> None:
    body = {"customer_id": customer_id, **BASE, "status": "churned"}
    assert api.post(URL, body, format="json").status_code == 201


def _codes(response: Any) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def test_reactivating_moves_the_stage_to_onboarding_with_history_and_event(api: APIClient) -> None:
    _churned(api)
    response = api.patch(f"{URL}/c1", {"status": "active"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["lifecycle_stage"]) == (
        "active",
        "onboarding",
    )
    customer = _assert_consistent("c1")
    last = LifecycleChange.objects.filter(customer=customer).latest("changed_at")
    assert (last.from_stage, last.to_stage) == ("churned", "onboarding")
    event = Event.objects.filter(type="customer.lifecycle_changed").latest("id")
    assert (event.data["from_stage"], event.data["to_stage"]) == ("churned", "onboarding")


def test_a_churned_stage_implies_a_churned_status(api: APIClient) -> None:
    api.post(URL, {"customer_id": "c1", **BASE}, format="json")
    response = api.patch(f"{URL}/c1", {"lifecycle_stage": "churned"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "churned"
    _assert_consistent("c1")
    # and a stage that is not churned reactivates
    response = api.patch(f"{URL}/c1", {"lifecycle_stage": "onboarding"}, format="json")
    assert (response.json()["status"], response.json()["lifecycle_stage"]) == (
        "active",
        "onboarding",
    )
    _assert_consistent("c1")


def test_create_with_a_churned_stage_is_churned(api: APIClient) -> None:
    body = {"customer_id": "c1", **BASE, "lifecycle_stage": "churned"}
    response = api.post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "churned"
    _assert_consistent("c1")


@pytest.mark.parametrize(
    "body",
    [
        {"status": "active", "lifecycle_stage": "churned"},
        {"status": "churned", "lifecycle_stage": "adoption"},
    ],
)
def test_a_contradiction_is_400_and_writes_nothing(api: APIClient, body: dict[str, Any]) -> None:
    response = api.post(URL, {"customer_id": "c1", **BASE, **body}, format="json")
    assert response.status_code == 400
    assert _codes(response) == ["status_stage_mismatch"]
    assert not Customer.objects.exists()
    api.post(URL, {"customer_id": "c1", **BASE}, format="json")
    response = api.patch(f"{URL}/c1", body, format="json")
    assert response.status_code == 400
    assert _codes(response) == ["status_stage_mismatch"]
    assert _assert_consistent("c1").status == "active"


def test_bulk_keeps_status_and_stage_in_agreement(api: APIClient) -> None:
    bulk = f"{URL}/bulk"
    item = {"customer_id": "c1", **BASE}
    assert (
        api.post(bulk, [{**item, "lifecycle_stage": "churned"}], format="json").status_code == 200
    )
    assert _assert_consistent("c1").status == "churned"
    assert api.post(bulk, [{**item, "status": "active"}], format="json").json()["updated"] == 1
    customer = _assert_consistent("c1")
    assert customer.lifecycle_stage == "onboarding"
    last = LifecycleChange.objects.filter(customer=customer).latest("changed_at")
    assert (last.from_stage, last.source) == ("churned", "import")
    response = api.post(
        bulk,
        [{**item, "status": "active", "lifecycle_stage": "churned"}, {**item, "customer_id": "c2"}],
        format="json",
    )
    assert response.status_code == 400
    assert [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]] == [
        (0, "lifecycle_stage", "status_stage_mismatch")
    ]
    assert not Customer.objects.filter(customer_id="c2").exists()


def test_admin_status_only_reactivation_moves_the_stage(
    client: Any, admin_user: Any, api: APIClient
) -> None:
    client.force_login(admin_user)
    _churned(api)
    customer = Customer.objects.get()
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    data = admin_form_data(client, url)
    assert client.post(url, {**data, "status": "active", "churned_at_0": "", "churned_at_1": ""})
    customer = _assert_consistent("c1")
    assert (customer.status, customer.lifecycle_stage) == ("active", "onboarding")
    assert LifecycleChange.objects.filter(customer=customer).latest("changed_at").source == "admin"


def test_any_sequence_keeps_them_in_agreement(api: APIClient) -> None:
    _churned(api)
    steps: list[dict[str, str]] = [
        {"status": "active"},
        {"lifecycle_stage": "adoption"},
        {"status": "churned"},
        {"lifecycle_stage": "onboarding"},
        {"lifecycle_stage": "churned"},
        {"status": "active", "lifecycle_stage": "onboarding"},
        {"lifecycle_stage": "at_risk"},
        {"status": "churned", "lifecycle_stage": "churned"},
    ]
    for step in steps:
        assert api.patch(f"{URL}/c1", step, format="json").status_code == 200, step
        _assert_consistent("c1")
    services.customer_update(customer=Customer.objects.get(), data={"status": "active"})
    _assert_consistent("c1")
