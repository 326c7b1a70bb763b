"""The schemathesis fuzz again, on a seeded demo company (DESIGN.md section 2: responses match
the schema on real data). Path parameters are real ids from the seed, so detail endpoints,
lists with fuzzed filters and writes to existing records answer 2xx and their bodies are
checked, not only the error responses that random ids get.

The demo is seeded once for the module; every case runs in a transaction that is rolled
back, so each operation sees the same data. As in Django's test client, requests must not
close the connection that holds that transaction.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from customers.models import Customer, Milestone, Stakeholder, SuccessPlan, TeamMember
from finance.models import Contract, ExpansionOpportunity, Forecast, Invoice, ValueRecord
from finance.services import forecast_submit
from integrations.events import publish, relay_pending
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES
from marketing.models import Campaign
from operations.models import Alert, Escalation, SupportTicket, SurveyResponse, Task, WorkflowRun
from product.models import Feature, Feedback
from tests.test_schema_fuzz import _not_a_server_error, flush_and_reseed, schema
from tests.test_schema_responses import _campaign, _forecast, _last_quarter
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookDelivery

# The model and field behind each path parameter ({email} depends on the path).
SOURCES: dict[str, tuple[Any, str]] = {
    "customer_id": (Customer, "customer_id"),
    "contract_id": (Contract, "contract_id"),
    "invoice_id": (Invoice, "invoice_id"),
    "opportunity_id": (ExpansionOpportunity, "opportunity_id"),
    "record_id": (ValueRecord, "record_id"),
    "alert_id": (Alert, "alert_id"),
    "escalation_id": (Escalation, "escalation_id"),
    "response_id": (SurveyResponse, "response_id"),
    "task_id": (Task, "task_id"),
    "ticket_id": (SupportTicket, "ticket_id"),
    "run_id": (WorkflowRun, "run_id"),
    "feature_id": (Feature, "feature_id"),
    "feedback_id": (Feedback, "feedback_id"),
    "email": (TeamMember, "email"),
    "forecast_id": (Forecast, "forecast_id"),
    "campaign_id": (Campaign, "campaign_id"),
}


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock():
        call_command("seed_demo", "--customers", "30", "--health-weeks", "4", "--no-progress")
        # One customer with stakeholders, so /stakeholders/{email} names a real one.
        customer = Customer.objects.exclude(stakeholders=None).order_by("customer_id").first()
        assert customer is not None
        # The demo seeds no forecast yet: one, for a quarter that is over.
        forecast_submit(body=_forecast(customer.customer_id, _last_quarter()))
        _campaign()  # the demo seeds no campaign: one over every company segment
        values = {
            name: model.objects.order_by("pk").values_list(field, flat=True).first()
            for name, (model, field) in SOURCES.items()
        }
        values["customer_id"] = customer.customer_id
        stakeholder = Stakeholder.objects.filter(customer=customer).first()
        assert stakeholder is not None
        values["stakeholder"] = stakeholder.email
        # The customer's plan and one of its milestones (the success-plan paths nest them).
        plan = SuccessPlan.objects.filter(customer=customer).exclude(milestones=None).first()
        assert plan is not None
        values["plan_id"] = plan.plan_id
        values["milestone_id"] = (
            Milestone.objects.filter(plan=plan).values_list("milestone_id", flat=True).first()
        )
        assert all(values.values()), values
        _, values["key"] = ApiKey.objects.create_key(name="fuzz", scopes=list(ALL_SCOPES))
        # The key's webhook endpoint (other keys' are 404) and a delivery: the event is relayed
        # on commit; its one attempt fails fast (nothing listens on port 9) and waits to retry.
        hook = endpoint_for(values["key"], "whe_fuzz", url="http://127.0.0.1:9/hook")
        # Events the seed left pending (PostgreSQL relays on commit, not eagerly) fan out to the
        # endpoint too: take the delivery of this event.
        event = publish("customer.created", customer_id=customer.customer_id, data={})
        relay_pending()
        values["endpoint_id"] = hook.endpoint_id
        values["delivery_id"] = WebhookDelivery.objects.get(endpoint=hook, event=event).delivery_id
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield values
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    with django_db_blocker.unblock():
        flush_and_reseed()


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_on_seeded_data(case: Any, seeded: Any, db: None) -> None:
    for name in case.path_parameters or {}:
        stakeholder = name == "email" and "/stakeholders/" in case.path
        assert name in seeded, f"{case.path}: add a seeded value for {{{name}}} to SOURCES"
        case.path_parameters[name] = seeded["stakeholder" if stakeholder else name]
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {seeded['key']}"},
        checks=[_not_a_server_error, response_schema_conformance, status_code_conformance],
    )
