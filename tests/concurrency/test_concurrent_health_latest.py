"""The latest-snapshot flag under racing writers on PostgreSQL, with real threads: recomputes
of the same customers (one of them back-dated), a recompute against a direct save, and a
recompute against the customers' bulk upsert (which locks the same rows) all succeed and
leave exactly one flagged snapshot per customer, the one the definition names."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import cast

import pytest
from django.db.models import Max
from django.utils import timezone

from customers.health import measures as registry
from customers.health.measures import MeasureValue
from customers.health.services import health_recompute
from customers.models import Customer, HealthModel, HealthScore
from customers.services.customers import customers_bulk_upsert
from tests.concurrency.test_concurrent_writes import race
from tests.customers.factories import CustomerFactory
from tests.customers.test_health_latest import definition, flagged

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 8
CUSTOMERS = 6


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> list[Customer]:
    """Customers whose customer_id order is the reverse of their pk order (the upsert locks
    by customer_id), scored 66 by one fixed measure in an active model of its own."""

    def compute(pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
        chosen = pks if pks is not None else Customer.objects.values_list("pk", flat=True)
        return {pk: MeasureValue(score=66, inputs={}, reason=None) for pk in chosen}

    monkeypatch.setattr(registry, "_registry", {"m": registry.Measure("m", compute, "fixed")})
    HealthModel.objects.update(active=False)
    version = (HealthModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    HealthModel.objects.create(version=version, weights={"m": 1.0}, active=True)
    return [
        cast(Customer, CustomerFactory(customer_id=f"race_{CUSTOMERS - n:02d}"))
        for n in range(CUSTOMERS)
    ]


def no_errors(results: list[object]) -> None:
    for result in results:
        assert not isinstance(result, BaseException), repr(result)


def test_racing_recomputes_of_the_same_customers_leave_one_latest_each(
    customers: list[Customer],
) -> None:
    pks = [c.pk for c in customers]
    start = timezone.now()
    for n in range(ROUNDS):
        later, earlier = start + timedelta(minutes=2 * n + 1), start + timedelta(minutes=2 * n)
        no_errors(
            race(
                partial(health_recompute, customer_pks=pks, computed_at=later),
                partial(health_recompute, customer_pks=pks[::-1], computed_at=earlier),
            )
        )
        newest = HealthScore.objects.filter(computed_at=later).values_list("customer_id", "pk")
        assert flagged() == definition() == dict(newest), n
    assert HealthScore.objects.count() == 2 * ROUNDS * CUSTOMERS


def test_a_recompute_racing_a_direct_save_leaves_one_latest(customers: list[Customer]) -> None:
    acme = customers[0]
    start = timezone.now()

    def save_one(at: datetime) -> HealthScore:
        return HealthScore.objects.create(
            customer=acme, computed_at=at, as_of=start.date(), score=10, grade="critical",
            model_version=1,
        )  # fmt: skip

    for n in range(ROUNDS):
        at = start + timedelta(minutes=n)
        # Alternate which write is the later one; the save's tie with the recompute is
        # decided by the newer pk.
        first, second = (at, at + timedelta(seconds=1))[:: 1 if n % 2 else -1]
        no_errors(race(partial(save_one, first), partial(health_recompute, computed_at=second)))
        assert flagged() == definition(), n
        assert len(flagged()) == CUSTOMERS


def test_a_recompute_racing_the_customers_bulk_upsert_both_succeed(
    customers: list[Customer],
) -> None:
    start = timezone.now()
    for n in range(ROUNDS):
        items = [{"customer_id": c.customer_id, "licensed_seats": 100 + n} for c in customers]
        results = race(
            partial(customers_bulk_upsert, items=items),
            partial(health_recompute, computed_at=start + timedelta(minutes=n)),
        )
        no_errors(results)
        assert flagged() == definition(), n
        assert len(flagged()) == CUSTOMERS
        seats = set(Customer.objects.values_list("licensed_seats", flat=True))
        assert seats == {100 + n}
