"""A CSM changes only their own work from the task, alert and escalation lists (as "My tasks"
does): another CSM's rows stay as they were, whatever ids the POST names; a manager (who may
change team members) acts on any."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from customers.models import TeamMember
from operations.models import Alert, Escalation, Task
from tests.customers.factories import CustomerFactory
from tests.operations.factories import TaskFactory

pytestmark = pytest.mark.django_db

TASKS = "admin:operations_task_changelist"


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _tasks(csm: TeamMember, other_csm: TeamMember) -> tuple[Task, Task]:
    mine = TaskFactory.create(owner=csm, customer=CustomerFactory.create())
    theirs = TaskFactory.create(owner=other_csm, customer=CustomerFactory.create())
    return mine, theirs


def test_the_task_list_completes_only_the_csms_own_tasks(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    mine, theirs = _tasks(csm, other_csm)
    response = csm_client.post(
        reverse(TASKS),
        {"action": "complete", "_selected_action": [mine.pk, theirs.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert _messages(response) == [
        "1 selected task not yours: left unchanged (a manager acts on another CSM's work).",
        "Completed 1 task.",
    ]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.completed_at is not None
    assert theirs.completed_at is None


def test_select_across_completes_only_the_csms_own_tasks(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    mine, theirs = _tasks(csm, other_csm)
    csm_client.post(
        reverse(TASKS),
        {"action": "complete", "_selected_action": [theirs.pk], "select_across": "1", "index": 0},
    )
    assert Task.objects.filter(completed_at__isnull=False).get() == mine


def test_another_csms_task_form_is_read_only(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    mine, theirs = _tasks(csm, other_csm)
    theirs_url = reverse("admin:operations_task_change", args=[theirs.pk])
    page = csm_client.get(theirs_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert csm_client.post(theirs_url, {"title": "changed"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.title != "changed"
    mine_page = csm_client.get(reverse("admin:operations_task_change", args=[mine.pk]))
    assert 'name="_save"' in mine_page.content.decode()


def test_alerts_and_escalations_move_only_on_the_csms_accounts_or_theirs(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    my_account = CustomerFactory.create(success_manager=csm)
    their_account = CustomerFactory.create(success_manager=other_csm)
    on_mine = Alert.objects.create(alert_id="alr_mine", customer=my_account, title="t")
    assigned = Alert.objects.create(
        alert_id="alr_assigned", customer=their_account, owner=csm, title="t"
    )
    theirs = Alert.objects.create(alert_id="alr_theirs", customer=their_account, title="t")
    response = csm_client.post(
        reverse("admin:operations_alert_changelist"),
        {"action": "resolve", "_selected_action": [on_mine.pk, assigned.pk, theirs.pk]},
        follow=True,
    )
    assert _messages(response)[0].startswith("1 selected alert not yours")
    statuses = dict(Alert.objects.values_list("alert_id", "status"))
    assert statuses == {"alr_mine": "resolved", "alr_assigned": "resolved", "alr_theirs": "open"}

    owned = Escalation.objects.create(
        escalation_id="esc_owned", customer=their_account, owner_email="ANA@company.com", reason="r"
    )
    other = Escalation.objects.create(
        escalation_id="esc_theirs", customer=their_account, owner_email="ops@x.io", reason="r"
    )
    csm_client.post(
        reverse("admin:operations_escalation_changelist"),
        {"action": "resolve", "_selected_action": [owned.pk, other.pk]},
    )
    statuses = dict(Escalation.objects.values_list("escalation_id", "status"))
    assert statuses == {"esc_owned": "resolved", "esc_theirs": "open"}


def test_a_manager_completes_anyones_task(
    staff: Client, csm: TeamMember, other_csm: TeamMember
) -> None:
    mine, theirs = _tasks(csm, other_csm)
    # a superuser linked to a team member is still a manager: no bound
    csm.user = User.objects.get(is_superuser=True)
    csm.save()
    staff.post(reverse(TASKS), {"action": "complete", "_selected_action": [mine.pk, theirs.pk]})
    assert Task.objects.filter(completed_at__isnull=True).count() == 0
