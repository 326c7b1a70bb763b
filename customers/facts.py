"""Customer facts that a higher layer owns and a lower one needs, offered by registration.

ARR and renewal outcomes come from finance's contracts, yet product (a layer below finance)
ranks feedback by ARR and correlates adoption with retention. Finance registers both from its
`AppConfig.ready()` (DESIGN.md section 2: lower layers learn about higher ones through
registries). Both are SQL, not Python callbacks, so callers stay set-based: one query for any
number of customers.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import DecimalField, QuerySet, Value
from django.db.models.expressions import BaseExpression

# outer_ref: the name, in the caller's queryset, of the customer primary key (e.g. "pk" on
# Customer, "customer_id" elsewhere). Returns an expression giving that customer's ARR, or
# NULL when the customer has none.
ArrSource = Callable[[str], BaseExpression]
# (since, as_of) -> rows with `customer_pk`, `decided_on` (date) and `renewed` (1 renewed,
# 0 lost): each customer's latest renewal decision with since < decided_on <= as_of.
OutcomeSource = Callable[[date, date], QuerySet[Any]]

_arr: list[ArrSource] = []
_outcomes: list[OutcomeSource] = []


def register_arr(source: ArrSource) -> None:
    _arr[:] = [source]


def register_renewal_outcomes(source: OutcomeSource) -> None:
    _outcomes[:] = [source]


def arr_expression(outer_ref: str = "pk") -> BaseExpression:
    """Annotate-able ARR per customer; NULL everywhere when no app provides it."""
    if not _arr:
        return Value(None, output_field=DecimalField(max_digits=14, decimal_places=2))
    return _arr[0](outer_ref)


def renewal_outcomes(since: date, as_of: date) -> QuerySet[Any] | None:
    """Renewal decisions in (since, as_of], or None when no app provides them."""
    return _outcomes[0](since, as_of) if _outcomes else None
