"""Real responses on seeded demo data validate against the published schema.

A client generated from the schema must parse every response (DESIGN.md section 2). The
operations come from the schema itself, so a new endpoint is covered automatically: every GET
(the first page of a list, every detail), every POST and every PATCH is called with ids taken
from the seeded data, and its body is validated against the operation's declared response. A
POST or PATCH without a body in BODIES fails the test, as does a path parameter without a
value in `_param`.
"""

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from customers.choices import ALLOWED_TRANSITIONS
from customers.models import Customer, Milestone, Stakeholder, SuccessPlan, TeamMember
from finance.models import Contract, ExpansionOpportunity, Forecast, Invoice, ValueRecord
from finance.services import forecast_submit
from integrations.events import publish, relay_pending
from marketing.campaigns.services import campaign_create
from marketing.models import Campaign
from operations.models import (
    Alert,
    Escalation,
    SupportTicket,
    SurveyResponse,
    Task,
    WorkflowRun,
)
from product.models import Feature, Feedback
from sales.models import Handoff
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookDelivery

_OPENAPI_ONLY = {"nullable", "readOnly", "writeOnly", "example", "discriminator", "deprecated"}


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema object -> JSON Schema (draft 4): `nullable: true` becomes "this
    or null", and keywords JSON Schema does not know are dropped."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _OPENAPI_ONLY:
            continue
        if key == "properties":  # a map of names: a property may be called "example"
            out[key] = {name: to_json_schema(s) for name, s in value.items()}
        else:
            out[key] = to_json_schema(value)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


def schema_errors(schema: dict[str, Any], operation: dict[str, Any], response: Any) -> list[str]:
    """Why `response` does not match what `operation` declares for its status (empty: it does)."""
    declared = operation["responses"].get(str(response.status_code))
    if declared is None:
        return [f"status {response.status_code} is not declared: {response.content[:300]!r}"]
    body_schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if body_schema is None:
        return [] if not response.content else ["a body where the schema declares none"]
    root = {
        "allOf": [to_json_schema(body_schema)],
        "components": to_json_schema(schema["components"]),
    }
    validator = jsonschema.Draft4Validator(root, format_checker=FORMATS)
    # One line per distinct problem: list items are folded into `*`.
    return sorted(
        {
            f"{'/'.join('*' if isinstance(p, int) else p for p in e.absolute_path) or '<body>'}: "
            f"{e.message[:300]}"
            for e in validator.iter_errors(json.loads(response.content))
        }
    )


# --- the seeded data behind every path parameter and body --------------------------------


def _customer() -> Customer:
    """A live customer with stakeholders, health history and a workflow run."""
    customer = (
        Customer.objects.filter(status="active", workflow_runs__isnull=False)
        .exclude(stakeholders=None)
        .order_by("customer_id")
        .first()
    )
    assert customer is not None, "the demo seeds live customers with workflow runs"
    return customer


def _first(model: Any, field: str, **filters: Any) -> str:
    value = model.objects.filter(**filters).order_by("pk").values_list(field, flat=True).first()
    assert value is not None, f"the demo seeds no {model.__name__} {filters or ''}"
    return str(value)


def _plan(customer: Customer) -> SuccessPlan:
    plan = SuccessPlan.objects.filter(customer=customer).exclude(milestones=None).first()
    assert plan is not None, "the demo seeds plans with milestones"
    return plan


def _campaign() -> str:
    """A demo campaign with members, or one over every company segment: its members fill the
    members list."""
    campaign = Campaign.objects.filter(size__gt=0).order_by("pk").first() or campaign_create(
        trigger_type="health_decline",
        campaign_type="retention",
        segments=["enterprise", "mid_market", "small_business"],
    )
    return campaign.campaign_id


