"""Demo operations set-up and history: playbooks, the default automation rule, segment skill
requirements, account teams, and 90 days of workflow runs with their alerts and escalations
for the accounts whose story calls for an intervention (declining, churned, late payers).

The runs are history, written in bulk: `workflow_start` runs a workflow now (it measures the
conditions today and executes the steps, sending mail and opening tasks), and no service
writes a run that finished weeks ago. Playbooks, the rule and the skill requirements are
configuration kept in the admin; no service writes them either."""

from datetime import timedelta
from typing import Any

from customers.choices import Segment
from integrations.ids import new_public_id
from operations.choices import (
    AlertStatus,
    EscalationStatus,
    RunStatus,
    RunTrigger,
    Severity,
    StepStatus,
    TaskKind,
)
from operations.models import (
    AccountTeamMember,
    Alert,
    AutomationRule,
    Escalation,
    Playbook,
    PlaybookTask,
    SegmentSkillRequirement,
    WorkflowRun,
    WorkflowStepRun,
)

from . import context
from .context import DemoContext, Progress

PLAYBOOKS = {
    "health_decline_intervention": (
        "Save the account",
        [
            (TaskKind.CALL, "Executive sponsor call", 2),
            (TaskKind.MEETING, "Adoption workshop for the main team", 5),
            (TaskKind.EMAIL, "Send the value summary and next steps", 7),
        ],
    ),
    "onboarding_acceleration": (
        "Get to first value",
        [
            (TaskKind.MEETING, "Kick-off with the champion", 1),
            (TaskKind.CHECK_IN, "Check first dashboards are live", 5),
            (TaskKind.CALL, "30-day success review", 20),
        ],
    ),
    "renewal_preparation": (
        "Renewal readiness",
        [
            (TaskKind.MEETING, "Business review with the sponsor", 10),
            (TaskKind.EMAIL, "Share the ROI report", 12),
            (TaskKind.CALL, "Commercial alignment with the AE", 15),
        ],
    ),
}
STEPS = [
    "send_immediate_alert",
    "schedule_priority_check_in",
    "deploy_success_playbook",
    "notify_account_team",
]
SEGMENT_SKILLS = {
    Segment.ENTERPRISE: ["enterprise", "executive_communication"],
    Segment.MID_MARKET: ["onboarding"],
    Segment.SMALL_BUSINESS: [],
}
INTERVENE = {context.DECLINING: 0.9, context.CHURNED: 0.7, context.LATE_PAYER: 0.3}


