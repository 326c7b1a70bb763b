"""Rows that arrive by bulk ingestion (tickets, surveys, tasks, invoices, features, usage):
an admin add or edit is a one-item batch through the same upsert service, with the natural
key fixed once the row exists and, for an edit, only the changed fields sent."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from finance import admin as finance_admin
from finance.models import Invoice
from operations import admin as ops_admin
from operations.models import SupportTicket, SurveyResponse, Task
from product import admin as product_admin
from product.models import Feature, FeatureUsage
from tests.admin_forms import admin_form_data, recording
from tests.customers.factories import CustomerFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every items list any ingestion service receives from the admin."""
    seen: list[Any] = []
    for model_admin in (
        ops_admin.SupportTicketAdmin,
        ops_admin.SurveyResponseAdmin,
        ops_admin.TaskAdmin,
        finance_admin.InvoiceAdmin,
        product_admin.FeatureAdmin,
        product_admin.FeatureUsageAdmin,
    ):
        real = model_admin.ingest_service
        monkeypatch.setattr(
            model_admin, "ingest_service", recording(real, seen, lambda kw: kw["items"])
        )
    return seen


def _add(staff: Any, model: str, data: dict[str, Any]) -> Any:
    response = staff.post(reverse(f"admin:{model}_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _edit(staff: Any, model: str, pk: int, changes: dict[str, Any]) -> Any:
    url = reverse(f"admin:{model}_change", args=[pk])
    response = staff.post(url, {**admin_form_data(staff, url), **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_ticket_survey_and_task_saves_are_one_item_batches(staff: Any, batches: Any) -> None:
    customer = CustomerFactory.create(customer_id="cust_ing")
    csm = TeamMemberFactory.create(email="csm@vendor.example")
    _add(
        staff,
        "operations_supportticket",
        {
            "ticket_id": "TCK-1",
            "customer": customer.pk,
            "opened_at_0": "2026-06-01",
            "opened_at_1": "10:00:00",
            "priority": "high",
            "status": "open",
        },
    )
    ticket = SupportTicket.objects.get(ticket_id="TCK-1")
    _edit(staff, "operations_supportticket", ticket.pk, {"status": "resolved", "ticket_id": "X"})
    ticket.refresh_from_db()
    assert (ticket.ticket_id, ticket.status) == ("TCK-1", "resolved")
    assert batches[1] == [{"ticket_id": "TCK-1", "customer_id": "cust_ing", "status": "resolved"}]

    _add(
        staff,
        "operations_surveyresponse",
        {
            "response_id": "resp_1",
            "customer": customer.pk,
            "respondent_email": "a@client.example",
            "kind": "nps",
            "score": "9",
            "answered_at_0": "2026-06-01",
            "answered_at_1": "10:00:00",
        },
    )
    survey = SurveyResponse.objects.get()
    _edit(staff, "operations_surveyresponse", survey.pk, {"score": "3"})
    assert SurveyResponse.objects.get().score == 3

    _add(
        staff,
        "operations_task",
        {"task_id": "task_1", "customer": customer.pk, "kind": "check_in", "title": "Call"},
    )
    task = Task.objects.get()
    _edit(staff, "operations_task", task.pk, {"owner": csm.pk})
    assert Task.objects.get().owner == csm
    assert batches[-1] == [
        {"task_id": "task_1", "customer_id": "cust_ing", "owner_email": csm.email}
    ]
    assert len(batches) == 6


def test_invoice_feature_and_usage_saves_are_one_item_batches(staff: Any, batches: Any) -> None:
    customer = CustomerFactory.create(customer_id="cust_fin")
    _add(
        staff,
        "finance_invoice",
        {
            "invoice_id": "inv_1",
            "customer": customer.pk,
            "issued_on": "2026-06-01",
            "due_on": "2026-07-01",
            "amount": "1200",
        },
    )
    invoice = Invoice.objects.get()
    _edit(staff, "finance_invoice", invoice.pk, {"amount": "1300"})
    assert Invoice.objects.get().amount == Decimal("1300.00")

    _add(
        staff,
        "product_feature",
        {
            "feature_id": "feat_pdf",
            "name": "PDF",
            "list_price": "0",
            "adoption_threshold_days": "3",
        },
    )
    feature = Feature.objects.get()
    _edit(staff, "product_feature", feature.pk, {"name": "PDF export"})
    assert batches[-1] == [{"feature_id": "feat_pdf", "name": "PDF export"}]

    _add(
        staff,
        "product_featureusage",
        {
            "customer": customer.pk,
            "feature": feature.pk,
            "date": "2026-06-01",
            "events": "10",
            "active_users": "2",
        },
    )
    usage = FeatureUsage.objects.get()
    _edit(staff, "product_featureusage", usage.pk, {"events": "12"})
    usage = FeatureUsage.objects.get()
    assert (usage.events, usage.active_users, usage.date) == (12, 2, date(2026, 6, 1))
    assert batches[-1] == [
        {
            "customer_id": "cust_fin",
            "feature_id": "feat_pdf",
            "date": date(2026, 6, 1),
            "events": 12,
            "active_users": 2,
        }
    ]
    assert len(batches) == 6


def test_a_service_refusal_is_a_message(staff: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.bulk import BulkValidationError

    def refuse(**kwargs: Any) -> Any:
        raise BulkValidationError(
            [{"index": 0, "field": "customer_id", "code": "x", "detail": "No such customer."}]
        )

    monkeypatch.setattr(ops_admin.SupportTicketAdmin, "ingest_service", refuse)
    customer = CustomerFactory.create()
    response = staff.post(
        reverse("admin:operations_supportticket_add"),
        {
            "ticket_id": "TCK-9",
            "customer": customer.pk,
            "opened_at_0": "2026-06-01",
            "opened_at_1": "10:00:00",
            "priority": "high",
            "status": "open",
        },
    )
    assert response.status_code == 302
    assert "No such customer." in [str(m) for m in get_messages(response.wsgi_request)]
    assert not SupportTicket.objects.exists()
