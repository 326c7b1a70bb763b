"""My accounts, My tasks (overdue first), My alerts: a CSM sees their own rows only, in a fixed
number of queries whatever the number of rows."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, HealthScore, TeamMember
from operations.models import Alert, Escalation
from tests.customers.factories import CustomerFactory
from tests.operations.factories import TaskFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _score(customer: Customer, score: int, grade: str) -> None:
    HealthScore.objects.create(
        customer=customer,
        score=score,
        grade=grade,
        components={},
        as_of=timezone.localdate(),
        computed_at=timezone.now(),
        model_version=1,
    )


def test_my_accounts_lists_my_active_customers_worst_health_first(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    good = CustomerFactory.create(name="Good", success_manager=csm)
    bad = CustomerFactory.create(name="Bad", success_manager=csm)
    unscored = CustomerFactory.create(name="Unscored", success_manager=csm)
    CustomerFactory.create(name="Churned", success_manager=csm, status="churned")
    CustomerFactory.create(name="Not mine", success_manager=other_csm)
    _score(good, 85, "healthy")
    _score(bad, 32, "critical")
    response = csm_client.get(reverse("cockpit:my_accounts"))
    assert response.status_code == 200
    rows = response.context["accounts"]
    # worst first, never scored last; the churned and the other CSM's customers are absent
    assert [(a.name, a.health_score, a.health_grade) for a in rows] == [
        ("Bad", 32, "critical"),
        ("Good", 85, "healthy"),
        ("Unscored", None, None),
    ]
    assert response.context["total"] == 3
    body = response.content.decode()
    assert unscored.customer_id in body
    assert "Not mine" not in body


def test_my_tasks_are_my_open_tasks_overdue_first(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    now = timezone.now()
    customer = CustomerFactory.create(success_manager=csm)
    later = TaskFactory.create(
        task_id="t_later", customer=customer, owner=csm, due_at=now + timedelta(days=2)
    )
    undated = TaskFactory.create(task_id="t_undated", customer=customer, owner=csm, due_at=None)
    late = TaskFactory.create(
        task_id="t_late", customer=customer, owner=csm, due_at=now - timedelta(days=3)
    )
    later_late = TaskFactory.create(
        task_id="t_late2", customer=customer, owner=csm, due_at=now - timedelta(hours=1)
    )
    TaskFactory.create(task_id="t_done", customer=customer, owner=csm, completed_at=now)
    TaskFactory.create(
        task_id="t_bo", customer=customer, owner=other_csm, due_at=now - timedelta(days=9)
    )
    response = csm_client.get(reverse("cockpit:my_tasks"))
    assert response.status_code == 200
    tasks = response.context["tasks"]
    assert [t.task_id for t in tasks] == ["t_late", "t_late2", "t_later", "t_undated"]
    assert [t.overdue for t in tasks] == [True, True, False, False]
    assert (response.context["total"], response.context["overdue"]) == (4, 2)
    body = response.content.decode()
    assert "t_bo" not in body
    assert "t_done" not in body
    assert {late.pk, later_late.pk, later.pk, undated.pk} == {t.pk for t in tasks}


def test_complete_from_my_tasks_only_completes_my_tasks(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    customer = CustomerFactory.create(success_manager=csm)
    mine = TaskFactory.create(customer=customer, owner=csm)
    done = TaskFactory.create(customer=customer, owner=csm, completed_at=timezone.now())
    theirs = TaskFactory.create(customer=customer, owner=other_csm)
    url = reverse("cockpit:my_tasks")
    response = csm_client.post(url, {"task": [mine.pk, done.pk, theirs.pk, "x"]}, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["Completed 1 task; 1 was already completed; 1 was not found."]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.completed_at is not None
    assert theirs.completed_at is None


def test_my_alerts_are_open_ones_on_my_accounts_or_mine(
    csm_client: Any, csm: TeamMember, other_csm: TeamMember
) -> None:
    mine = CustomerFactory.create(success_manager=csm)
    theirs = CustomerFactory.create(success_manager=other_csm)
    Alert.objects.create(alert_id="alr_on_mine", customer=mine, title="t", status="open")
    Alert.objects.create(
        alert_id="alr_assigned", customer=theirs, owner=csm, title="t", status="acknowledged"
    )
    Alert.objects.create(alert_id="alr_resolved", customer=mine, title="t", status="resolved")
    Alert.objects.create(alert_id="alr_theirs", customer=theirs, owner=other_csm, title="t")
    Escalation.objects.create(
        escalation_id="esc_on_mine", customer=mine, owner_email="ops@x.io", reason="r"
    )
    Escalation.objects.create(
        escalation_id="esc_owned",
        customer=theirs,
        owner_email="ANA@company.com",
        reason="r",
        status="in_progress",
    )
    Escalation.objects.create(
        escalation_id="esc_theirs", customer=theirs, owner_email="ops@x.io", reason="r"
    )
    response = csm_client.get(reverse("cockpit:my_alerts"))
    assert response.status_code == 200
    assert {a.public_id for a in response.context["alerts"]} == {"alr_on_mine", "alr_assigned"}
    assert {e.public_id for e in response.context["escalations"]} == {
        "esc_on_mine",
        "esc_owned",
    }
    body = response.content.decode()
    assert "alr_theirs" not in body
    assert "esc_theirs" not in body
    assert "alr_resolved" not in body


def _book(csm: TeamMember, size: int) -> None:
    customers = CustomerFactory.create_batch(size, success_manager=csm)
    for i, customer in enumerate(customers):
        _score(customer, 40 + i % 50, "at_risk")
        TaskFactory.create(customer=customer, owner=csm, due_at=timezone.now() - timedelta(days=1))
        Alert.objects.create(alert_id=f"alr_{i}", customer=customer, title="t")
        Escalation.objects.create(
            escalation_id=f"esc_{i}", customer=customer, owner_email="o@x.io", reason="r"
        )


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", ["my_accounts", "my_tasks", "my_alerts"])
def test_queue_queries_do_not_grow_with_rows(
    django_assert_max_num_queries: Any, csm: TeamMember, name: str, size: int
) -> None:
    _book(csm, size)
    client = signed_in(csm)
    # session, user, the admin context, the member, then the page's rows: 7 at both sizes
    with django_assert_max_num_queries(7):
        response = client.get(reverse(f"cockpit:{name}"))
    assert response.status_code == 200
    rows = {"my_accounts": "accounts", "my_tasks": "tasks", "my_alerts": "alerts"}[name]
    assert len(response.context[rows]) == size


def test_a_manager_opens_a_members_queue_and_bad_ids_are_404(
    staff: Any, csm: TeamMember, csm_client: Any, other_csm: TeamMember
) -> None:
    CustomerFactory.create(name="Ana's", success_manager=csm)
    url = reverse("cockpit:my_accounts")
    response = staff.get(url, {"member": csm.pk})
    assert [a.name for a in response.context["accounts"]] == ["Ana's"]
    assert staff.get(url, {"member": "abc"}).status_code == 404
    assert staff.get(url, {"member": 999999}).status_code == 404
    # a CSM may not open another member's queue
    assert csm_client.get(url, {"member": other_csm.pk}).status_code == 404


def test_a_sign_in_without_a_member_is_told_so(staff: Any) -> None:
    response = staff.get(reverse("cockpit:my_tasks"))
    assert response.status_code == 200
    assert "not linked to a team member" in response.content.decode()
    task = TaskFactory.create()
    response = staff.post(reverse("cockpit:my_tasks"), {"task": [str(task.pk)]})
    assert response.status_code == 200  # no queue, nothing completed
    task.refresh_from_db()
    assert task.completed_at is None


def test_queues_need_a_staff_sign_in(client: Any) -> None:
    response = client.get(reverse("cockpit:my_tasks"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