def seed_workflows(ctx: DemoContext, progress: Progress) -> int:
    _setup()
    rng, now = ctx.rng, ctx.now
    team: list[AccountTeamMember] = []
    runs: list[WorkflowRun] = []
    plans: list[tuple[WorkflowRun, bool, Any, Any]] = []
    for customer in ctx.customers:
        if customer.segment == Segment.ENTERPRISE:
            slug = customer.customer_id.replace("_", "-")
            team += [
                AccountTeamMember(
                    customer=customer, email=f"ae+{slug}@vendor.example", role="account_executive"
                ),
                AccountTeamMember(
                    customer=customer, email=f"se+{slug}@vendor.example", role="solutions_engineer"
                ),
            ]
        kind = context.story(customer)
        if rng.random() > INTERVENE.get(kind, 0.0):
            continue
        latest = min(now, customer.churned_at or now)
        started = latest - timedelta(days=rng.randint(1, 88), hours=rng.randint(0, 23))
        failed = rng.random() < 0.08
        finished = started + timedelta(seconds=rng.randint(2, 40))
        run = WorkflowRun(
            run_id=new_public_id("wfr"),
            customer=customer,
            workflow_type="health_decline_intervention",
            status=RunStatus.FAILED if failed else RunStatus.COMPLETED,
            trigger=RunTrigger.RULE if rng.random() < 0.7 else RunTrigger.API,
            evaluation={
                "conditions": [],
                "conditions_match": "all",
                "held": True,
                "evaluated_at": started.isoformat(),
            },
            forced=False,
            requested_by="demo",
            started_at=started,
            finished_at=finished,
            error="step notify_account_team failed after 3 attempts: SMTP timeout"
            if failed
            else "",
        )
        runs.append(run)
        plans.append((run, failed, started, finished))
    AccountTeamMember.objects.bulk_create(team, ignore_conflicts=True)
    WorkflowRun.objects.bulk_create(runs, batch_size=2000)
    # created_at is auto_now_add: set the historical value after the insert
    for run, _, started, _ in plans:
        run.created_at = started
    WorkflowRun.objects.bulk_update(runs, ["created_at"], batch_size=2000)
    steps, alerts, escalations = [], [], []
    for run, failed, started, finished in plans:
        # The steps ran one after another over the run's span.
        span = (finished - started) / len(STEPS)
        for position, name in enumerate(STEPS):
            broken = failed and name == "notify_account_team"
            steps.append(
                WorkflowStepRun(
                    run=run,
                    position=position,
                    step=name,
                    key=f"{run.run_id}:{name}",
                    status=StepStatus.FAILED if broken else StepStatus.DONE,
                    attempts=3 if broken else 1,
                    started_at=started + span * position,
                    finished_at=started + span * (position + 1),
                    last_error="SMTPServerDisconnected: timeout" if broken else "",
                )
            )
        resolved = rng.random() < 0.8
        alerts.append(
            Alert(
                alert_id=new_public_id("alr"),
                customer=run.customer,
                owner=run.customer.success_manager,
                severity=Severity.HIGH,
                title=f"health decline intervention: {run.customer.name}"[:200],
                message="Health fell and usage declined over 30 days.",
                status=AlertStatus.RESOLVED if resolved else AlertStatus.OPEN,
                source_key=f"{run.run_id}:send_immediate_alert",
                opened_at=started,
                resolved_at=started + timedelta(hours=rng.uniform(0.5, 12)) if resolved else None,
            )
        )
        if failed or rng.random() < 0.3:
            closed = rng.random() < 0.6
            escalations.append(
                Escalation(
                    escalation_id=new_public_id("esc"),
                    customer=run.customer,
                    owner_email="cs-ops-manager@example.com",
                    severity=Severity.HIGH if failed else Severity.MEDIUM,
                    status=EscalationStatus.RESOLVED if closed else EscalationStatus.OPEN,
                    reason=run.error or "Account at risk: executive attention requested.",
                    run=run,
                    source_key=f"{run.run_id}:{'failed:3' if failed else 'create_escalation'}",
                    opened_at=started,
                    resolved_at=started + timedelta(hours=rng.uniform(4, 48)) if closed else None,
                )
            )
    WorkflowStepRun.objects.bulk_create(steps, batch_size=5000)
    Alert.objects.bulk_create(alerts, batch_size=5000)
    Escalation.objects.bulk_create(escalations, batch_size=5000)
    total = len(runs) + len(steps) + len(alerts) + len(escalations) + len(team)
    progress(total)
    return total


def _setup() -> None:
    for workflow_type, (name, tasks) in PLAYBOOKS.items():
        playbook, created = Playbook.objects.get_or_create(
            workflow_type=workflow_type, defaults={"name": name}
        )
        if created:
            PlaybookTask.objects.bulk_create(
                PlaybookTask(
                    playbook=playbook, position=i, kind=kind, title=title, due_in_business_days=d
                )
                for i, (kind, title, d) in enumerate(tasks)
            )
    AutomationRule.objects.get_or_create(
        name="Critical health: intervene",
        defaults={
            "event_type": "customer.health_declined",
            "conditions": {"grade": "critical"},
            "workflow_type": "health_decline_intervention",
            "automation_steps": STEPS,
            "cooldown_hours": 168,
        },
    )
    for segment, skills in SEGMENT_SKILLS.items():
        SegmentSkillRequirement.objects.get_or_create(segment=segment, defaults={"skills": skills})
