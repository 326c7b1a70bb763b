"""bench/measures.py's ingestion floor (copy_upsert: COPY into a staging table, then the API's
ON CONFLICT) writes what the API's upsert statement writes: the same rows on two days, a
first batch of inserts then a batch mixing an unchanged row, two changed ones and a new one.
PostgreSQL only (COPY); each batch commits, as in the bench (the staging table empties at
commit)."""

from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction

from bench import measures
from product.models import FeatureUsage
from product.services.ingestion import _upsert_postgres
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory

pytestmark = pytest.mark.postgres

API_DAY, FLOOR_DAY = date(2026, 1, 5), date(2026, 1, 6)


def _rows(keys: list[tuple[Any, Any, int, int]], day: date) -> list[tuple[int, int, str, int, int]]:
    return [(c.pk, f.pk, day.isoformat(), events, users) for c, f, events, users in keys]


def _stored(day: date) -> set[tuple[str, str, int, int]]:
    return set(
        FeatureUsage.objects.filter(date=day).values_list(
            "customer__customer_id", "feature__feature_id", "events", "active_users"
        )
    )


def _floor(rows: list[tuple[int, int, str, int, int]]) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        return int(measures.copy_upsert(cursor, rows))


def test_copy_upsert_writes_what_the_api_statement_writes(transactional_db: None) -> None:
    c1, c2, c3 = (CustomerFactory(customer_id=f"cust_{n}") for n in (1, 2, 3))
    f1, f2 = FeatureFactory(feature_id="feat_a"), FeatureFactory(feature_id="feat_b")
    with connection.cursor() as cursor:
        measures.stage_create(cursor)
        measures.stage_create(cursor)  # idempotent: each bench thread calls it once

    first = [(c1, f1, 10, 1), (c1, f2, 20, 2), (c2, f1, 30, 3), (c2, f2, 40, 4)]
    with transaction.atomic():
        api = _upsert_postgres(_rows(first, API_DAY))
    assert (api.created, api.updated, api.unchanged) == (4, 0, 0)
    assert _floor(_rows(first, FLOOR_DAY)) == 4
    inserted = {("cust_1", "feat_a", 10, 1), ("cust_1", "feat_b", 20, 2)}
    inserted |= {("cust_2", "feat_a", 30, 3), ("cust_2", "feat_b", 40, 4)}
    assert _stored(API_DAY) == _stored(FLOOR_DAY) == inserted

    # c1/f1 unchanged, c1/f2's events and c2/f1's users changed, c3/f1 new; c2/f2 not sent.
    second = [(c1, f1, 10, 1), (c1, f2, 21, 2), (c2, f1, 30, 5), (c3, f1, 7, 1)]
    with transaction.atomic():
        api = _upsert_postgres(_rows(second, API_DAY))
    assert (api.created, api.updated, api.unchanged) == (1, 2, 1)
    assert _floor(_rows(second, FLOOR_DAY)) == 3  # the unchanged row is not rewritten
    assert (
        _stored(API_DAY)
        == _stored(FLOOR_DAY)
        == {
            ("cust_1", "feat_a", 10, 1),
            ("cust_1", "feat_b", 21, 2),
            ("cust_2", "feat_a", 30, 5),
            ("cust_2", "feat_b", 40, 4),
            ("cust_3", "feat_a", 7, 1),
        }
    )
    with connection.cursor() as cursor:  # committed batches leave nothing staged
        cursor.execute(f"SELECT count(*) FROM {measures.STAGE}")  # noqa: S608
        assert cursor.fetchone()[0] == 0
