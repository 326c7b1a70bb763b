"""Services raise domain errors (no DRF types); the API, the admin and tasks each map them.

The API mapping keeps the published bodies: status per kind, `type`, `code`, `detail`, `attr`
and any extra member (a workflow's measured conditions)."""

import importlib
import inspect
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.models import Customer
from integrations.bulk import BulkValidationError
from integrations.domain_errors import Conflict, DomainError, Invalid, NotFound, Unprocessable
from integrations.formatting import STATUS_BY_KIND, status_of
from operations import services as ops_services
from operations.models import WorkflowStepRun
from operations.workflows import engine, registry
from tests.admin_forms import admin_form_data
from tests.customers.factories import CustomerFactory
from tests.support.errors import assert_error

ERROR_MODULES = ["customers.errors", "product.errors", "operations.errors", "finance.errors"]


def _domain_error_classes() -> list[type[Exception]]:
    found: list[type[Exception]] = []
    for name in ERROR_MODULES:
        module = importlib.import_module(name)
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj)
            and issubclass(obj, Exception)
            and obj.__module__ == module.__name__
        ]
    return found


@pytest.mark.parametrize("error", _domain_error_classes(), ids=lambda c: c.__name__)
def test_every_app_error_is_a_domain_error_with_a_status(error: type[Exception]) -> None:
    assert issubclass(error, DomainError), f"{error.__name__} must subclass DomainError"
    assert error.default_code not in ("error", ""), f"{error.__name__} needs a stable code"
    assert any(kind in STATUS_BY_KIND for kind in error.__mro__)


def test_status_per_kind() -> None:
    statuses = [status_of(e) for e in (NotFound(), Conflict(), Invalid(), Unprocessable())]
    assert statuses == [404, 409, 400, 422]
    assert status_of(BulkValidationError([])) == 400


def test_a_selector_raises_a_domain_error(db: None) -> None:
    with pytest.raises(NotFound) as raised:
        customer_selectors.customer_get("nobody")
    assert (raised.value.code, raised.value.message) == (
        "customer_not_found",
        "No customer with this customer_id.",
    )


def test_a_field_refusal_keeps_its_attr_in_the_api_body(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1", status="active")
    response = api.patch(
        "/api/v1/customers/c1", {"churned_at": "2026-01-01T00:00:00Z"}, format="json"
    )
    error = assert_error(response, 400, "invalid", "churned_at")
    assert response.json()["type"] == "validation_error"
    assert error["detail"] == "churned_at requires status 'churned'."


def test_a_conflict_is_a_409_client_error(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    body = {"customer_id": "c1", "name": "x", "segment": "enterprise"}
    response = api.post("/api/v1/customers", body, format="json")
    assert_error(response, 409, "customer_exists")
    assert response.json()["type"] == "client_error"


def test_a_service_refusal_is_an_admin_message(admin_client: Client, monkeypatch: Any) -> None:
    customer = CustomerFactory.create(customer_id="c1", name="Acme")

    def refuse(**kwargs: Any) -> Any:
        raise Conflict("Somebody changed this customer meanwhile.", code="stale")

    monkeypatch.setattr(customer_services, "customer_update", refuse)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    response = admin_client.post(url, {**admin_form_data(admin_client, url), "name": "Renamed"})
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Somebody changed this customer meanwhile." in messages
    assert Customer.objects.get(pk=customer.pk).name == "Acme"


def test_a_domain_error_in_a_step_is_recorded_as_the_steps_error(
    db: None, settings: Any, monkeypatch: Any
) -> None:
    settings.CS_HUB_WORKFLOW_RETRY_BASE_SECONDS = 3600

    def refusing(ctx: registry.StepContext) -> dict[str, Any]:
        raise Invalid("No owner to notify.", code="no_owner", attr="csm")

    monkeypatch.setitem(
        registry._steps, "notify_account_team", registry.Step("notify_account_team", refusing, "")
    )
    customer = CustomerFactory.create()
    run = engine.workflow_start(
        customer=customer,
        workflow_type="check",
        trigger_conditions={},
        steps=["notify_account_team"],
        force=True,
    )
    step = WorkflowStepRun.objects.get(run=run)
    assert engine.step_execute(step.pk).startswith("failed: retry")  # what the task calls
    step.refresh_from_db()
    assert (step.status, step.attempts) == ("pending", 1)  # recorded, retried later
    assert step.last_error == "no_owner: csm: No owner to notify."


def test_ops_services_raise_no_drf_types() -> None:
    """Belt and braces to the import-linter contract: the errors are plain exceptions."""
    for error in _domain_error_classes():
        assert not any(k.__module__.startswith("rest_framework") for k in error.__mro__)
    assert ops_services  # the module imports without DRF's exception types
