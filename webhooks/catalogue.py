"""The event catalogue: every event type the platform publishes, with a description and an
example of the `data` a webhook carries for it (`{"customer_id": ..., **event data}`).

Webhooks owns this registry; the domain apps publish through integrations.events and never
import it. tests/webhooks/test_catalogue.py fails when a `publish("...")` in the code names a
type that is missing here, or when a type here is published nowhere.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import UnknownEventType


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    example: dict[str, Any]
    # Internal plumbing (a workflow step handed to a worker) is not offered to subscribers.
    deliverable: bool = True
    published_by: str = field(default="", compare=False)


_C = "cust_12345"
_TYPES = (
    EventType(
        "customer.created",
        "A customer was created (API or bulk import).",
        {"customer_id": _C, "segment": "enterprise", "lifecycle_stage": "onboarding"},
        published_by="customers",
    ),
    EventType(
        "customer.lifecycle_changed",
        "A customer moved to another lifecycle stage.",
        {
            "customer_id": _C,
            "from_stage": "onboarding",
            "to_stage": "adoption",
            "source": "api",
            "reason": "kick-off done",
        },
        published_by="customers",
    ),
    EventType(
        "customer.health_changed",
        "A recompute gave a customer a different health score or grade.",
        {
            "customer_id": _C,
            "score": 72,
            "grade": "B",
            "previous_score": 80,
            "previous_grade": "A",
            "computed_at": "2026-11-30T02:00:00+00:00",
        },
        published_by="customers",
    ),
    EventType(
        "customer.health_declined",
        "Health got worse: a worse grade, or 15+ points lost in 30 days (`reasons`).",
        {
            "customer_id": _C,
            "score": 58,
            "grade": "C",
            "previous_score": 74,
            "previous_grade": "B",
            "computed_at": "2026-11-30T02:00:00+00:00",
            "score_30_days_ago": 76,
            "reasons": ["worse_grade", "dropped_15_points_in_30_days"],
        },
        published_by="customers",
    ),
    EventType(
        "feedback.submitted",
        "A customer's feedback was recorded, with its priority score.",
        {
            "customer_id": _C,
            "feedback_id": "fb_0192a1b2c3d4e5f6",
            "category": "reporting",
            "type": "feature_request",
            "priority_score": 64.5,
        },
        published_by="product",
    ),
    EventType(
        "feedback.delivered",
        "Feedback committed to a customer was delivered.",
        {
            "customer_id": _C,
            "feedback_id": "fb_0192a1b2c3d4e5f6",
            "category": "reporting",
            "type": "feature_request",
            "description": "Export dashboards to PDF",
            "target_release": "2026.12",
            "delivered_at": "2026-11-30T10:00:00+00:00",
            "note": "",
        },
        published_by="product",
    ),
    EventType(
        "workflow.started",
        "A CS workflow run started for a customer.",
        {
            "customer_id": _C,
            "run_id": "wfr_0192a1b2c3d4e5f6",
            "workflow_type": "health_decline_intervention",
            "steps": ["send_immediate_alert", "notify_account_team"],
            "trigger": "api",
            "forced": False,
        },
        published_by="operations",
    ),
    EventType(
        "workflow.completed",
        "Every step of a workflow run finished.",
        {
            "customer_id": _C,
            "run_id": "wfr_0192a1b2c3d4e5f6",
            "workflow_type": "health_decline_intervention",
            "status": "completed",
            "error": "",
        },
        published_by="operations",
    ),
    EventType(
        "workflow.failed",
        "A step of a workflow run failed for good; the run stopped.",
        {
            "customer_id": _C,
            "run_id": "wfr_0192a1b2c3d4e5f6",
            "workflow_type": "health_decline_intervention",
            "status": "failed",
            "error": "notify_account_team: no CSM and no account team on record",
        },
        published_by="operations",
    ),
    EventType(
        "workflow.account_team_notified",
        "A workflow step e-mailed the customer's CSM and account team.",
        {
            "customer_id": _C,
            "run_id": "wfr_0192a1b2c3d4e5f6",
            "recipients": ["csm@example.com"],
        },
        published_by="operations",
    ),
    EventType(
        "workflow.step_ready",
        "Internal: a workflow step handed to a worker (not offered to webhooks).",
        {"customer_id": _C, "run_id": "wfr_0192a1b2c3d4e5f6", "step": "send", "step_run": 1},
        deliverable=False,
        published_by="operations",
    ),
    EventType(
        "escalation.resolved",
        "An escalation was resolved.",
        {"customer_id": _C, "escalation_id": "esc_0192a1b2c3d4e5f6"},
        published_by="operations",
    ),
    EventType(
        "opportunity.won",
        "An expansion opportunity was won (created or moved to won).",
        {
            "customer_id": _C,
            "opportunity_id": "opp_2026_001",
            "type": "upsell",
            "product": "analytics",
            "closed_value": 24000,
            "source": "csm",
        },
        published_by="finance",
    ),
    EventType(
        "handoff.completed",
        "Sales handed a customer to CS: contract, plan, check-in task and baseline created.",
        {
            "customer_id": _C,
            "handoff_id": "ho_0192a1b2c3d4e5f6",
            "success_manager": "sarah.smith@company.com",
            "contract_id": "ctr_ho_0192a1b2c3d4e5f6",
            "plan_id": "sp_0192a1b2c3d4e5f6",
            "check_in_task_id": "task_0192a1b2c3d4e5f6",
            "onboarding_start": "2025-12-05",
            "first_check_in": "2025-12-12",
            "deal_value": 150000,
            "customer_created": False,
        },
        published_by="sales",
    ),
    EventType(
        "expansion.ready",
        "A customer's expansion readiness crossed the ready threshold upward (nightly scoring).",
        {
            "customer_id": _C,
            "score": 78,
            "previous_ready": False,
            "ready_threshold": 70,
            "readiness_factors": ["high_product_adoption", "strong_health_score"],
            "model_version": 1,
            "as_of": "2026-05-01",
        },
        published_by="sales",
    ),
    EventType(
        "forecast.submitted",
        "A revenue forecast version was submitted (no customer: `customer_id` is null).",
        {
            "customer_id": None,
            "forecast_id": "fcst_0192a1b2c3d4e5f6",
            "forecast_period": "q1_2027",
            "version": 2,
            "customers": 120,
            "total_forecasted_revenue": 1250000,
        },
        published_by="finance",
    ),
    EventType(
        "campaign.created",
        "A marketing campaign was created: its audience materialised as members, the holdout "
        "drawn (no customer: `customer_id` is null; pull the send list from "
        "GET /api/v1/cs-marketing/campaigns/{campaign_id}/members?group=treated).",
        {
            "customer_id": None,
            "campaign_id": "camp_0192a1b2c3d4e5f6",
            "name": "Win back declining accounts",
            "external_campaign_id": "mkt_67890",
            "trigger_type": "health_decline",
            "campaign_type": "retention",
            "customer_segments": ["enterprise", "mid_market"],
            "match": "any",
            "size": 1250,
            "treated": 1125,
            "holdout": 125,
            "ends_at": "2027-03-04T17:00:00+00:00",
        },
        published_by="marketing",
    ),
    EventType(
        "webhook.endpoint_disabled",
        "One of your webhook endpoints was disabled (`reason`: `gone` after a 410, `failing` "
        "after 5 days of failures); sent only to the same client's other endpoints, and "
        "listed by GET /api/v1/events to that client only.",
        {
            "customer_id": None,
            "endpoint_id": "whe_0192a1b2c3d4e5f6",
            "reason": "failing",
        },
        published_by="webhooks",
    ),
    # --- marketing journeys (README "Marketing: journeys") ---
    EventType(
        "touchpoint.scheduled",
        "A journey move scheduled a touchpoint of the customer's new stage (due at "
        "`scheduled_for`; `touchpoint.due` follows then, unless suppressed or cancelled).",
        {
            "customer_id": _C,
            "touchpoint_id": "tp_0192a1b2c3d4e5f6",
            "name": "Getting started guide",
            "channel": "email",
            "kind": "educational",
            "stage": "onboarding",
            "scheduled_for": "2026-12-01T09:00:00+00:00",
        },
        published_by="marketing",
    ),
    EventType(
        "touchpoint.suppressed",
        "A promotional touchpoint was not sent: the customer had an open workflow run or "
        "escalation when it was scheduled or fell due (`reason` names them).",
        {
            "customer_id": _C,
            "touchpoint_id": "tp_0192a1b2c3d4e5f6",
            "name": "Premium features overview",
            "channel": "email",
            "kind": "promotional",
            "stage": "expansion",
            "scheduled_for": "2026-12-01T09:00:00+00:00",
            "reason": "promotional while an intervention is open: workflow run "
            "wr_0192a1b2c3d4e5f6 running",
        },
        published_by="marketing",
    ),
    EventType(
        "touchpoint.cancelled",
        "A pending touchpoint was cancelled before it went out: a promotional or educational "
        "one of a stage the customer left (reason `customer left <stage> for <stage>`, by the "
        "move or by the due sweep), or any promotional one on a move to at_risk or churned.",
        {
            "customer_id": _C,
            "touchpoint_id": "tp_0192a1b2c3d4e5f6",
            "name": "Multi-year renewal offer",
            "channel": "email",
            "kind": "promotional",
            "stage": "renewal",
            "scheduled_for": "2026-12-08T09:00:00+00:00",
            "reason": "cancelled: the customer moved to at_risk at 2026-12-02T10:00:00+00:00",
        },
        published_by="marketing",
    ),
    EventType(
        "touchpoint.due",
        "A touchpoint's time has come: send it (the marketing system delivers it on its "
        "`channel`). Published once per touchpoint by the minute sweep.",
        {
            "customer_id": _C,
            "touchpoint_id": "tp_0192a1b2c3d4e5f6",
            "name": "Getting started guide",
            "channel": "email",
            "kind": "educational",
            "stage": "onboarding",
            "scheduled_for": "2026-12-01T09:00:00+00:00",
        },
        published_by="marketing",
    ),
)
CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}


def deliverable_types() -> list[EventType]:
    return [t for t in _TYPES if t.deliverable]


def validate_patterns(patterns: Iterable[str]) -> list[str]:
    """Exact deliverable types or `prefix.*` covering at least one; de-duplicated, in order."""
    names = [t.name for t in deliverable_types()]
    out: list[str] = []
    for pattern in patterns:
        if pattern.endswith(".*"):
            prefix = pattern[:-1]
            if not prefix[:-1] or not any(n.startswith(prefix) for n in names):
                raise UnknownEventType(f"`{pattern}` matches no event type.")
        elif pattern not in names:
            raise UnknownEventType(
                f"Unknown event type `{pattern}`; see GET /api/v1/webhooks/event-types."
            )
        if pattern not in out:
            out.append(pattern)
    if not out:
        raise UnknownEventType("Subscribe to at least one event type.")
    return out


def matches(patterns: Iterable[str], event_type: str) -> bool:
    entry = CATALOGUE.get(event_type)
    if entry is not None and not entry.deliverable:
        return False
    return any(
        event_type == p or (p.endswith(".*") and event_type.startswith(p[:-1])) for p in patterns
    )
