"""A CSM (staff, "CS managers" group) probing what the group does not allow: admin actions on
lists they may only view, other members' queues and tasks. Found on a live server (issue 15
review): a view-only list ran its state-changing action."""

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from customers.models import TeamMember
from operations.choices import StepStatus
from operations.models import Task, WorkflowRun, WorkflowStepRun
from product.models import Feedback
from tests.customers.factories import CustomerFactory
from tests.operations.factories import TaskFactory

pytestmark = pytest.mark.django_db
OURS = {"integrations", "customers", "product", "operations", "finance", "sales", "marketing"}
OURS |= {"webhooks", "cockpit", "demo"}


def test_every_admin_action_needs_more_than_the_view_permission() -> None:
    """An action without `permissions` is offered to anyone who may view the list (ours:
    a third-party admin such as axes' is nobody's but the superuser's)."""
    unguarded = [
        f"{model._meta.label}.{name}"
        for model, model_admin in admin.site._registry.items()
        if model_admin.__module__.split(".")[0] in OURS
        for func, name, _ in model_admin._get_base_actions()
        if not getattr(func, "allowed_permissions", ()) or set(func.allowed_permissions) == {"view"}
    ]
    assert unguarded == []


def _failed_run() -> WorkflowStepRun:
    run = WorkflowRun.objects.create(
        run_id="wfr_x", customer=CustomerFactory.create(), workflow_type="t", status="failed"
    )
    return WorkflowStepRun.objects.create(
        run=run, position=0, step="create_escalation", status=StepStatus.FAILED, attempts=3
    )


def test_a_csm_may_not_retry_a_failed_workflow_step(csm_client: Any) -> None:
    step = _failed_run()
    response = csm_client.post(
        reverse("admin:operations_workflowrun_changelist"),
        {"action": "retry_failed_step", "_selected_action": [step.run_id], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    step.refresh_from_db()
    assert (step.status, step.attempts) == (StepStatus.FAILED, 3)


def test_a_csm_may_not_change_feedback_status(csm_client: Any) -> None:
    item = Feedback.objects.create(
        feedback_id="fb_x",
        customer=CustomerFactory.create(),
        type="feature_request",
        category="sso",
        priority="high",
        business_impact="important",
        description="SAML",
        priority_score=50,
        priority_factors={},
        status="submitted",
        status_changed_at=timezone.now(),
        submitted_by="test",
    )
    response = csm_client.post(
        reverse("admin:product_feedback_changelist"),
        {
            "action": "change_status",
            "_selected_action": [item.pk],
            "index": 0,
            "status": "reviewing",
        },
        follow=True,
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == "submitted"


def test_forged_task_ids_on_my_tasks_complete_nothing_of_another_member(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    theirs = TaskFactory.create(owner=other_csm, customer=CustomerFactory.create())
    mine = TaskFactory.create(owner=csm, customer=CustomerFactory.create())
    ids = [str(theirs.pk), "abc", "-1", "99999999999999999999", "", str(mine.pk)]
    response = csm_client.post(reverse("cockpit:my_tasks"), {"task": ids}, follow=True)
    assert response.status_code == 200
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.completed_at is None
    assert mine.completed_at is not None
    assert Task.objects.filter(completed_at__isnull=False).count() == 1


@pytest.mark.parametrize(
    ("member", "status"),
    [
        *[(bad, 404) for bad in ("²", "99999999999999999999", "-1", "0", "abc", "9" * 5000)],
        ("\x00", 400),  # the NUL guard middleware
    ],
)
def test_a_managers_member_parameter_that_is_no_id_is_refused(
    staff: Any, member: str, status: int
) -> None:
    for name in ("cockpit:my_accounts", "cockpit:my_tasks", "cockpit:my_alerts"):
        assert staff.get(reverse(name), {"member": member}).status_code == status


def test_a_superscript_digit_as_task_id_is_ignored(csm_client: Any, csm: TeamMember) -> None:
    mine = TaskFactory.create(owner=csm, customer=CustomerFactory.create())
    forged = {"task": ["²", "¹", "9" * 5000]}
    response = csm_client.post(reverse("cockpit:my_tasks"), forged, follow=True)
    assert response.status_code == 200
    assert "No tasks selected." in response.content.decode()
    mine.refresh_from_db()
    assert mine.completed_at is None


@pytest.mark.parametrize("version", ["²", "99999999999999999999", "abc", "9" * 5000])
def test_a_history_version_that_is_no_id_is_a_404(staff: Any, version: str) -> None:
    customer = CustomerFactory.create()
    url = f"/admin/customers/customer/{customer.pk}/history/{version}/"
    assert staff.get(url).status_code == 404
    assert staff.post(url, {}).status_code == 404
    customer.refresh_from_db()


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": "0"},
        {"created_at__year": "999999"},
        {"created_at__year__gte": "-5"},
        {"created_at__iso_year": "10000"},
        {"created_at__year__in": "2026,999999"},
        {"name__regex": "("},
        {"name__iregex": "[["},
    ],
)
@pytest.mark.parametrize(
    "url", ["admin:customers_customer_changelist", "admin:operations_task_changelist"]
)
def test_a_lookup_the_database_would_fail_on_is_the_invalid_lookup_redirect(
    staff: Any, url: str, query: dict[str, str]
) -> None:
    CustomerFactory.create()
    response = staff.get(reverse(url), query)
    assert response.status_code == 302
    assert response["Location"] == reverse(url) + "?e=1"


def test_a_year_in_range_still_filters(staff: Any) -> None:
    customer = CustomerFactory.create()
    year = customer.created_at.year
    url = reverse("admin:customers_customer_changelist")
    assert customer.customer_id in staff.get(url, {"created_at__year": str(year)}).content.decode()
    response = staff.get(url, {"created_at__year": str(year - 1)})
    assert response.status_code == 200
    assert customer.customer_id not in response.content.decode()


@pytest.mark.parametrize("bad", ["abc", "1.5", "²", "9" * 5000, "99999999999999999999"])
@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("admin:customers_customer_changelist", "recompute_health"),
        ("admin:operations_task_changelist", "complete"),
        ("admin:operations_alert_changelist", "resolve"),
        ("admin:customers_milestone_changelist", "mark_achieved"),
    ],
)
def test_an_action_on_ids_of_no_record_is_refused_not_a_500(
    staff: Any, url: str, action: str, bad: str
) -> None:
    task = TaskFactory.create(customer=CustomerFactory.create())
    response = staff.post(
        reverse(url), {"action": action, "_selected_action": [str(task.pk), bad], "index": 0}
    )
    assert response.status_code == 302
    page = staff.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert messages == ["The selection holds ids of no record: nothing changed."]
    task.refresh_from_db()
    assert task.completed_at is None


def test_a_csm_selecting_ids_of_no_record_is_refused_too(csm_client: Any, csm: TeamMember) -> None:
    mine = TaskFactory.create(owner=csm, customer=CustomerFactory.create())
    response = csm_client.post(
        reverse("admin:operations_task_changelist"),
        {"action": "complete", "_selected_action": [str(mine.pk), "abc"], "index": 0},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.completed_at is None