def _param(path: str, name: str) -> str:
    customer = _customer()
    if name == "email" and "/stakeholders/" in path:
        return _first(Stakeholder, "email", customer=customer)
    if name == "customer_id" and path.startswith("/api/v1/cs-sales/handoff/"):
        return _first(Handoff, "customer__customer_id")  # the demo's newer customers
    values: dict[str, Callable[[], str]] = {
        "customer_id": lambda: customer.customer_id,
        "email": lambda: _first(TeamMember, "email"),
        "contract_id": lambda: _first(Contract, "contract_id"),
        "invoice_id": lambda: _first(Invoice, "invoice_id"),
        "opportunity_id": lambda: _first(ExpansionOpportunity, "opportunity_id"),
        "record_id": lambda: _first(ValueRecord, "record_id"),
        "alert_id": lambda: _first(Alert, "alert_id", status="open"),
        "escalation_id": lambda: _first(Escalation, "escalation_id", status="open"),
        "response_id": lambda: _first(SurveyResponse, "response_id"),
        "task_id": lambda: _first(Task, "task_id"),
        "ticket_id": lambda: _first(SupportTicket, "ticket_id"),
        "run_id": lambda: _first(WorkflowRun, "run_id"),
        "feature_id": lambda: _first(Feature, "feature_id"),
        "feedback_id": lambda: _first(Feedback, "feedback_id", status="submitted"),
        "forecast_id": lambda: _first(Forecast, "forecast_id"),
        "endpoint_id": lambda: HOOK,
        "delivery_id": lambda: _first(WebhookDelivery, "delivery_id", endpoint__endpoint_id=HOOK),
        "plan_id": lambda: _plan(customer).plan_id,
        "milestone_id": lambda: _first(Milestone, "milestone_id", plan=_plan(customer)),
        "campaign_id": _campaign,
    }
    assert name in values, f"{path}: no seeded value for path parameter {{{name}}}: add one"
    return values[name]()


# The webhook endpoint of the test's key (another key's endpoints are 404), with a delivery.
HOOK = "whe_schema"


def _seed_webhooks(api: APIClient) -> None:
    endpoint_for(api, HOOK, event_types=["customer.*"])
    publish("customer.created", customer_id=_customer().customer_id, data={})
    relay_pending()  # the fan-out makes the delivery (nothing is sent in this test)


# Required query parameters of writes (`POST .../replay?since=`).
QUERY_VALUES: dict[str, Callable[[], str]] = {"since": lambda: _now(30)}


def _now(days: int = 0) -> str:
    return (timezone.now() - timedelta(days=days)).isoformat()


def _today(days: int = 0) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


Body = Callable[[str], Any]  # the customer_id to use -> the request body

