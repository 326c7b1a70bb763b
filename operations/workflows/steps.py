"""The built-in workflow steps. Each does its database effect keyed by the step key (so a
repeat finds it already there) and returns what it did."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage

from customers.choices import LifecycleStage, StageChangeSource
from customers.models import Customer
from customers.services import allowed_next_stages, customer_change_stage
from integrations import events
from integrations.ids import new_public_id

from ..choices import Severity, TaskKind
from ..models import AccountTeamMember, Alert, Playbook, Task
from .incidents import escalation_open
from .registry import StepContext, StepSkipped, register_step


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days after `start`, skipping Saturdays and Sundays."""
    at = start
    while days > 0:
        at += timedelta(days=1)
        if at.weekday() < 5:
            days -= 1
    return at


def send_keyed_email(ctx: StepContext, to: list[str], subject: str, body: str) -> None:
    """Email carrying the step key: a retried step sends the same Message-ID again, so a
    receiving system can drop the repeat (at-least-once delivery, keyed)."""
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={
            "Message-ID": f"<{ctx.key.replace(':', '.')}@cs-hub>",
            "X-CS-Hub-Idempotency-Key": ctx.key,
        },
    )
    message.send(fail_silently=False)


def _task(ctx: StepContext, suffix: str, kind: str, title: str, due: datetime) -> Task:
    task, _ = Task.objects.get_or_create(
        task_id=f"{ctx.run.run_id}.{suffix}"[:64],
        defaults={
            "customer": ctx.customer,
            "kind": kind,
            "owner": ctx.csm,
            "title": title[:200],
            "due_at": due,
        },
    )
    return task


def send_immediate_alert(ctx: StepContext) -> dict[str, Any]:
    reasons = "; ".join(
        f"{m['condition']} {m['measured']} (threshold {m['threshold']})"
        for m in ctx.run.evaluation.get("conditions", [])
        if m.get("holds")
    )
    title = f"{ctx.run.workflow_type.replace('_', ' ')}: {ctx.customer.name}"
    alert, _ = Alert.objects.get_or_create(
        source_key=ctx.key,
        defaults={
            "alert_id": new_public_id("alr"),
            "customer": ctx.customer,
            "owner": ctx.csm,
            "severity": Severity.HIGH,
            "title": title[:200],
            "message": reasons or "Started by request without measured conditions.",
            "opened_at": ctx.now,
        },
    )
    emailed = []
    if ctx.csm is not None:
        send_keyed_email(ctx, [ctx.csm.email], f"[CS Hub alert] {title}", alert.message)
        emailed.append(ctx.csm.email)
    return {"alert_id": alert.alert_id, "emailed": emailed}


def schedule_priority_check_in(ctx: StepContext) -> dict[str, Any]:
    due = add_business_days(ctx.now, 2)
    task = _task(
        ctx,
        "check_in",
        TaskKind.CHECK_IN,
        f"Priority check-in with {ctx.customer.name} ({ctx.run.workflow_type})",
        due,
    )
    owner = ctx.csm.email if ctx.csm else None
    return {"task_id": task.task_id, "owner": owner, "due_at": due.isoformat()}


def deploy_success_playbook(ctx: StepContext) -> dict[str, Any]:
    playbook = (
        Playbook.objects.filter(workflow_type=ctx.run.workflow_type, active=True)
        .prefetch_related("tasks")
        .first()
    )
    if playbook is None:
        raise StepSkipped(f"no active playbook for workflow type {ctx.run.workflow_type}")
    created = [
        _task(
            ctx,
            f"pb{template.position}.{template.pk}",
            template.kind,
            template.title,
            add_business_days(ctx.now, template.due_in_business_days),
        ).task_id
        for template in playbook.tasks.all()
    ]
    return {"playbook": playbook.name, "task_ids": created}


def notify_account_team(ctx: StepContext) -> dict[str, Any]:
    team = list(
        AccountTeamMember.objects.filter(customer=ctx.customer).values_list("email", flat=True)
    )
    recipients = ([ctx.csm.email] if ctx.csm else []) + [e for e in team if e]
    if not recipients:
        raise StepSkipped("no CSM and no account team on record")
    subject = f"[CS Hub] {ctx.run.workflow_type.replace('_', ' ')} started for {ctx.customer.name}"
    body = f"Run {ctx.run.run_id}. Conditions: {ctx.run.evaluation.get('conditions', [])}"
    send_keyed_email(ctx, recipients, subject, body)
    events.publish(
        "workflow.account_team_notified",
        customer_id=ctx.customer.customer_id,
        data={"run_id": ctx.run.run_id, "recipients": recipients},
    )
    return {"recipients": recipients}


def create_escalation(ctx: StepContext) -> dict[str, Any]:
    escalation = escalation_open(
        customer=ctx.customer,
        reason=f"Escalated by workflow {ctx.run.workflow_type} ({ctx.run.run_id}).",
        source_key=ctx.key,
        run=ctx.run,
        now=ctx.now,
    )
    return {"escalation_id": escalation.escalation_id, "owner": escalation.owner_email}


def update_lifecycle_stage(ctx: StepContext) -> dict[str, Any]:
    """Interventions put the customer in `at_risk` (when the transition table allows it)."""
    # Re-read under a lock: a stage change or churn made meanwhile must not be overwritten.
    customer = Customer.objects.select_for_update().get(pk=ctx.customer.pk)
    target = LifecycleStage.AT_RISK
    if customer.lifecycle_stage == target:
        raise StepSkipped("already at_risk")
    if target not in allowed_next_stages(customer.lifecycle_stage):
        raise StepSkipped(f"{customer.lifecycle_stage} -> at_risk is not an allowed transition")
    before = customer.lifecycle_stage
    customer_change_stage(
        customer=customer,
        to_stage=target,
        source=StageChangeSource.SYSTEM,
        reason=f"workflow {ctx.run.workflow_type} ({ctx.run.run_id})",
    )
    return {"from_stage": before, "to_stage": target}


def register_builtin_steps() -> None:
    register_step(
        "send_immediate_alert",
        send_immediate_alert,
        "An alert for the customer's CSM with the conditions that held, and an email to them.",
    )
    register_step(
        "schedule_priority_check_in",
        schedule_priority_check_in,
        "A check-in task for the CSM, due within 2 business days.",
    )
    register_step(
        "deploy_success_playbook",
        deploy_success_playbook,
        "The active playbook for the workflow type, as tasks with due dates.",
    )
    register_step(
        "notify_account_team",
        notify_account_team,
        "Email to the CSM and the customer's account team, and a workflow event.",
    )
    register_step(
        "create_escalation",
        create_escalation,
        "An escalation owned by the CS operations manager.",
    )
    register_step(
        "update_lifecycle_stage",
        update_lifecycle_stage,
        "Move the customer to at_risk, when the stage transition table allows it.",
    )
