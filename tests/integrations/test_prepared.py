"""PreparedQuery: the same rows as the queryset, compiled once per thread on PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, F, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, HealthScore
from integrations.idarray import IdArray
from integrations.prepared import PreparedQuery
from tests.customers.factories import CustomerFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="elsewhere the queryset is built each time"
)


@pytest.fixture
def customers() -> list[Customer]:
    csm = TeamMemberFactory(email="ana@company.com")
    made: list[Any] = [CustomerFactory(success_manager=csm if i % 2 else None) for i in range(6)]
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for i, customer in enumerate(made):
        for week in range(i):
            HealthScore.objects.create(
                customer=customer,
                score=50 + week,
                grade="at_risk",
                computed_at=at + timedelta(weeks=week),
                as_of=(at + timedelta(weeks=week)).date(),
                components={},
                model_version=1,
            )
    return made


def _by_id(customer_id: str) -> QuerySet[Customer]:
    return (
        Customer.objects.select_related("success_manager")
        .annotate(snapshots=Count("health_scores"), seats_twice=F("licensed_seats") * 2)
        .filter(customer_id=customer_id)
    )


def test_model_rows_with_related_rows_and_annotations_as_the_queryset(
    customers: list[Customer],
) -> None:
    prepared = PreparedQuery(_by_id, customer_id=str)
    for customer in customers:
        got = prepared.first(customer_id=customer.customer_id)
        want = _by_id(customer.customer_id).get()
        assert got is not None
        assert (got.pk, got.name, got.snapshots, got.seats_twice) == (  # type: ignore[attr-defined]
            want.pk,
            want.name,
            want.snapshots,  # type: ignore[attr-defined]
            want.seats_twice,  # type: ignore[attr-defined]
        )
        # select_related came with the row: reading it runs no query
        with CaptureQueriesContext(connection) as queries:
            manager = got.success_manager
        assert len(queries) == 0
        assert (manager.email if manager else None) == (
            want.success_manager.email if want.success_manager else None
        )
    assert prepared.first(customer_id="cust_unknown") is None


def test_values_list_with_two_parameters_and_a_datetime(customers: list[Customer]) -> None:
    def history(pk: int, since: datetime) -> QuerySet[Any]:
        return (
            HealthScore.objects.filter(customer_id=pk, computed_at__gte=since)
            .order_by("computed_at")
            .values_list("score", "computed_at")
        )

    prepared = PreparedQuery(history, pk=int, since=datetime)
    last = customers[5]  # five weekly snapshots: scores 50..54
    since = datetime(2026, 11, 15, tzinfo=UTC)  # the third week on
    assert [s for s, _ in prepared.all(pk=last.pk, since=since)] == [52, 53, 54]
    assert prepared.all(pk=last.pk, since=since) == list(history(last.pk, since))
    assert prepared.all(pk=customers[0].pk, since=since) == []


def test_id_arrays_including_an_empty_one(customers: list[Customer]) -> None:
    prepared = PreparedQuery(
        lambda pks: Customer.objects.filter(pk__in=pks).order_by("pk").values_list("customer_id"),
        pks=IdArray,
    )
    wanted = [customers[1], customers[4]]
    assert prepared.all(pks=IdArray(c.pk for c in wanted)) == [(c.customer_id,) for c in wanted]
    assert prepared.all(pks=IdArray()) == []


@postgresql_only
def test_compiled_once_per_thread_then_only_run(customers: list[Customer]) -> None:
    prepared = PreparedQuery(_by_id, customer_id=str)
    real = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=real) as as_sql:
        prepared.first(customer_id=customers[0].customer_id)
        compiled = as_sql.call_count
        assert compiled >= 1
        with CaptureQueriesContext(connection) as queries:
            for customer in customers:
                assert prepared.first(customer_id=customer.customer_id).pk == customer.pk  # type: ignore[union-attr]
        assert as_sql.call_count == compiled  # no compiling after the first run
    assert len(queries) == len(customers)  # one statement per run, each customer's own id
    assert all(c.customer_id in q["sql"] for c, q in zip(customers, queries, strict=True))


@postgresql_only
@pytest.mark.django_db(transaction=True)  # the threads' connections see committed rows only
def test_threads_each_get_their_own_rows(customers: list[Customer]) -> None:
    prepared = PreparedQuery(_by_id, customer_id=str)
    found: dict[str, list[int]] = {}
    failures: list[BaseException] = []

    def read(customer: Customer) -> None:
        try:
            found[customer.customer_id] = [
                prepared.first(customer_id=customer.customer_id).pk  # type: ignore[union-attr]
                for _ in range(20)
            ]
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert found == {c.customer_id: [c.pk] * 20 for c in customers}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_threads_compiling_at_once_leave_the_template_alone(customers: list[Customer]) -> None:
    # Found by the bench smoke run: gunicorn's threads compiling the customer detail's shared
    # template Query at the same moment sent "missing FROM-clause entry" SQL (1 run in 3 with
    # 4 threads in-process). Each thread now compiles its own clone.
    from customers.api.views import with_risk
    from customers.selectors import customer_list

    def build(customer_id: str) -> QuerySet[Customer]:
        return with_risk(customer_list()).filter(customer_id=customer_id)

    failures: list[BaseException] = []
    for _ in range(5):
        prepared = PreparedQuery(build, customer_id=str)
        start = threading.Barrier(len(customers))

        def read(
            customer: Customer,
            prepared: PreparedQuery[Customer] = prepared,
            start: threading.Barrier = start,
        ) -> None:
            try:
                start.wait()
                got = prepared.first(customer_id=customer.customer_id)
                assert got is not None
                assert got.pk == customer.pk
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=read, args=(c,)) for c in customers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # this thread's compile too: its own Query, not the template's
        assert prepared.first(customer_id=customers[0].customer_id).pk == customers[0].pk  # type: ignore[union-attr]
        assert prepared._template is not None
        compiled = prepared._local.by_alias["default"]
        assert compiled.compiler.query is not prepared._template.query
    assert failures == []


@postgresql_only
def test_a_derived_parameter_is_refused_on_the_first_run(customers: list[Customer]) -> None:
    prepared = PreparedQuery(
        lambda customer_id: Customer.objects.filter(customer_id=customer_id.upper()),
        customer_id=str,
    )
    with pytest.raises(ImproperlyConfigured, match="not passed straight"):
        prepared.all(customer_id="cust_00001")


def test_wrong_parameters_and_kinds_are_refused() -> None:
    prepared = PreparedQuery(_by_id, customer_id=str)
    with pytest.raises(TypeError, match="expects"):
        prepared.all(id="x")
    with pytest.raises(ImproperlyConfigured, match="no stand-in"):
        PreparedQuery(_by_id, customer_id=float)


def _prepared_statements() -> set[str]:
    """The statements this connection prepared (PostgreSQL's view of the session)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _in_ids(ids: IdArray) -> QuerySet[Customer]:
    return Customer.objects.filter(pk__in=ids).order_by("pk")


@postgresql_only
def test_short_id_lists_are_prepared_on_the_server_long_ones_planned_each_time(
    customers: list[Customer],
) -> None:
    """A statement with at most PREPARE_UP_TO_IDS ids is prepared once per connection (its
    parameters bound on the server: `$1`, not quoted into the text), and run again from there;
    one with more ids is not prepared (a generic plan for a handful of ids could serve
    thousands badly), though the same rows come back either way."""
    from integrations import prepared as module

    query = PreparedQuery(_in_ids, ids=IdArray)
    few = IdArray([c.pk for c in customers[:2]])
    many = IdArray([c.pk for c in customers] + list(range(10**9, 10**9 + 20)))
    assert len(few) <= module.PREPARE_UP_TO_IDS < len(many)
    before = _prepared_statements()
    assert query.all(ids=many) == list(_in_ids(many))
    assert _prepared_statements() == before
    for _ in range(3):
        assert query.all(ids=few) == customers[:2]
    new = _prepared_statements() - before
    assert len(new) == 1  # prepared once, then reused
    (statement,) = new
    assert "= ANY($1::bigint[])" in statement  # bound on the server, not quoted in
    with CaptureQueriesContext(connection) as captured:  # logged as Django logs any
        assert query.all(ids=IdArray([customers[3].pk])) == [customers[3]]
    (logged,) = captured
    assert f"= ANY('{{{customers[3].pk}}}'::bigint[])" in logged["sql"]  # its parameter in it
    assert _prepared_statements() - before == new


@postgresql_only
def test_preparing_can_be_turned_off(customers: list[Customer], settings: Any) -> None:
    settings.CS_HUB_PREPARED_STATEMENTS = False
    query = PreparedQuery(_in_ids, ids=IdArray)
    before = _prepared_statements()
    for customer in customers:
        assert query.all(ids=IdArray([customer.pk])) == [customer]
    assert _prepared_statements() == before