BODIES: dict[tuple[str, str], Body] = {
    ("post", "/api/v1/customers"): lambda c: {
        "customer_id": "cust_schema_new",
        "name": "Schema Co",
        "segment": "enterprise",
    },
    ("post", "/api/v1/customers/bulk"): lambda c: [
        {"customer_id": "cust_schema_bulk", "name": "Bulk Co", "segment": "mid_market"},
        {"customer_id": c, "name": "Renamed", "segment": "enterprise"},
    ],
    ("post", "/api/v1/customers/{customer_id}/stakeholders"): lambda c: {
        "email": "new.sponsor@client.example",
        "name": "New Sponsor",
        "is_executive_sponsor": True,
    },
    ("post", "/api/v1/customers/{customer_id}/health/recompute"): lambda c: None,
    ("post", "/api/v1/team-members"): lambda c: {
        "email": "new.csm@vendor.example",
        "name": "New CSM",
        "skills": ["onboarding"],
    },
    ("post", "/api/v1/cs-product/features"): lambda c: [
        {"feature_id": "feat_schema", "name": "Schema", "is_key": True}
    ],
    ("post", "/api/v1/cs-product/usage"): lambda c: [
        {
            "customer_id": c,
            "feature_id": _first(Feature, "feature_id"),
            "date": _today(),
            "events": 10,
            "active_users": 2,
        }
    ],
    ("post", "/api/v1/cs-product/feedback"): lambda c: {
        "customer_id": c,
        "feedback": {
            "type": "feature_request",
            "category": "workflow_automation",
            "priority": "high",
            "business_impact": "critical_for_success",
            "description": "Need automated health score triggers",
        },
    },
    ("post", "/api/v1/cs-ops/tickets"): lambda c: [
        {
            "ticket_id": "TCK-schema",
            "customer_id": c,
            "opened_at": _now(2),
            "resolved_at": _now(1),
            "priority": "high",
            "status": "resolved",
        }
    ],
    ("post", "/api/v1/cs-ops/surveys"): lambda c: [
        {
            "response_id": "nps_schema",
            "customer_id": c,
            "respondent_email": "someone@client.example",
            "kind": "nps",
            "score": 9,
            "answered_at": _now(1),
        }
    ],
    ("post", "/api/v1/cs-ops/tasks"): lambda c: [
        {"task_id": "task_schema", "customer_id": c, "kind": "call", "title": "Call"}
    ],
    ("post", "/api/v1/cs-ops/workflows/{customer_id}"): lambda c: {
        "workflow_type": "health_decline_intervention",
        "customer_id": c,
        "trigger_conditions": {"health_score_drop": 20},
        "automation_steps": ["send_immediate_alert", "notify_account_team"],
        "force": True,
    },
    ("post", "/api/v1/cs-finance/contracts"): lambda c: [
        {
            "contract_id": "ctr_schema",
            "customer_id": c,
            "start_date": _today(30),
            "end_date": _today(-335),
            "value": 12000,
            "term": "1_year",
        }
    ],
    ("post", "/api/v1/cs-finance/invoices"): lambda c: [
        {
            "invoice_id": "inv_schema",
            "customer_id": c,
            "issued_on": _today(10),
            "due_on": _today(-20),
            "amount": 1000,
            "paid_at": None,
        }
    ],
    ("post", "/api/v1/cs-finance/opportunities"): lambda c: [
        {
            "opportunity_id": "opp_schema",
            "customer_id": c,
            "type": "add_on",
            "product": "Premium support",
            "value": 5000,
            "probability": 1.0,
            "expected_close": "q1_2026",
            "status": "won",
            "closed_value": 4500,
            "closed_on": _today(3),
            "source": "cs",
        }
    ],
    ("post", "/api/v1/cs-finance/value-records"): lambda c: [
        {
            "record_id": "val_schema",
            "customer_id": c,
            "date": _today(3),
            "category": "time_saved",
            "amount": 2500,
            "evidence": "https://wiki.example.com/review",
            "recorded_by": "csm@company.com",
        }
    ],
    ("patch", "/api/v1/customers/{customer_id}"): lambda c: {"licensed_seats": 321},
    ("patch", "/api/v1/customers/{customer_id}/stakeholders/{email}"): lambda c: {
        "role": "VP Operations"
    },
    ("patch", "/api/v1/team-members/{email}"): lambda c: {"capacity": 60},
    ("patch", "/api/v1/cs-ops/alerts/{alert_id}"): lambda c: {"status": "acknowledged"},
    ("patch", "/api/v1/cs-ops/escalations/{escalation_id}"): lambda c: {"status": "in_progress"},
    ("patch", "/api/v1/cs-product/feedback/{feedback_id}"): lambda c: {"status": "reviewing"},
    ("post", "/api/v1/cs-finance/forecast"): lambda c: _forecast(c, _last_quarter()),
    ("post", "/api/v1/webhooks/endpoints"): lambda c: {
        "url": "https://hooks.example.com/schema",
        "event_types": ["customer.*", "feedback.submitted"],
    },
    ("patch", "/api/v1/webhooks/endpoints/{endpoint_id}"): lambda c: {"description": "CRM"},
    ("post", "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"): lambda c: None,
    ("post", "/api/v1/webhooks/endpoints/{endpoint_id}/replay"): lambda c: None,
    ("post", "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay"): (
        lambda c: None
    ),
    ("post", "/api/v1/cs-sales/handoff/{customer_id}"): lambda c: {
        "customer_id": HANDOFF_CUSTOMER,
        "handoff_data": {
            "deal_value": 150000,
            "contract_terms": "3_year",
            "key_stakeholders": ["john.doe@company.com"],
            "success_criteria": ["adoption_target", "roi_target"],
            "sales_notes": "Strong technical champion, budget confirmed",
        },
        "success_initiation": {
            "onboarding_start": _today(),
            "success_manager": _first(TeamMember, "email", active=True),
            "first_check_in": _today(-7),
        },
    },
    (
        "patch",
        "/api/v1/customers/{customer_id}/success-plans/{plan_id}/milestones/{milestone_id}",
    ): lambda c: {"status": "achieved"},
    ("post", "/api/v1/cs-marketing/campaigns"): lambda c: {
        "trigger_type": "health_decline",
        "campaign_type": "retention",
        "target_audience": {"customer_segments": ["enterprise", "small_business"]},
        "name": "Schema campaign",
        "external_campaign_id": "mkt_schema",
        "holdout_fraction": 0.2,
        "measurement_window_days": 30,
    },
    # Marketing journeys: the first allowed next stage of the customer's stage now.
    ("post", "/api/v1/cs-marketing/journey/{customer_id}"): lambda c: {
        "stage": ALLOWED_TRANSITIONS[Customer.objects.get(customer_id=c).lifecycle_stage][0],
        "reason": "schema check",
    },
}
# A handoff is made once per customer: the POST hands off a new one.
HANDOFF_CUSTOMER = "cust_schema_handoff"
PATH_VALUES = {("post", "/api/v1/cs-sales/handoff/{customer_id}"): HANDOFF_CUSTOMER}


def _last_quarter() -> str:
    """The quarter before today's: over, so its forecasts have an accuracy read-out."""
    today = timezone.localdate()
    quarter, year = (today.month - 1) // 3, today.year
    return f"q{quarter}_{year}" if quarter else f"q4_{year - 1}"


