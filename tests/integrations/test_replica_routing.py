"""Read-replica routing (issue 17, README "Read replica") with two configured aliases.

In tests `replica` mirrors the test database (config/settings/test.py): the same rows through a
connection of its own. Every assertion reads the SQL each connection actually ran (captured on
both connections), not what the router answers. Transactional tests: inside the usual test
transaction every read would stay on the primary (an atomic block), and the mirror's own
connection would not see uncommitted rows.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

from customers.models import Customer, HealthDistributionDay, HealthScore
from integrations import events
from integrations.errors import IdempotencyKeyInUse
from integrations.idempotency import idempotency_claim
from integrations.models import Event, IdempotencyRecord
from integrations.replica import REPLICA, primary_reads, replica_reads
from operations.models import Task
from product.models import Feature, FeatureUsage
from tests.cockpit.conftest import signed_in
from tests.customers.factories import CustomerFactory, TeamMemberFactory, health_history
from tests.operations.factories import TaskFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = Customer._meta.db_table
EVENTS = Event._meta.db_table
IDEMPOTENCY = IdempotencyRecord._meta.db_table
MEMO = HealthDistributionDay._meta.db_table
TASKS = Task._meta.db_table
USAGE = FeatureUsage._meta.db_table


@pytest.fixture(autouse=True)
def routed(settings: Any) -> None:
    """The router as DATABASE_REPLICA_URL installs it."""
    settings.DATABASE_ROUTERS = ["integrations.replica.ReplicaRouter"]


@dataclass
class Ran:
    """The SQL each alias ran, and both in the order they ran."""

    default: list[str] = field(default_factory=list)
    replica: list[str] = field(default_factory=list)
    ordered: list[tuple[str, str]] = field(default_factory=list)

    def on(self, alias: str, table: str) -> list[str]:
        return [sql for sql in getattr(self, alias) if f'"{table}"' in sql]

    def after_first(self, prefix: str, table: str) -> list[tuple[str, str]]:
        """Every statement run after the first `prefix` statement on `table`."""
        at = next(
            i
            for i, (_, sql) in enumerate(self.ordered)
            if sql.startswith(prefix) and f'"{table}"' in sql
        )
        return self.ordered[at + 1 :]


@contextmanager
def captured() -> Iterator[Ran]:
    ran = Ran()

    def in_order(alias: str) -> Callable[..., Any]:
        def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            ran.ordered.append((alias, sql))
            return execute(sql, *args)

        return wrapper

    with ExitStack() as stack:
        captures = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in ("default", REPLICA)
        }
        for alias in ("default", REPLICA):
            stack.enter_context(connections[alias].execute_wrapper(in_order(alias)))
        yield ran
        for alias, capture in captures.items():
            setattr(ran, alias, [q["sql"] for q in capture.captured_queries])


# --- the API -------------------------------------------------------------------------------


def test_a_list_endpoint_reads_from_the_replica(api: Any) -> None:
    CustomerFactory.create(customer_id="c_a", name="Ada")
    CustomerFactory.create(customer_id="c_b", name="Bea")
    with captured() as ran:
        response = api.get("/api/v1/customers")
    assert response.status_code == 200
    assert [c["customer_id"] for c in response.json()["results"]] == ["c_a", "c_b"]
    assert ran.on(REPLICA, CUSTOMERS)
    assert ran.on("default", CUSTOMERS) == []
    # Authentication (the key) is read on the primary: a revoked key is refused at once.
    assert ran.default


def test_an_analytics_read_out_runs_its_raw_sql_on_the_replica(api: Any) -> None:
    feature = FeatureFactory.create(feature_id="feat_reports")
    today = timezone.localdate()
    adopter, trier = CustomerFactory.create(), CustomerFactory.create()
    CustomerFactory.create()  # never used it
    FeatureUsage.objects.bulk_create(
        [
            *(
                FeatureUsage(customer=adopter, feature=feature, date=today - timedelta(days=d))
                for d in (1, 2, 3, 4)  # 4 active days: the default threshold
            ),
            FeatureUsage(customer=trier, feature=feature, date=today - timedelta(days=2)),
        ]
    )
    FeatureUsage.objects.update(events=5, active_users=2)
    assert Feature.objects.get().adoption_threshold_days == 4
    with captured() as ran:
        response = api.get("/api/v1/cs-product/adoption/feat_reports")
    assert response.status_code == 200
    metrics = response.json()["adoption_metrics"]
    # 3 customers alive; 1 adopting (4 days), 2 tried (a day with events).
    assert (metrics["active_customers"], metrics["adopting_customers"]) == (3, 1)
    assert metrics["tried_customers"] == 2
    # The hand-written aggregates over the usage rows ran on the replica, none on the primary.
    raw = [sql for sql in ran.on(REPLICA, USAGE) if "GROUP BY t." in sql]
    assert raw
    assert ran.on("default", USAGE) == []


def test_a_record_read_back_after_creating_it_stays_on_the_primary(api: Any) -> None:
    CustomerFactory.create(customer_id="c_one")
    with captured() as ran:
        assert api.get("/api/v1/customers/c_one").status_code == 200
    assert ran.on("default", CUSTOMERS)
    assert ran.replica == []


def test_a_post_its_idempotency_claim_and_its_event_stay_on_the_primary(api: Any) -> None:
    body = {"customer_id": "c_new", "name": "New Co", "segment": "enterprise"}
    with captured() as ran:
        response = api.post("/api/v1/customers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        replay = api.post("/api/v1/customers", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert ran.replica == []
    inserts = [sql.split("(")[0] for sql in ran.default if sql.startswith("INSERT")]
    assert f'INSERT INTO "{IDEMPOTENCY}" ' in inserts
    assert f'INSERT INTO "{CUSTOMERS}" ' in inserts
    assert f'INSERT INTO "{EVENTS}" ' in inserts
    assert Customer.objects.filter(customer_id="c_new").count() == 1


def test_without_the_router_a_scoped_read_stays_on_the_primary(api: Any, settings: Any) -> None:
    """No DATABASE_REPLICA_URL, no router: everything as before."""
    settings.DATABASE_ROUTERS = []
    CustomerFactory.create()
    with captured() as ran:
        assert api.get("/api/v1/customers").json()["results"]
    assert ran.on("default", CUSTOMERS)
    assert ran.replica == []


# --- the scope's rules ----------------------------------------------------------------------


def test_reads_after_a_write_in_the_scope_go_to_the_primary() -> None:
    customer = CustomerFactory.create(name="Before")
    with captured() as ran, replica_reads():
        assert Customer.objects.get(pk=customer.pk).name == "Before"
        Customer.objects.filter(pk=customer.pk).update(name="After")
        assert Customer.objects.get(pk=customer.pk).name == "After"
    assert len(ran.on(REPLICA, CUSTOMERS)) == 1  # the first read only
    assert [sql.split()[0] for sql in ran.on("default", CUSTOMERS)] == ["UPDATE", "SELECT"]


def test_a_raw_write_on_the_primary_also_pins_the_scope() -> None:
    customer = CustomerFactory.create(name="Before")
    with captured() as ran, replica_reads():
        with connections["default"].cursor() as cursor:
            sql = 'UPDATE "customers_customer" SET name = %s WHERE id = %s'
            cursor.execute(sql, ["Raw", customer.pk])
        assert Customer.objects.get(pk=customer.pk).name == "Raw"
    assert ran.on(REPLICA, CUSTOMERS) == []


def test_reads_in_an_atomic_block_go_to_the_primary_and_the_replica_after_it() -> None:
    customer = CustomerFactory.create()
    with captured() as ran, replica_reads():
        with transaction.atomic():
            Customer.objects.get(pk=customer.pk)
        Customer.objects.get(pk=customer.pk)  # the block wrote nothing
    assert len(ran.on("default", CUSTOMERS)) == 1
    assert len(ran.on(REPLICA, CUSTOMERS)) == 1


def test_select_for_update_stays_on_the_primary_and_pins_the_scope() -> None:
    customer = CustomerFactory.create()
    with captured() as ran, replica_reads():
        with transaction.atomic():
            Customer.objects.select_for_update().get(pk=customer.pk)
        Customer.objects.get(pk=customer.pk)
    assert len(ran.on("default", CUSTOMERS)) == 2
    assert ran.on(REPLICA, CUSTOMERS) == []
    if connections["default"].features.has_select_for_update:
        assert "FOR UPDATE" in ran.on("default", CUSTOMERS)[0]


def test_primary_reads_inside_a_scope() -> None:
    customer = CustomerFactory.create()
    with captured() as ran, replica_reads():
        with primary_reads():
            Customer.objects.get(pk=customer.pk)
        Customer.objects.get(pk=customer.pk)
    assert len(ran.on("default", CUSTOMERS)) == 1
    assert len(ran.on(REPLICA, CUSTOMERS)) == 1


def test_the_idempotency_claim_and_the_outbox_stay_on_the_primary_in_a_scope() -> None:
    claim = {"client": "key:1", "key": "k", "fingerprint": "f", "method": "POST", "path": "/x"}
    idempotency_claim(**claim)  # a first request holds the key
    customer = CustomerFactory.create(customer_id="c_evt")
    with captured() as claimed, replica_reads(), pytest.raises(IdempotencyKeyInUse):
        idempotency_claim(**claim)  # the second finds the first's row: on the primary
    assert claimed.on(REPLICA, IDEMPOTENCY) == []
    # the insert that collides, the read of the row it collided with, the stale take-over try
    verbs = [sql.split()[0] for sql in claimed.on("default", IDEMPOTENCY)]
    assert verbs == ["INSERT", "SELECT", "UPDATE"]

    with captured() as relayed, replica_reads():
        events.publish("customer.updated", customer_id=customer.customer_id, data={})
        events.relay_pending()  # (the eager relay nudged on commit may have handled it)
    assert relayed.on(REPLICA, EVENTS) == []
    relay_verbs = {sql.split()[0] for sql in relayed.on("default", EVENTS)}
    assert {"INSERT", "SELECT", "UPDATE"} <= relay_verbs
    assert Event.objects.get(type="customer.updated").status == Event.Status.DONE


def test_migrations_only_on_the_primary() -> None:
    assert router.allow_migrate("default", "customers", model_name="customer") is True
    assert router.allow_migrate(REPLICA, "customers", model_name="customer") is False


# --- the cockpit ----------------------------------------------------------------------------


def test_the_dashboard_writes_its_memo_on_the_primary_and_reads_after_it_there(
    staff: Any,
) -> None:
    for score in (80, 60, 30):
        health_history(CustomerFactory.create(), (50, score), (3, score))
    with captured() as first:
        assert staff.get("/admin/").status_code == 200
    # The memo is read and written on the primary, never on the replica...
    assert first.on(REPLICA, MEMO) == []
    assert [sql.split()[0] for sql in first.on("default", MEMO)] == ["SELECT", "INSERT"]
    # ...what was read before it came from the replica, and after the write every read of
    # the request is on the primary (read-your-writes).
    assert first.on(REPLICA, EVENTS)
    assert {alias for alias, _ in first.after_first("INSERT", MEMO)} == {"default"}
    # The remembered past week-ends: within the last 50 days each customer has a grade (one
    # healthy 80, one at risk 60, one critical 30), before that none.
    today = timezone.localdate()
    stored = list(HealthDistributionDay.objects.order_by("day"))
    assert len(stored) == 11  # twelve week-ends, today's not remembered
    for row in stored:
        scored = row.day >= today - timedelta(days=50)
        expected = {"healthy": 1, "at_risk": 1, "critical": 1} if scored else {}
        assert {g: n for g, n in row.counts.items() if n} == expected
        assert row.unscored == (0 if scored else 3)

    with captured() as second:
        assert staff.get("/admin/").status_code == 200
    # The memo holds: nothing is written, the memo is read on the primary, the other tiles
    # on the replica (the health snapshots of the declines tile among them).
    assert [sql.split()[0] for sql in second.on("default", MEMO)] == ["SELECT"]
    assert second.on(REPLICA, MEMO) == []
    assert second.on(REPLICA, HealthScore._meta.db_table)


def test_an_admin_write_stays_on_the_primary_and_the_read_only_page_reads_the_replica() -> None:
    csm = TeamMemberFactory.create(email="ana@company.com")
    customer = CustomerFactory.create(success_manager=csm)
    task = TaskFactory.create(customer=customer, owner=csm)
    client = signed_in(csm)
    with captured() as wrote:
        response = client.post(reverse("cockpit:my_tasks"), {"task": [task.pk]})
    assert response.status_code == 302
    assert wrote.replica == []
    assert [sql for sql in wrote.on("default", TASKS) if sql.startswith("UPDATE")]
    task.refresh_from_db()
    assert task.completed_at is not None

    with captured() as read:
        response = client.get(reverse("cockpit:my_accounts"))
    assert response.status_code == 200
    assert [row.customer_id for row in response.context["accounts"]] == [customer.customer_id]
    assert read.on(REPLICA, CUSTOMERS)
    assert read.on("default", CUSTOMERS) == []


# --- settings -------------------------------------------------------------------------------


def _databases(**env: str) -> dict[str, Any]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'databases': settings.DATABASES, "
        "'routers': settings.DATABASE_ROUTERS}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_database_replica_url_adds_the_alias_with_the_primarys_options() -> None:
    primary = "postgres://app@db-primary:5432/cs_hub"
    found = _databases(
        DATABASE_URL=primary, DATABASE_REPLICA_URL="postgres://app@db-replica:5432/cs_hub"
    )
    default, replica = found["databases"]["default"], found["databases"]["replica"]
    assert (default["HOST"], replica["HOST"]) == ("db-primary", "db-replica")
    for key in ("ENGINE", "OPTIONS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        assert replica[key] == default[key]
    assert found["routers"] == ["integrations.replica.ReplicaRouter"]

    unset = _databases(DATABASE_URL=primary)
    assert list(unset["databases"]) == ["default"]
    assert unset["routers"] == []


# --- the README's list ------------------------------------------------------------------------


def _routed_paths() -> set[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    found = set()
    for route, callback in walk(get_resolver().url_patterns, "/"):
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if getattr(view, "read_replica", False):
            found.add(re.sub(r"<str:(\w+)>", r"{\1}", route).rstrip("/"))
    return found


def test_the_readme_lists_every_view_that_reads_the_replica() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Read replica", 1)[1].split("**What stays on the primary.**")[0]
    listed = set(re.findall(r"(/api/v1/[\w/{}.-]+)", section))
    assert listed == _routed_paths()
    assert len(listed) == 32
