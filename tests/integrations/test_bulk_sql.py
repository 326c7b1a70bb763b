"""Natural keys to primary keys in one query (integrations.bulk_sql): on PostgreSQL the keys
travel as one array literal written by `text_array`, which must keep every key as text."""

import pytest
from django.db import connection

from customers.selectors import customer_pks
from integrations.bulk_sql import text_array
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_keys_that_mean_something_in_an_array_literal_are_found() -> None:
    # NULL unquoted would be a null element; the others are plain valid customer ids.
    keys = ["NULL", "null", "a.b:c-d_1", "x" * 64]
    made = {key: CustomerFactory(customer_id=key).pk for key in keys}
    assert customer_pks([*keys, "ghost", "NULL"]) == made
    assert customer_pks([]) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL array literals")
def test_text_array_round_trips_any_text() -> None:
    values = ["NULL", "a,b", 'say "hi"', "back\\slash", "{x}", " spaced ", "", "é", '\\"']
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [text_array(values)])
        assert [row[0] for row in cursor.fetchall()] == values