def _forecast(customer_id: str, period: str) -> dict[str, Any]:
    return {
        "forecast_period": period,
        "customer_forecasts": [
            {
                "customer_id": customer_id,
                "renewal_probability": 0.9,
                "expansion_probability": 0.5,
                "expansion_value": 10000,
                "risk_factors": ["contract_renewal_timing"],
            }
        ],
        "aggregate_metrics": {
            "total_forecasted_revenue": 100000,
            "confidence_level": 0.8,
            "risk_adjusted_value": 90000,
        },
    }


# Writes that answer without a response body.
NO_BODY = {"delete"}


def _call(client: APIClient, schema: dict[str, Any], method: str, path: str) -> tuple[str, Any]:
    operation = schema["paths"][path][method]
    url = path
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = PATH_VALUES.get((method, path)) or _param(path, parameter["name"])
            url = url.replace(f"{{{parameter['name']}}}", value)
    query = {
        p["name"]: QUERY_VALUES[p["name"]]()
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required") and method != "get"
    }
    if query:
        url += "?" + urlencode(query)
    if method == "get":
        return url, client.get(url)
    body = BODIES[(method, path)](_customer().customer_id)
    return url, getattr(client, method)(url, body, format="json")


@pytest.mark.django_db
def test_every_response_on_seeded_data_matches_the_published_schema(api: APIClient) -> None:
    call_command("seed_demo", "--customers", "60", "--health-weeks", "8", "--no-progress")
    # The demo seeds no forecast yet: one for a quarter that is over serves the reads.
    forecast_submit(body=_forecast(_customer().customer_id, _last_quarter()))
    _seed_webhooks(api)
    schema = json.loads(api.get("/api/schema/?format=json").content)

    operations = [
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    writes = {op for op in operations if op[0] not in {"get", *NO_BODY}}
    assert not writes - BODIES.keys(), f"add a request body for {sorted(writes - BODIES.keys())}"
    assert not BODIES.keys() - writes, f"stale bodies: {sorted(BODIES.keys() - writes)}"

    failures: list[str] = []
    empty_lists: list[str] = []
    reads = sorted(op for op in operations if op[0] == "get")
    # Reads on the seeded data as it is, the writes, then the reads again (the writes add
    # events, runs and fresh rows of their own).
    for run, (method, path) in enumerate([*reads, *sorted(writes), *reads]):
        url, response = _call(api, schema, method, path)
        operation = schema["paths"][path][method]
        if not 200 <= response.status_code < 300:
            failures.append(f"{method.upper()} {url}: {response.status_code} {response.content!r}")
            continue
        failures += [
            f"{method.upper()} {url}: {e}" for e in schema_errors(schema, operation, response)
        ]
        body = json.loads(response.content) if response.content else None
        last_pass = run >= len(reads) + len(writes)
        if last_pass and isinstance(body, dict) and body.get("results") == []:
            empty_lists.append(path)
    assert not failures, "\n".join(failures)
    # An empty first page validates trivially: the seeded data must fill every list.
    assert not empty_lists, f"lists with nothing seeded: {empty_lists}"


def test_the_converter_handles_nullable() -> None:
    """`nullable` on a typed field, an enum and a $ref wrapper: null allowed, others not."""
    components = {"schemas": {"Status": {"type": "string", "enum": ["a", "b"]}}}
    field = {
        "type": "object",
        "properties": {
            "n": {"type": "integer", "nullable": True},
            "s": {"allOf": [{"$ref": "#/components/schemas/Status"}], "nullable": True},
            "t": {"$ref": "#/components/schemas/Status"},
        },
        "required": ["n", "s", "t"],
    }
    root = {"allOf": [to_json_schema(field)], "components": to_json_schema(components)}
    validator = jsonschema.Draft4Validator(root)
    assert validator.is_valid({"n": None, "s": None, "t": "a"})
    assert validator.is_valid({"n": 3, "s": "b", "t": "b"})
    assert not validator.is_valid({"n": "3", "s": None, "t": "a"})
    assert not validator.is_valid({"n": 3, "s": "", "t": "a"})
    assert not validator.is_valid({"n": 3, "s": "a", "t": None})
    stamped = {"type": "string", "format": "date-time"}
    assert jsonschema.Draft4Validator(stamped, format_checker=FORMATS).is_valid(
        "2026-11-30T01:02:03.5+00:00"
    )
    for bad in ["2026-11-30", "2026-11-30T01:02:03", "yesterday"]:
        assert not jsonschema.Draft4Validator(stamped, format_checker=FORMATS).is_valid(bad)
