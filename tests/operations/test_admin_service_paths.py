"""Alerts and escalations edited in the admin move through the services the API's PATCH uses:
resolved_at follows the status and `escalation.resolved` is published, as in the API."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.ids import new_public_id
from integrations.models import Event
from operations.models import Alert, Escalation
from operations.workflows import incidents
from tests.admin_forms import admin_form_data, change_url, recording
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _escalation(**fields: Any) -> Escalation:
    return Escalation.objects.create(
        escalation_id=new_public_id("esc"),
        customer=CustomerFactory.create(customer_id="cust_esc"),
        owner_email="ops@vendor.example",
        reason="Exec complaint",
        opened_at=timezone.now(),
        **fields,
    )


def test_resolving_an_escalation_in_the_admin_publishes_escalation_resolved(staff: Any) -> None:
    escalation = _escalation()
    data = admin_form_data(staff, change_url(escalation))
    response = staff.post(
        change_url(escalation), {**data, "status": "resolved", "owner_email": "lead@vendor.example"}
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "resolved"
    assert escalation.owner_email == "lead@vendor.example"
    assert escalation.resolved_at is not None
    event = Event.objects.get(type="escalation.resolved")
    assert (event.customer_id, event.data) == (
        "cust_esc",
        {"escalation_id": escalation.escalation_id},
    )
    # reopening clears resolved_at and publishes nothing more
    data = admin_form_data(staff, change_url(escalation))
    staff.post(change_url(escalation), {**data, "status": "open", "severity": "critical"})
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_at, escalation.severity) == (
        "open",
        None,
        "critical",
    )
    assert Event.objects.filter(type="escalation.resolved").count() == 1


def test_the_admin_and_the_api_publish_the_same(staff: Any, api: APIClient) -> None:
    by_admin = _escalation()
    by_api = Escalation.objects.create(
        escalation_id=new_public_id("esc"),
        customer=by_admin.customer,
        owner_email="ops@vendor.example",
        reason="x",
    )
    data = admin_form_data(staff, change_url(by_admin))
    staff.post(change_url(by_admin), {**data, "status": "resolved"})
    api.patch(
        f"/api/v1/cs-ops/escalations/{by_api.escalation_id}", {"status": "resolved"}, format="json"
    )
    published = {
        e.data["escalation_id"]: (e.type, e.customer_id)
        for e in Event.objects.filter(type="escalation.resolved")
    }
    assert published == {
        by_admin.escalation_id: ("escalation.resolved", "cust_esc"),
        by_api.escalation_id: ("escalation.resolved", "cust_esc"),
    }


def test_an_escalation_added_resolved_is_published_too(staff: Any) -> None:
    customer = CustomerFactory.create(customer_id="cust_new_esc")
    response = staff.post(
        reverse("admin:operations_escalation_add"),
        {
            "customer": customer.pk,
            "owner_email": "lead@vendor.example",
            "severity": "high",
            "status": "resolved",
            "reason": "Handled on the phone",
            "opened_at_0": "2026-11-01",
            "opened_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.escalation_id.startswith("esc_")
    assert (escalation.status, escalation.resolved_at is not None) == ("resolved", True)
    assert Event.objects.get(type="escalation.resolved").customer_id == "cust_new_esc"


def test_alert_status_goes_through_alert_update(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alert = Alert.objects.create(
        alert_id=new_public_id("alr"), customer=CustomerFactory.create(), title="Call me"
    )
    calls: list[str] = []
    real = incidents.alert_update
    monkeypatch.setattr(incidents, "alert_update", recording(real, calls, lambda kw: kw["status"]))
    data = admin_form_data(staff, change_url(alert))
    response = staff.post(change_url(alert), {**data, "status": "resolved", "title": "Called"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.title, alert.resolved_at is not None) == (
        "resolved",
        "Called",
        True,
    )
    assert calls == ["resolved"]
