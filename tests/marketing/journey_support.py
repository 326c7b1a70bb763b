"""What the journey tests share: a known stage configuration, and open interventions."""

from typing import Any

from customers.models import Customer
from marketing.models import JourneyStage, TouchpointTemplate
from operations.models import Alert, Escalation, WorkflowRun

MOVE = "/api/v1/cs-marketing/journey/{}"
STATUS = "/api/v1/cs-marketing/journey/{}/status"

# (stage, name, channel, kind, delay_hours, active)
TEMPLATES = [
    ("adoption", "Key feature tips", "in_app", "educational", 0, True),
    ("adoption", "Upgrade offer", "email", "promotional", 48, True),
    ("adoption", "Best-practice webinar", "webinar", "educational", 168, True),
    ("adoption", "Retired offer", "email", "promotional", 1, False),
    ("expansion", "Premium overview", "email", "promotional", 0, True),
    ("renewal", "Renewal reminder", "email", "transactional", 0, True),
    ("renewal", "Multi-year offer", "email", "promotional", 72, True),
    ("at_risk", "Check-in call", "call", "transactional", 0, True),
]


def configure_journey() -> dict[str, JourneyStage]:
    """Every stage configured, with exactly TEMPLATES (the migration's defaults replaced)."""
    TouchpointTemplate.objects.all().delete()
    stages = {}
    for stage in (
        "onboarding",
        "adoption",
        "value_realization",
        "expansion",
        "renewal",
        "advocacy",
        "at_risk",
        "churned",
    ):
        row, _ = JourneyStage.objects.update_or_create(
            stage=stage,
            defaults={"description": f"The {stage} stage.", "recommended_actions": [f"Do {stage}"]},
        )
        stages[stage] = row
    for stage, name, channel, kind, delay, active in TEMPLATES:
        TouchpointTemplate.objects.create(
            stage=stages[stage],
            name=name,
            channel=channel,
            kind=kind,
            delay_hours=delay,
            active=active,
        )
    return stages


def open_run(customer: Customer, run_id: str = "wr_open", status: str = "running") -> Any:
    return WorkflowRun.objects.create(
        run_id=run_id,
        customer=customer,
        workflow_type="health_decline_intervention",
        status=status,
    )


def open_escalation(
    customer: Customer, escalation_id: str = "esc_open", status: str = "open"
) -> Any:
    return Escalation.objects.create(
        escalation_id=escalation_id,
        customer=customer,
        owner_email="ops@company.com",
        reason="Health fell",
        status=status,
    )


def open_alert(customer: Customer, alert_id: str = "al_open") -> Any:
    return Alert.objects.create(alert_id=alert_id, customer=customer, title="Health fell")
