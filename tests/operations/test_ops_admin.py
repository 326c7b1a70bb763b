"""Operations admin: the screens load, the rule form validates steps, retry and add work."""

from typing import Any

import pytest
from django.urls import reverse

from operations.models import Alert, AutomationRule, Escalation, WorkflowRun, WorkflowStepRun
from operations.workflows import engine, registry
from tests.customers.factories import CustomerFactory


@pytest.mark.parametrize(
    "model",
    [
        "workflowrun",
        "playbook",
        "automationrule",
        "alert",
        "escalation",
        "accountteammember",
        "segmentskillrequirement",
        "task",
    ],
)
def test_changelists_load(staff: Any, model: Any) -> None:
    CustomerFactory.create()
    assert staff.get(reverse(f"admin:operations_{model}_changelist")).status_code == 200
    assert staff.get(reverse(f"admin:operations_{model}_changelist"), {"q": "x"}).status_code == 200


def test_rule_form_refuses_unknown_steps(staff: Any) -> None:
    url = reverse("admin:operations_automationrule_add")
    form = {
        "name": "Critical",
        "event_type": "customer.health_declined",
        "conditions": '{"grade": "critical"}',
        "workflow_type": "health_decline_intervention",
        "automation_steps": '["send_immediate_alert", "launch_rocket"]',
        "cooldown_hours": "24",
        "active": "on",
    }
    response = staff.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    assert "Unknown step(s): launch_rocket" in response.content.decode()
    assert AutomationRule.objects.count() == 0
    staff.post(url, {**form, "automation_steps": '["send_immediate_alert"]'})
    assert AutomationRule.objects.get().automation_steps == ["send_immediate_alert"]


def test_add_alert_and_escalation_by_hand(staff: Any) -> None:
    customer = CustomerFactory.create()
    staff.post(
        reverse("admin:operations_alert_add"),
        {
            "customer": customer.pk,
            "severity": "high",
            "title": "Call me",
            "status": "resolved",
            "opened_at_0": "2026-11-01",
            "opened_at_1": "10:00:00",
        },
    )
    alert = Alert.objects.get()
    assert alert.alert_id.startswith("alr_")
    assert alert.resolved_at is not None
    staff.post(
        reverse("admin:operations_escalation_add"),
        {
            "customer": customer.pk,
            "owner_email": "lead@vendor.example",
            "severity": "critical",
            "status": "open",
            "reason": "Exec complaint",
            "opened_at_0": "2026-11-01",
            "opened_at_1": "10:00:00",
        },
    )
    assert Escalation.objects.get().escalation_id.startswith("esc_")


def test_retry_failed_step_action(
    staff: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, eager_tasks: Any
) -> None:
    settings.CS_HUB_WORKFLOW_MAX_ATTEMPTS = 1

    def broken(ctx: registry.StepContext) -> dict[str, Any]:
        raise RuntimeError("down")

    with monkeypatch.context() as patch:
        patch.setitem(registry._steps, "create_escalation", registry.Step("x", broken, ""))
        run = engine.workflow_start(
            customer=CustomerFactory.create(),
            workflow_type="t",
            trigger_conditions={},
            steps=["create_escalation"],
            force=True,
        )
        step = WorkflowStepRun.objects.get(run=run)
        engine.step_execute(step.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    response = staff.post(
        reverse("admin:operations_workflowrun_changelist"),
        {"action": "retry_failed_step", "_selected_action": [run.pk]},
    )
    assert response.status_code == 302
    from integrations.events import relay_pending

    while relay_pending():
        pass
    run.refresh_from_db()
    assert run.status == "completed"
    assert WorkflowRun.objects.get().steps.get().attempts == 1  # a fresh set of attempts
    detail = staff.get(reverse("admin:operations_workflowrun_change", args=[run.pk]))
    assert detail.status_code == 200


def test_rule_form_refuses_repeated_steps_and_endless_cooldowns(staff: Any) -> None:
    url = reverse("admin:operations_automationrule_add")
    form = {
        "name": "Twice",
        "event_type": "customer.health_declined",
        "conditions": "{}",
        "workflow_type": "w",
        "automation_steps": '["create_escalation", "create_escalation"]',
        "cooldown_hours": "24",
        "active": "on",
    }
    body = staff.post(url, form).content.decode()
    assert "A step may appear once: create_escalation." in body
    body = staff.post(
        url, {**form, "automation_steps": '["create_escalation"]', "cooldown_hours": "99999"}
    ).content.decode()
    assert "Ensure this value is less than or equal to 8784." in body
    assert AutomationRule.objects.count() == 0
