"""integrations.idarray: an IdArray in an `__in` lookup selects exactly what the plain list
selects, bound as one array parameter on PostgreSQL (Django's IN list elsewhere); any other
value keeps Django's lookup."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery

from customers.models import Customer, Stakeholder
from integrations.idarray import IdArray, IdSubquery
from tests.customers.factories import CustomerFactory, StakeholderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers() -> list[Customer]:
    found = CustomerFactory.create_batch(5)
    for customer in found[:3]:
        StakeholderFactory.create(customer=customer)
    return found


def _pks(queryset: Any) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def test_selects_what_the_list_selects(customers: list[Customer]) -> None:
    wanted = [customers[0].pk, customers[2].pk, customers[4].pk, 10**9]
    ids = IdArray(wanted)
    assert ids == wanted  # still the list it was given
    assert _pks(Customer.objects.filter(pk__in=ids)) == sorted(wanted[:3])
    assert _pks(Customer.objects.exclude(pk__in=ids)) == [customers[1].pk, customers[3].pk]
    # Through a foreign key, by its column and by the relation.
    by_column = Stakeholder.objects.filter(customer_id__in=ids)
    by_relation = Stakeholder.objects.filter(customer__in=ids)
    expected = _pks(Stakeholder.objects.filter(customer_id__in=wanted))
    assert len(expected) == 2
    assert _pks(by_column) == _pks(by_relation) == expected


def test_inside_a_subquery(customers: list[Customer]) -> None:
    ids = IdArray([customers[2].pk, customers[3].pk])  # only the first has a stakeholder
    first = Stakeholder.objects.filter(customer=OuterRef("pk"), customer_id__in=ids)
    rows = Customer.objects.annotate(
        stakeholder=Subquery(first.order_by("pk").values("pk")[:1])
    ).filter(stakeholder__isnull=False)
    assert _pks(rows) == [customers[2].pk]


def test_empty_matches_nothing_without_a_query(
    customers: list[Customer], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert list(Customer.objects.filter(pk__in=IdArray())) == []


def test_ids_are_checked_as_ints() -> None:
    assert IdArray(["7", 8]) == [7, 8]  # type: ignore[list-item]
    with pytest.raises(ValueError, match="invalid literal for int"):
        IdArray(["7; DROP TABLE x"])  # type: ignore[list-item]


def test_one_parameter_on_postgresql_and_the_list_elsewhere(customers: list[Customer]) -> None:
    pks = [c.pk for c in customers]
    sql, params = Customer.objects.filter(pk__in=IdArray(pks)).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"customers_customer"."id" = ANY(%s::bigint[])' in sql
        assert params == ("{" + ",".join(map(str, pks)) + "}",)
    else:
        assert '"customers_customer"."id" IN (%s, %s, %s, %s, %s)' in sql
        assert params == tuple(pks)
    # A plain list keeps Django's IN list.
    sql, params = Customer.objects.filter(pk__in=pks).query.sql_with_params()
    assert "ANY" not in sql
    assert params == tuple(pks)


def test_a_subquery_of_ids_selects_what_in_subquery_selects(customers: list[Customer]) -> None:
    with_stakeholders = Stakeholder.objects.filter(customer_id__in=IdArray(c.pk for c in customers))
    ids = with_stakeholders.order_by("-pk").values("customer_id")
    found = Customer.objects.filter(pk__in=IdSubquery(ids))
    assert _pks(found) == _pks(Customer.objects.filter(pk__in=ids)) == [c.pk for c in customers[:3]]
    assert _pks(Customer.objects.exclude(pk__in=IdSubquery(ids))) == [c.pk for c in customers[3:]]
    sql, _ = found.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"customers_customer"."id" = ANY(ARRAY(SELECT' in sql
    else:
        assert '"customers_customer"."id" IN (SELECT' in sql
    assert "DESC" not in sql  # a set of ids: the subquery's order is dropped
