"""`customers.read.latest_scores`: each customer's score in its latest snapshot scored for a
day on or before the bound (newest computed_at, newest pk on a tie), as `latest_health_scores`
reads it, in one query; the renewal features read it for the score now and 30 days before."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from django.db import connection, transaction

from customers import read
from customers.models import Customer, HealthScore
from integrations.idarray import IdArray
from tests.customers.factories import CustomerFactory

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def snapshot(customer: Customer, at: datetime, as_of: date, score: int) -> HealthScore:
    return HealthScore.objects.create(
        customer=customer,
        computed_at=at,
        as_of=as_of,
        score=score,
        grade="at_risk",
        model_version=1,
    )


def by_hand(bound: date) -> dict[int, int]:
    """customer pk -> score of its newest (computed_at, pk) snapshot with as_of <= bound."""
    best: dict[int, tuple[datetime, int, int]] = {}
    for row in HealthScore.objects.filter(as_of__lte=bound).values_list(
        "customer_id", "computed_at", "pk", "score"
    ):
        customer_pk, at, pk, score = row
        if customer_pk not in best or (at, pk) > best[customer_pk][:2]:
            best[customer_pk] = (at, pk, score)
    return {customer_pk: score for customer_pk, (_, _, score) in best.items()}


@pytest.mark.django_db
def test_the_latest_in_bounds_with_ties_and_late_rescoring(
    django_assert_num_queries: Any,
) -> None:
    tied, rescored, only_late, none = (cast(Customer, CustomerFactory()) for _ in range(4))
    # Two rows at the same moment: the newer pk wins.
    snapshot(tied, T0, T0.date(), 40)
    snapshot(tied, T0, T0.date(), 45)
    # The newest computed row was scored for an earlier day: it is the latest of that day too.
    snapshot(rescored, T0, T0.date(), 70)
    snapshot(rescored, T0 + timedelta(hours=5), T0.date() - timedelta(days=40), 20)
    # Scored only for a day after the bound: left out.
    snapshot(only_late, T0, T0.date() + timedelta(days=3), 90)
    pks = [tied.pk, rescored.pk, only_late.pk, none.pk]

    with django_assert_num_queries(1):
        found = read.latest_scores(pks, as_of_until=T0.date())
    assert found == {tied.pk: 45, rescored.pk: 20}
    # 30 days earlier: only the re-scored row was for a day that early.
    assert read.latest_scores(pks, as_of_until=T0.date() - timedelta(days=30)) == {rescored.pk: 20}


@pytest.mark.django_db
def test_random_histories_match_the_definition_and_latest_health_scores() -> None:
    rng = random.Random(17)
    customers = [cast(Customer, CustomerFactory()) for _ in range(12)]
    for customer in customers:
        for _ in range(rng.randint(0, 8)):
            at = T0 - timedelta(days=rng.randint(0, 90), hours=rng.choice([0, 0, 3]))
            as_of = at.date() - timedelta(days=rng.choice([0, 0, 1, 35]))
            snapshot(customer, at, as_of, rng.randint(0, 100))
    pks = IdArray(sorted(c.pk for c in customers))
    for bound in (T0.date(), T0.date() - timedelta(days=30), T0.date() - timedelta(days=200)):
        expected = by_hand(bound)
        assert read.latest_scores(pks, as_of_until=bound) == expected
        full = read.latest_health_scores(pks, as_of_until=bound)
        assert {pk: s.score for pk, s in full.items()} == expected


@pytest.mark.django_db
def test_several_days_in_one_query_as_each_day_alone(django_assert_num_queries: Any) -> None:
    """`latest_scores_until`: renewal scoring's today and 30 days before, one statement."""
    early, late = (cast(Customer, CustomerFactory()) for _ in range(2))
    snapshot(early, T0 - timedelta(days=40), T0.date() - timedelta(days=40), 30)
    snapshot(early, T0, T0.date(), 60)
    snapshot(late, T0, T0.date(), 80)
    days = (T0.date(), T0.date() - timedelta(days=30), T0.date() - timedelta(days=60))
    with django_assert_num_queries(1):
        found = read.latest_scores_until([early.pk, late.pk], days)
    assert found == [{early.pk: 60, late.pk: 80}, {early.pk: 30}, {}]
    for day, expected in zip(days, found, strict=True):
        assert read.latest_scores([early.pk, late.pk], as_of_until=day) == expected
    with django_assert_num_queries(0):
        assert read.latest_scores_until([], days) == [{}, {}, {}]


@pytest.mark.django_db
def test_no_customers_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert read.latest_scores([], as_of_until=T0.date()) == {}


@pytest.mark.django_db
def test_postgresql_reads_the_latest_from_the_covering_index_without_sorting() -> None:
    """The plan the 10,000-customer data set regressed on: with an index on the customer alone
    PostgreSQL sorted each customer's whole history for `ORDER BY computed_at DESC, id DESC
    LIMIT 1`. health_customer_latest_idx has that order and the columns the bounded reads take,
    so the lookup is a backward (index-only) scan and no plan needs a Sort (sequential and bitmap
    scans, and sorts, are priced out here: on a few test rows they would be cheapest)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans only")
    customer = cast(Customer, CustomerFactory())
    for day in range(10):
        snapshot(customer, T0 - timedelta(days=7 * day), (T0 - timedelta(days=7 * day)).date(), 50)
    bounded = (
        Customer.objects.filter(pk=customer.pk)
        .order_by()
        .annotate(score=read.latest_health("score", as_of_until=T0.date() - timedelta(days=30)))
    )
    sql, params = bounded.values_list("pk", "score").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_healthscore")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # On a few rows a sort is cheap and the plan may take another index and sort: priced
        # out here, the plan shows the sort-free path the index must offer (or a Sort if none).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    # Index-only once the table's pages are all-visible (VACUUM); here they may not be yet.
    assert "Scan Backward using health_customer_latest_idx" in plan, plan
    assert "Sort" not in plan, plan
