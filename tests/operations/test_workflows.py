"""Workflow automation in-process (eager Celery): conditions, steps, retries, rules."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, HealthScore, LifecycleChange
from integrations.events import publish, relay_pending
from integrations.models import Event
from operations.api.workflow_views import WORKFLOW_EXAMPLE
from operations.models import (
    AccountTeamMember,
    Alert,
    AutomationRule,
    Escalation,
    Playbook,
    PlaybookTask,
    Task,
    WorkflowRun,
    WorkflowStepRun,
)
from operations.tasks import run_workflow_step
from operations.workflows import engine, registry
from operations.workflows.steps import add_business_days
from product.models import FeatureUsage
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.operations.factories import SupportTicketFactory
from tests.product.factories import FeatureFactory

URL = "/api/v1/cs-ops/workflows"


pytestmark = pytest.mark.usefixtures("eager_tasks")


def drain() -> int:
    """Relay events until none is due: each step hands the next over through the outbox."""
    total = 0
    while n := relay_pending():
        total += n
    return total


def sweep() -> int:
    return engine.sweep(lambda pk: run_workflow_step.apply_async(args=(pk,)))


@pytest.fixture
def customer(db: None) -> Customer:
    csm = TeamMemberFactory.create(email="csm@vendor.example", name="Casey CSM")
    customer = CustomerFactory.create(
        customer_id="cust_12345", name="Acme", success_manager=csm, lifecycle_stage="adoption"
    )
    AccountTeamMember.objects.create(customer=customer, email="ae@vendor.example", role="ae")
    return customer


@pytest.fixture
def declining(customer: Customer) -> Customer:
    """Health 80 -> 55 (drop 25), usage 1000 -> 600 events (decline 0.4), tickets 2 -> 4
    (increase (4 - 2) / 2 = 1.0): every condition of the spec example holds."""
    now = timezone.now()
    for days_ago, score in [(30, 80), (0, 55)]:
        HealthScore.objects.create(
            customer=customer,
            computed_at=now - timedelta(days=days_ago, minutes=1),
            as_of=(now - timedelta(days=days_ago)).date(),
            score=score,
            grade="healthy" if score >= 75 else "at_risk",
            components={},
            weights={},
            model_version=1,
        )
    feature = FeatureFactory.create()
    today = timezone.localdate()
    FeatureUsage.objects.create(
        customer=customer, feature=feature, date=today - timedelta(days=45), events=1000
    )
    FeatureUsage.objects.create(
        customer=customer, feature=feature, date=today - timedelta(days=5), events=600
    )
    for days_ago in (40, 41):
        SupportTicketFactory.create(customer=customer, opened_at=now - timedelta(days=days_ago))
    for days_ago in (1, 2, 3, 4):
        SupportTicketFactory.create(customer=customer, opened_at=now - timedelta(days=days_ago))
    playbook = Playbook.objects.create(
        workflow_type="health_decline_intervention", name="Save the account"
    )
    PlaybookTask.objects.create(playbook=playbook, position=1, title="Exec sponsor call")
    PlaybookTask.objects.create(
        playbook=playbook, position=2, title="Adoption workshop", due_in_business_days=5
    )
    return customer


def measured(body: dict[str, Any]) -> dict[str, Any]:
    return {m["condition"]: (m["measured"], m["holds"]) for m in body["evaluation"]["conditions"]}


def test_spec_example_runs_every_step_once(api: APIClient, declining: Any) -> None:
    response = api.post(f"{URL}/cust_12345", WORKFLOW_EXAMPLE, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["run_id"].startswith("wfr_")
    assert response["Location"] == body["status_url"]
    assert measured(body) == {
        "health_score_drop": (25.0, True),
        "usage_decline": (0.4, True),
        "support_increase": (1.0, True),
    }
    assert [s["status"] for s in body["steps"]] == ["pending"] * 4

    drain()
    run = api.get(body["status_url"]).json()
    assert run["status"] == "completed"
    assert [(s["step"], s["status"], s["attempts"]) for s in run["steps"]] == [
        ("send_immediate_alert", "done", 1),
        ("schedule_priority_check_in", "done", 1),
        ("deploy_success_playbook", "done", 1),
        ("notify_account_team", "done", 1),
    ]
    alert = Alert.objects.get()
    assert alert.owner is not None
    assert alert.owner.email == "csm@vendor.example"
    assert "health_score_drop 25 (threshold 20.0)" in alert.message
    check_in = Task.objects.get(task_id=f"{body['run_id']}.check_in")
    assert check_in.kind == "check_in"
    assert check_in.owner == alert.owner
    assert check_in.due_at is not None
    assert check_in.due_at.date() == add_business_days(check_in.created_at, 2).date()
    playbook_titles = sorted(
        Task.objects.filter(task_id__contains=".pb").values_list("title", flat=True)
    )
    assert playbook_titles == ["Adoption workshop", "Exec sponsor call"]
    assert [m.to for m in mail.outbox] == [
        ["csm@vendor.example"],
        ["csm@vendor.example", "ae@vendor.example"],
    ]
    assert mail.outbox[0].extra_headers["X-CS-Hub-Idempotency-Key"] == (
        f"{body['run_id']}:send_immediate_alert"
    )
    types = list(Event.objects.order_by("id").values_list("type", flat=True))
    assert types[0] == "workflow.started"
    assert types[-1] == "workflow.completed"
    assert "workflow.account_team_notified" in types


def test_unmet_conditions_are_a_422_with_the_measured_values(api: APIClient, customer: Any) -> None:
    response = api.post(f"{URL}/cust_12345", WORKFLOW_EXAMPLE, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["code"] == "conditions_not_met"
    # no snapshots, no usage: not measurable; tickets 0 vs 0: (0 - 0) / max(0, 1) = 0
    assert measured(body) == {
        "health_score_drop": (None, False),
        "usage_decline": (None, False),
        "support_increase": (0.0, False),
    }
    assert WorkflowRun.objects.count() == 0
    assert Event.objects.count() == 0


def test_any_runs_when_one_condition_holds_and_force_runs_anyway(
    api: APIClient, customer: Any
) -> None:
    now = timezone.now()
    SupportTicketFactory.create(customer=customer, opened_at=now - timedelta(days=1))
    body = {**WORKFLOW_EXAMPLE, "conditions_match": "any"}
    response = api.post(f"{URL}/cust_12345", body, format="json")
    assert response.status_code == 202  # support 1 vs 0 -> (1 - 0) / 1 = 1.0 >= 0.5
    assert measured(response.json())["support_increase"] == (1.0, True)
    forced = api.post(
        f"{URL}/cust_12345",
        {**WORKFLOW_EXAMPLE, "trigger_conditions": {"health_score_drop": 90}, "force": True},
        format="json",
    )
    assert forced.status_code == 202
    assert forced.json()["forced"] is True
    assert forced.json()["evaluation"]["held"] is False


@pytest.mark.parametrize(
    ("change", "status", "code", "attr"),
    [
        ({"customer_id": "cust_other"}, 400, "customer_mismatch", "customer_id"),
        (
            {"automation_steps": ["send_immediate_alert", "launch_rocket"]},
            400,
            "unknown_step",
            "automation_steps",
        ),
        (
            {"automation_steps": ["create_escalation", "create_escalation"]},
            400,
            "duplicate_step",
            "automation_steps",
        ),
        ({"automation_steps": []}, 400, "min_length", "automation_steps"),
        (
            {"trigger_conditions": {"churn_vibes": 1}},
            400,
            "unknown_field",
            "trigger_conditions.churn_vibes",
        ),
        (
            {"trigger_conditions": {"usage_decline": 1.5}},
            400,
            "max_value",
            "trigger_conditions.usage_decline",
        ),
        (
            {"trigger_conditions": {"health_score_drop": "a lot"}},
            400,
            "invalid",
            "trigger_conditions.health_score_drop",
        ),
        ({"conditions_match": "most"}, 400, "invalid_choice", "conditions_match"),
        ({"workflow_type": "Bad Type!"}, 400, "invalid", "workflow_type"),
        ({"force": "yes please"}, 400, "invalid", "force"),
    ],
)
def test_bad_requests_change_nothing(
    api: APIClient, customer: Any, change: Any, status: Any, code: Any, attr: Any
) -> None:
    response = api.post(f"{URL}/cust_12345", {**WORKFLOW_EXAMPLE, **change}, format="json")
    assert response.status_code == status, response.json()
    errors = response.json()["errors"]
    assert (errors[0]["code"], errors[0]["attr"]) == (code, attr)
    assert WorkflowRun.objects.count() == 0


def test_unknown_step_error_lists_the_known_ones(api: APIClient, customer: Any) -> None:
    body = {**WORKFLOW_EXAMPLE, "automation_steps": ["launch_rocket"]}
    detail = api.post(f"{URL}/cust_12345", body, format="json").json()["errors"][0]["detail"]
    for name in registry.registered_steps():
        assert name in detail
    listed = api.get(f"{URL}/steps").json()
    assert [s["name"] for s in listed] == sorted(registry.registered_steps())


def test_other_bad_inputs(api: APIClient, customer: Any, make_client: MakeClient) -> None:
    wrong = {**WORKFLOW_EXAMPLE, "customer_id": "nobody"}
    assert api.post(f"{URL}/nobody", wrong, format="json").status_code == 404
    malformed = api.post(f"{URL}/cust_12345", "{nope", content_type="application/json")
    assert malformed.status_code == 400
    read_only = make_client("operations:read")
    assert read_only.post(f"{URL}/cust_12345", WORKFLOW_EXAMPLE, format="json").status_code == 403
    assert read_only.get(f"{URL}/runs").status_code == 200
    assert make_client("product:read").get(f"{URL}/runs").status_code == 403
    assert api.get(f"{URL}/runs/wfr_nope").json()["errors"][0]["code"] == ("workflow_run_not_found")


def _start(customer: Customer, steps: list[str]) -> WorkflowRun:
    return engine.workflow_start(
        customer=customer,
        workflow_type="health_decline_intervention",
        trigger_conditions={},
        steps=steps,
        force=True,
    )


def test_failing_step_retries_with_backoff_then_escalates(
    customer: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CS_HUB_WORKFLOW_RETRY_BASE_SECONDS = 0
    calls = []

    def broken(ctx: registry.StepContext) -> dict[str, Any]:
        calls.append(ctx.key)
        raise ConnectionError("CRM unreachable")

    monkeypatch.setitem(
        registry._steps, "notify_account_team", registry.Step("notify_account_team", broken, "")
    )
    run = _start(customer, ["send_immediate_alert", "notify_account_team"])
    drain()
    step = WorkflowStepRun.objects.get(run=run, step="notify_account_team")
    assert (step.status, step.attempts) == ("pending", 1)
    assert "ConnectionError: CRM unreachable" in step.last_error
    assert sweep() == 1  # due again (base 0 s): attempt 2
    assert sweep() == 1  # attempt 3: the last
    step.refresh_from_db()
    run.refresh_from_db()
    assert (step.status, step.attempts, run.status) == ("failed", 3, "failed")
    assert len(calls) == 3
    escalation = Escalation.objects.get(run=run)
    assert escalation.owner_email == settings.CS_HUB_OPS_MANAGER_EMAIL
    assert "notify_account_team failed after 3 attempts" in escalation.reason
    assert Event.objects.filter(type="workflow.failed").count() == 1
    assert sweep() == 0  # a failed run is left alone
    # The admin's "retry failed step" after the CRM is back:
    monkeypatch.undo()
    engine.step_retry(step)
    drain()
    run.refresh_from_db()
    assert run.status == "completed"
    assert Alert.objects.count() == 1  # the first step's effect was not repeated


def test_backoff_delays_the_retry(
    customer: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CS_HUB_WORKFLOW_RETRY_BASE_SECONDS = 30

    def broken(ctx: registry.StepContext) -> dict[str, Any]:
        raise RuntimeError("down")

    monkeypatch.setitem(registry._steps, "create_escalation", registry.Step("x", broken, ""))
    run = _start(customer, ["create_escalation"])
    drain()
    step = WorkflowStepRun.objects.get(run=run)
    assert step.next_attempt_at is not None
    wait = (step.next_attempt_at - timezone.now()).total_seconds()
    assert 25 < wait <= 30  # base x 2^(attempts - 1) = 30 s after the first failure
    assert sweep() == 0  # not due yet


def test_redelivered_or_early_step_tasks_change_nothing(customer: Any) -> None:
    run = _start(customer, ["send_immediate_alert", "schedule_priority_check_in"])
    first, second = WorkflowStepRun.objects.filter(run=run).order_by("position")
    assert engine.step_execute(second.pk) == "skipped: an earlier step is not done"
    assert engine.step_execute(first.pk) == "done"
    assert engine.step_execute(first.pk) == "skipped: not pending"  # a duplicate message
    assert Alert.objects.count() == 1
    assert engine.step_execute(second.pk) == "done"
    assert engine.step_execute(second.pk) == "skipped: not pending"
    assert Task.objects.count() == 1
    run.refresh_from_db()
    assert run.status == "completed"


def test_lost_message_is_swept_after_its_lease(customer: Any, settings: Any) -> None:
    settings.CS_HUB_WORKFLOW_STEP_LEASE_SECONDS = 0
    run = _start(customer, ["create_escalation"])
    Event.objects.filter(type="workflow.step_ready").delete()  # the hand-over never arrived
    assert sweep() == 1
    run.refresh_from_db()
    assert run.status == "completed"
    assert Escalation.objects.get().source_key == f"{run.run_id}:create_escalation"


def test_lifecycle_and_skipped_steps(customer: Any) -> None:
    AccountTeamMember.objects.all().delete()
    customer.success_manager = None
    customer.save()
    run = _start(
        customer, ["update_lifecycle_stage", "deploy_success_playbook", "notify_account_team"]
    )
    drain()
    steps = {s.step: s for s in WorkflowStepRun.objects.filter(run=run)}
    assert steps["update_lifecycle_stage"].result == {
        "from_stage": "adoption",
        "to_stage": "at_risk",
    }
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "at_risk"
    change = LifecycleChange.objects.get(customer=customer)
    assert change.source == "system"
    assert run.run_id in change.reason
    assert steps["deploy_success_playbook"].result == {
        "skipped": True,
        "reason": "no active playbook for workflow type health_decline_intervention",
    }
    assert steps["notify_account_team"].result["skipped"] is True
    run.refresh_from_db()
    assert run.status == "completed"
    again = _start(customer, ["update_lifecycle_stage"])
    drain()
    assert WorkflowStepRun.objects.get(run=again).result == {
        "skipped": True,
        "reason": "already at_risk",
    }


def test_automation_rule_starts_a_workflow_with_cooldown(customer: Any) -> None:
    from operations.handlers import clear_rule_cache

    rule = AutomationRule.objects.create(
        name="Critical health",
        event_type="customer.health_declined",
        conditions={"grade": ["critical"]},
        workflow_type="health_decline_intervention",
        automation_steps=["send_immediate_alert", "create_escalation"],
        cooldown_hours=24,
    )
    clear_rule_cache()
    publish("customer.health_declined", customer_id="cust_12345", data={"grade": "at_risk"})
    drain()
    assert WorkflowRun.objects.count() == 0  # the conditions do not match
    publish("customer.health_declined", customer_id="cust_12345", data={"grade": "critical"})
    drain()
    run = WorkflowRun.objects.get()
    assert (run.trigger, run.rule, run.status) == ("rule", rule, "completed")
    assert run.evaluation["event"]["data"] == {"grade": "critical"}
    publish("customer.health_declined", customer_id="cust_12345", data={"grade": "critical"})
    drain()
    assert WorkflowRun.objects.count() == 1  # cooling down
    WorkflowRun.objects.update(created_at=timezone.now() - timedelta(hours=25))
    publish("customer.health_declined", customer_id="cust_12345", data={"grade": "critical"})
    drain()
    assert WorkflowRun.objects.count() == 2


def test_delivered_feedback_becomes_a_csm_task_once(customer: Any) -> None:
    data = {"feedback_id": "fb_1", "description": "Automated health triggers"}
    publish("feedback.delivered", customer_id="cust_12345", data=data)
    publish("feedback.delivered", customer_id="cust_12345", data=data)  # re-delivery
    drain()
    task = Task.objects.get()
    assert task.task_id == "fbd_fb_1"
    assert task.owner is not None
    assert task.owner.email == "csm@vendor.example"
    assert task.title == "Tell Acme it shipped: Automated health triggers"


def test_alerts_and_escalations_api(api: APIClient, customer: Any) -> None:
    run = _start(customer, ["send_immediate_alert", "create_escalation"])
    drain()
    other = CustomerFactory.create(customer_id="cust_other")
    _start(other, ["create_escalation"])
    drain()
    alerts = api.get("/api/v1/cs-ops/alerts", {"customer_id": "cust_12345"}).json()["results"]
    assert [a["source_key"] for a in alerts] == [f"{run.run_id}:send_immediate_alert"]
    alert_id = alerts[0]["alert_id"]
    resolved = api.patch(f"/api/v1/cs-ops/alerts/{alert_id}", {"status": "resolved"}, format="json")
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_at"] is not None
    open_all = api.get("/api/v1/cs-ops/escalations", {"open": "true"}).json()["results"]
    assert len(open_all) == 2
    mine = api.get(
        "/api/v1/cs-ops/escalations", {"open": "true", "customer_id": "cust_12345"}
    ).json()["results"]
    assert [e["run_id"] for e in mine] == [run.run_id]
    esc = mine[0]["escalation_id"]
    moved = api.patch(
        f"/api/v1/cs-ops/escalations/{esc}",
        {"status": "resolved", "owner_email": "lead@vendor.example"},
        format="json",
    ).json()
    assert (moved["status"], moved["owner_email"]) == ("resolved", "lead@vendor.example")
    assert Event.objects.filter(type="escalation.resolved").count() == 1
    assert len(api.get("/api/v1/cs-ops/escalations", {"open": "true"}).json()["results"]) == 1
    bad = api.patch(f"/api/v1/cs-ops/escalations/{esc}", {"status": "gone"}, format="json")
    assert bad.status_code == 400
    assert api.patch(f"/api/v1/cs-ops/escalations/{esc}", {}, format="json").status_code == 400
    assert api.get("/api/v1/cs-ops/alerts/alr_nope").status_code == 404


@pytest.mark.parametrize("size", [3, 12])
def test_run_list_query_count(
    api: APIClient, customer: Any, size: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(size):
        _start(customer, ["send_immediate_alert", "create_escalation"])
    # auth (2) + runs + steps prefetch
    with django_assert_max_num_queries(5):
        body = api.get(f"{URL}/runs", {"customer_id": "cust_12345"}).json()
    assert len(body["results"]) == size
    assert all(len(r["steps"]) == 2 for r in body["results"])


def test_a_second_terminal_failure_gets_its_own_escalation(
    customer: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CS_HUB_WORKFLOW_MAX_ATTEMPTS = 1

    def broken(ctx: registry.StepContext) -> dict[str, Any]:
        raise RuntimeError("still down")

    monkeypatch.setitem(registry._steps, "create_escalation", registry.Step("x", broken, ""))
    run = _start(customer, ["create_escalation"])
    drain()
    step = WorkflowStepRun.objects.get(run=run)
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.started_at is not None  # it did start, though its attempt rolled back
    engine.step_retry(step)
    drain()
    keys = sorted(
        str(k) for k in Escalation.objects.filter(run=run).values_list("source_key", flat=True)
    )
    assert keys == [f"{step.key}:failed:1", f"{step.key}:failed:2"]


def test_a_broken_rule_does_not_fail_the_event_for_other_handlers(customer: Any) -> None:
    from operations.handlers import clear_rule_cache

    AutomationRule.objects.create(  # saved around the admin form: repeated steps, huge cool-down
        name="Broken",
        event_type="feedback.delivered",
        workflow_type="x",
        automation_steps=["create_escalation", "create_escalation"],
        cooldown_hours=2_000_000_000,
    )
    clear_rule_cache()
    publish("feedback.delivered", customer_id="cust_12345", data={"feedback_id": "fb_9"})
    drain()
    assert Event.objects.get(type="feedback.delivered").status == "done"
    assert Task.objects.filter(task_id="fbd_fb_9").exists()  # the other handler's effect
    run = WorkflowRun.objects.get()  # the rule still ran, once, its steps de-duplicated
    assert [s.step for s in run.steps.all()] == ["create_escalation"]
