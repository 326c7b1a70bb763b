from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from operations.models import Task
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.support.errors import item_errors

from .factories import TaskFactory

URL = "/api/v1/cs-ops/tasks"
DAY = timedelta(days=1)


def task(i: int, **extra: object) -> dict:
    return {
        "task_id": f"task_{i}",
        "customer_id": "c1",
        "kind": "check_in",
        "owner_email": "sarah@company.com",
        "title": "Monthly check-in",
        "due_at": "2025-04-01T15:00:00Z",
        "completed_at": "2025-04-01T15:30:00Z",
        **extra,
    }


def test_ingest_creates_then_resend_changes_nothing(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    sarah = TeamMemberFactory.create(email="sarah@company.com")
    next_week = (timezone.now() + timedelta(days=7)).isoformat()
    batch = [
        task(1, owner_email="Sarah@Company.com"),
        task(2, kind="meeting", title="QBR", due_at=next_week, completed_at=None),
        {k: v for k, v in task(3, kind="email").items() if k != "owner_email"},
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    rows = {t.task_id: t for t in Task.objects.all()}
    assert rows["task_1"].owner_id == sarah.pk
    assert rows["task_2"].completed_at is None
    assert rows["task_2"].due_at is not None
    assert rows["task_3"].owner_id is None
    stamps = dict(Task.objects.values_list("task_id", "updated_at"))
    assert api.post(URL, batch, format="json").json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert dict(Task.objects.values_list("task_id", "updated_at")) == stamps


def test_owner_left_out_is_kept_and_null_clears_it(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    sarah = TeamMemberFactory.create(email="sarah@company.com")
    assert api.post(URL, [task(1), task(2)], format="json").status_code == 200
    kept = {k: v for k, v in task(1, title="Renamed").items() if k != "owner_email"}
    response = api.post(URL, [kept, task(2, owner_email=None)], format="json")
    assert response.json() == {"created": 0, "updated": 2, "unchanged": 0}
    owners = dict(Task.objects.values_list("task_id", "owner_id"))
    assert owners == {"task_1": sarah.pk, "task_2": None}
    assert Task.objects.get(task_id="task_1").title == "Renamed"


def test_ingest_reports_every_bad_item_and_writes_nothing(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    TeamMemberFactory.create(email="sarah@company.com")
    in_3_days = (timezone.now() + timedelta(days=3)).isoformat()
    batch = [
        task(0),
        task(1, completed_at=in_3_days),
        task(2, kind="lunch"),
        task(3, owner_email="not-an-email"),
        task(4, title=""),
        task(5, title="x" * 201),
        task(6, due_at="next tuesday"),
        task(7, title=12),
        task(8, priority="high"),
        task(0),
        task(10, due_at="3000-01-01T00:00:00Z"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert sorted(item_errors(response), key=str) == sorted(
        [
            (1, "completed_at", "invalid"),
            (2, "kind", "invalid_choice"),
            (3, "owner_email", "invalid"),
            (4, "title", "blank"),
            (5, "title", "max_length"),
            (6, "due_at", "invalid"),
            (7, "title", "invalid"),
            (8, "priority", "unknown_field"),
            (9, "task_id", "duplicate_key"),
            (10, "due_at", "invalid"),
        ],
        key=str,
    )
    assert not Task.objects.exists()


def test_unknown_customer_and_unknown_owner_are_reported_together(api: APIClient) -> None:
    CustomerFactory.create(customer_id="c1")
    TeamMemberFactory.create(email="sarah@company.com")
    batch = [
        task(0, customer_id="ghost"),
        task(1, owner_email="nobody@company.com"),
        task(2),
        task(3, customer_id="ghost2", owner_email="nobody@company.com"),
    ]
    response = api.post(URL, batch, format="json")
    assert response.status_code == 400
    assert item_errors(response) == [
        (0, "customer_id", "unknown_customer"),
        (1, "owner_email", "unknown_team_member"),
        (3, "customer_id", "unknown_customer"),
        (3, "owner_email", "unknown_team_member"),
    ]
    assert not Task.objects.exists()


def test_list_filters_detail_and_404(api: APIClient) -> None:
    a, b = CustomerFactory.create(customer_id="a"), CustomerFactory.create(customer_id="b")
    sarah, tom = TeamMemberFactory.create(email="sarah@company.com"), TeamMemberFactory.create()
    t0 = timezone.now() - timedelta(days=30)
    TaskFactory.create(task_id="k1", customer=a, owner=sarah, completed_at=t0)
    TaskFactory.create(task_id="k2", customer=a, owner=tom, kind="call", completed_at=t0 + 2 * DAY)
    TaskFactory.create(task_id="k3", customer=b, owner=None, due_at=t0 + 40 * DAY)

    def ids(**params: str) -> list[str]:
        response = api.get(URL, params)
        assert response.status_code == 200, response.json()
        return [t["task_id"] for t in response.json()["results"]]

    assert ids() == ["k1", "k2", "k3"]  # oldest recorded first
    assert ids(customer_id="a") == ["k1", "k2"]
    assert ids(kind="call") == ["k2"]
    assert ids(owner_email="SARAH@company.com") == ["k1"]
    assert ids(completed="true") == ["k1", "k2"]
    assert ids(completed="false") == ["k3"]
    assert ids(completed_after=(t0 + DAY).isoformat()) == ["k2"]
    assert ids(completed_before=(t0 + DAY).isoformat()) == ["k1"]
    assert api.get(URL, {"kind": "lunch"}).status_code == 400

    body = api.get(f"{URL}/k3").json()
    assert (body["customer_id"], body["owner_email"], body["completed_at"]) == ("b", None, None)
    assert api.get(f"{URL}/k1").json()["owner_email"] == "sarah@company.com"
    missing = api.get(f"{URL}/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "task_not_found"


def test_scopes(make_client: MakeClient) -> None:
    reader = make_client("operations:read")
    assert reader.get(URL).status_code == 200
    assert reader.post(URL, [task(1)], format="json").status_code == 403
    assert make_client("finance:read").get(f"{URL}/task_1").status_code == 403


def test_list_query_count_is_bounded(api: APIClient, django_assert_max_num_queries: Any) -> None:
    owners = TeamMemberFactory.create_batch(3)
    for i, customer in enumerate(CustomerFactory.create_batch(6)):
        TaskFactory.create_batch(5, customer=customer, owner=owners[i % 3])
    with django_assert_max_num_queries(3):
        assert len(api.get(URL, {"page_size": 10}).json()["results"]) == 10
    with django_assert_max_num_queries(3):
        body = api.get(URL, {"page_size": 500}).json()
    assert len(body["results"]) == 30
    assert {t["owner_email"] for t in body["results"]} == {o.email for o in owners}
