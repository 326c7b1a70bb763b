"""Bulk actions in the admin write through the same services as the API and say what they did
with counts; a refusal is a message, never a 500."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, HealthScore, Milestone, SuccessPlan, TeamMember
from integrations.domain_errors import Conflict
from integrations.models import Event
from operations.models import Alert, Escalation, Playbook, Task, WorkflowRun
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.operations.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _act(client: Any, url_name: str, action: str, pks: list[int], **extra: Any) -> Any:
    response = client.post(
        # index: the admin's "Go" button sends it, as do the action pages' hidden inputs
        reverse(url_name),
        {"action": action, "_selected_action": pks, "index": "0", **extra},
        follow=True,
    )
    assert response.status_code == 200
    return response


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_complete_tasks(staff: Any) -> None:
    open_tasks = TaskFactory.create_batch(3)
    done_at = timezone.now() - timedelta(days=2)
    done = TaskFactory.create(completed_at=done_at)
    before = timezone.now()
    pks = [t.pk for t in [*open_tasks, done]]
    response = _act(staff, "admin:operations_task_changelist", "complete", pks)
    assert _messages(response) == ["Completed 3 tasks; 1 was already completed."]
    for task in open_tasks:
        task.refresh_from_db()
        assert task.completed_at is not None
        assert task.completed_at >= before
    done.refresh_from_db()
    assert done.completed_at == done_at  # left as it was


def test_a_csm_completes_tasks_from_the_task_list(csm_client: Any, csm: TeamMember) -> None:
    """The CS managers group may change tasks: the action is theirs too."""
    task = TaskFactory.create(owner=csm)
    response = _act(csm_client, "admin:operations_task_changelist", "complete", [task.pk])
    assert _messages(response) == ["Completed 1 task."]
    assert Task.objects.get().completed_at is not None


def test_overdue_filter(staff: Any) -> None:
    now = timezone.now()
    late = TaskFactory.create(task_id="late", due_at=now - timedelta(days=1))
    TaskFactory.create(task_id="soon", due_at=now + timedelta(days=1))
    TaskFactory.create(task_id="late_done", due_at=now - timedelta(days=1), completed_at=now)
    response = staff.get(reverse("admin:operations_task_changelist"), {"overdue": "yes"})
    assert [t.pk for t in response.context["cl"].result_list] == [late.pk]
    response = staff.get(reverse("admin:operations_task_changelist"), {"overdue": "no"})
    assert [t.task_id for t in response.context["cl"].result_list] == ["soon"]


def _alert(status: str) -> Alert:
    return Alert.objects.create(
        alert_id=f"alr_{Alert.objects.count()}",
        customer=CustomerFactory.create(),
        title="t",
        status=status,
    )


def test_acknowledge_and_resolve_alerts(staff: Any) -> None:
    rows = [_alert("open"), _alert("open"), _alert("acknowledged"), _alert("resolved")]
    pks = [a.pk for a in rows]
    url = "admin:operations_alert_changelist"
    response = _act(staff, url, "acknowledge", pks)
    assert _messages(response) == [
        "Acknowledged 2 alerts; 1 was already acknowledged; 1 was resolved (left as they were)."
    ]
    statuses = dict(Alert.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in pks] == ["acknowledged"] * 3 + ["resolved"]
    response = _act(staff, url, "resolve", pks)
    assert _messages(response) == ["Resolved 3 alerts; 1 was already resolved."]
    assert Alert.objects.filter(status="resolved").count() == 4
    # resolved_at follows the status (the service's rule) on the three it moved
    assert Alert.objects.filter(pk__in=pks[:3], resolved_at__isnull=False).count() == 3


def test_a_refused_alert_is_counted_and_the_others_move(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from operations.errors import AlertNotFound
    from operations.workflows import incidents

    gone, kept = _alert("open"), _alert("open")
    real = incidents.alert_update

    def update(*, alert: Alert, status: str) -> Alert:
        if alert.pk == gone.pk:
            raise AlertNotFound()
        return real(alert=alert, status=status)

    monkeypatch.setattr(incidents, "alert_update", update)
    response = _act(staff, "admin:operations_alert_changelist", "resolve", [gone.pk, kept.pk])
    assert _messages(response) == [f"Resolved 1 alert; 1 refused ({AlertNotFound().text()})."]
    assert Alert.objects.get(pk=kept.pk).status == "resolved"
    assert Alert.objects.get(pk=gone.pk).status == "open"


def test_acknowledge_and_resolve_escalations_publish_the_resolutions(staff: Any) -> None:
    customer = CustomerFactory.create()
    rows = [
        Escalation.objects.create(
            escalation_id=f"esc_{i}", customer=customer, owner_email="o@x.io", reason="r"
        )
        for i in range(3)
    ]
    pks = [e.pk for e in rows]
    url = "admin:operations_escalation_changelist"
    response = _act(staff, url, "acknowledge", pks[:2])
    assert _messages(response) == ["Acknowledged 2 escalations."]
    assert Escalation.objects.filter(status="in_progress").count() == 2
    response = _act(staff, url, "resolve", pks)
    assert _messages(response) == ["Resolved 3 escalations."]
    resolved = Event.objects.filter(type="escalation.resolved")
    assert sorted(e.data["escalation_id"] for e in resolved) == ["esc_0", "esc_1", "esc_2"]


def test_assign_a_csm_in_bulk(staff: Any) -> None:
    ana, bo = TeamMemberFactory.create(name="Ana"), TeamMemberFactory.create(name="Bo")
    customers = [CustomerFactory.create(success_manager=ana) for _ in range(2)]
    customers.append(CustomerFactory.create(success_manager=bo))
    pks = [c.pk for c in customers]
    url = "admin:customers_customer_changelist"
    page = _act(staff, url, "assign_csm", pks)  # the intermediate page
    assert page.templates[0].name == "admin/cockpit/assign_csm.html"
    assert "3 customers selected" in page.content.decode()
    bad = _act(staff, url, "assign_csm", pks, apply="1", member="999999")
    assert "member" in bad.context["form"].errors  # shown again, nothing written
    response = _act(staff, url, "assign_csm", pks, apply="1", member=str(bo.pk))
    assert _messages(response) == ["Assigned Bo to 2 customers; 1 already had Bo."]
    assert set(Customer.objects.values_list("success_manager_id", flat=True)) == {bo.pk}


def _health(customer: Customer, old: int, new: int) -> None:
    now = timezone.now()
    for score, at in ((old, now - timedelta(days=30)), (new, now)):
        HealthScore.objects.create(
            customer=customer,
            score=score,
            grade="healthy" if score >= 70 else "critical",
            components={},
            as_of=timezone.localdate(at),
            computed_at=at,
            model_version=1,
        )


def test_start_a_workflow_for_selected_customers(staff: Any) -> None:
    Playbook.objects.create(workflow_type="recovery", name="Recovery")
    falling = CustomerFactory.create(name="A falling", customer_id="cust_fall")
    steady = CustomerFactory.create(name="B steady", customer_id="cust_steady")
    _health(falling, 80, 50)  # dropped 30 points
    _health(steady, 75, 72)  # dropped 3
    pks = [falling.pk, steady.pk]
    url = "admin:customers_customer_changelist"
    form = {
        "playbook": str(Playbook.objects.get().pk),
        "steps": ["deploy_success_playbook"],
        "health_score_drop": "20",
        "conditions_match": "all",
    }
    check = _act(staff, url, "start_workflow", pks, check="1", **form)
    rows = check.context["checks"]
    assert [(r["customer"].name, r["holds"]) for r in rows] == [
        ("A falling", True),
        ("B steady", False),
    ]
    assert [m.measured for r in rows for m in r["measured"]] == [30, 3]
    assert WorkflowRun.objects.count() == 0  # checking starts nothing
    response = _act(staff, url, "start_workflow", pks, start="1", **form)
    assert _messages(response) == [
        "Started 1 workflow (Recovery); 1 not started, conditions not met: cust_steady."
    ]
    run = WorkflowRun.objects.get()
    assert (run.customer, run.workflow_type, run.trigger) == (falling, "recovery", "admin")
    assert run.requested_by == "admin:admin"
    assert Event.objects.filter(type="workflow.started", customer_id="cust_fall").count() == 1
    response = _act(staff, url, "start_workflow", pks, start="1", force="on", **form)
    assert _messages(response) == ["Started 2 workflows (Recovery)."]


def test_start_workflow_refuses_bad_input_and_shows_domain_errors(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = CustomerFactory.create()
    playbook = Playbook.objects.create(workflow_type="recovery", name="Recovery")
    url = "admin:customers_customer_changelist"
    bad = _act(
        staff,
        url,
        "start_workflow",
        [customer.pk],
        start="1",
        playbook="x",
        steps=["nope"],
        usage_decline="7",
        conditions_match="all",
    )
    assert set(bad.context["form"].errors) == {"playbook", "steps", "usage_decline"}

    def refuse(**kwargs: Any) -> None:
        raise Conflict("The customer is being changed by someone else.")

    monkeypatch.setattr("cockpit.admin.customer_actions.workflow_start", refuse)
    response = _act(
        staff,
        url,
        "start_workflow",
        [customer.pk],
        start="1",
        playbook=str(playbook.pk),
        steps=["deploy_success_playbook"],
        conditions_match="all",
    )
    assert _messages(response) == ["The customer is being changed by someone else."]


def test_mark_milestones_achieved(staff: Any) -> None:
    plan = SuccessPlan.objects.create(customer=CustomerFactory.create(), title="Plan")
    rows = [
        Milestone.objects.create(plan=plan, title="a"),
        Milestone.objects.create(plan=plan, title="b", status="in_progress"),
        Milestone.objects.create(
            plan=plan,
            title="c",
            status="achieved",
            achieved_on=timezone.localdate() - timedelta(days=5),
        ),
    ]
    response = _act(
        staff, "admin:customers_milestone_changelist", "mark_achieved", [m.pk for m in rows]
    )
    assert _messages(response) == ["Marked 2 milestones achieved; 1 was already achieved."]
    days = dict(Milestone.objects.values_list("title", "achieved_on"))
    assert days["a"] == days["b"] == timezone.localdate()
    assert days["c"] == timezone.localdate() - timedelta(days=5)


def test_create_sign_in_for_team_members(staff: Any) -> None:
    ana = TeamMemberFactory.create(email="ana@company.com", name="Ana")
    url = "admin:customers_teammember_changelist"
    page = _act(staff, url, "create_sign_in", [ana.pk])
    ((username, password),) = page.context["created"]
    assert username == "ana@company.com"
    assert password in page.content.decode()
    ana.refresh_from_db()
    user = ana.user
    assert user is not None
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["CS managers"]
    # view and change on 7 models (customers, stakeholders, plans, milestones, tasks, alerts,
    # escalations), view only on 18 (what the 360 page links to)
    assert user.groups.get().permissions.count() == 7 * 2 + 18
    assert user.has_perm("operations.change_task")
    assert not user.has_perm("auth.add_user")
    client = Client()
    assert client.login(username=username, password=password)
    assert client.get(reverse("cockpit:my_tasks")).context["member"].pk == ana.pk
    again = _act(staff, url, "create_sign_in", [ana.pk])
    assert _messages(again) == [
        "No sign-in for ana@company.com: This team member already has a sign-in."
    ]
    assert get_user_model().objects.filter(username="ana@company.com").count() == 1


def test_a_csm_may_not_create_sign_ins(csm_client: Any, other_csm: TeamMember) -> None:
    response = csm_client.post(
        reverse("admin:customers_teammember_changelist"),
        {"action": "create_sign_in", "_selected_action": [other_csm.pk]},
    )
    assert response.status_code in {200, 302, 403}
    other_csm.refresh_from_db()
    assert other_csm.user is None


@pytest.mark.parametrize("size", [3, 30])
def test_intermediate_pages_query_counts_do_not_grow(
    staff: Any, django_assert_max_num_queries: Any, size: int
) -> None:
    playbook = Playbook.objects.create(workflow_type="recovery", name="Recovery")
    customers = CustomerFactory.create_batch(size)
    for customer in customers:
        _health(customer, 80, 60)
    pks = [c.pk for c in customers]
    url = reverse("admin:customers_customer_changelist")
    # the same at 3 and 30 selected customers: 8 for the CSM choice, 14 for the checks (each
    # condition read set-based for every customer at once)
    with django_assert_max_num_queries(8):
        page = staff.post(url, {"action": "assign_csm", "_selected_action": pks})
    assert len(page.context["customers"]) == size
    form = {
        "action": "start_workflow",
        "_selected_action": pks,
        "check": "1",
        "playbook": str(playbook.pk),
        "steps": ["deploy_success_playbook"],
        "health_score_drop": "10",
        "usage_decline": "0.2",
        "support_increase": "0.5",
        "conditions_match": "any",
    }
    with django_assert_max_num_queries(14):
        page = staff.post(url, form)
    assert [r["holds"] for r in page.context["checks"]] == [True] * size  # dropped 20 points


def test_retry_the_failed_step(staff: Any) -> None:
    from operations.models import WorkflowStepRun
    from operations.workflows.engine import workflow_start

    runs = [
        workflow_start(
            customer=CustomerFactory.create(),
            workflow_type="t",
            trigger_conditions={},
            steps=["create_escalation"],
            force=True,
        )
        for _ in range(2)
    ]
    WorkflowStepRun.objects.filter(run=runs[0]).update(status="failed", attempts=3)
    WorkflowRun.objects.filter(pk=runs[0].pk).update(status="failed")
    response = _act(
        staff, "admin:operations_workflowrun_changelist", "retry_failed_step", [r.pk for r in runs]
    )
    assert _messages(response) == ["Retrying 1 failed step; 1 was without a failed step."]
    step = WorkflowStepRun.objects.get(run=runs[0])
    assert (step.status, step.attempts, step.run.status) == ("pending", 0, "running")
