"""Customer facts that a higher layer owns and a lower one needs, offered by registration.

ARR and renewal outcomes come from finance's contracts, yet product (a layer below finance)
ranks feedback by ARR and correlates adoption with retention; the customer API lists each
customer's ARR and next renewal. Finance registers them from its `AppConfig.ready()`
(DESIGN.md section 2: lower layers learn about higher ones through registries). They are SQL,
not Python callbacks, so callers stay set-based: one query for any number of customers.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import DateField, DecimalField, QuerySet, Value
from django.db.models.expressions import BaseExpression

from integrations.clock import DayWindow

# outer_ref: the name, in the caller's queryset, of the customer primary key (e.g. "pk" on
# Customer, "customer_id" elsewhere). Returns an expression giving that customer's ARR, or
# NULL when the customer has none.
ArrSource = Callable[[str], BaseExpression]
# (since, as_of) -> rows with `customer_pk`, `decided_on` (date) and `renewed` (1 renewed,
# 0 lost): each customer's latest renewal decision with since < decided_on <= as_of.
OutcomeSource = Callable[[date, date], QuerySet[Any]]

# (outer_ref, as_of) -> an expression giving the end date of the customer's next active
# contract to end on or after as_of (the one the renewal model scores), or NULL.
NextRenewalSource = Callable[[str, date], BaseExpression]
# (as_of, days) -> the days a renewal is "due within" (finance: (as_of, as_of + days]).
DueWindow = Callable[[date, int], DayWindow]

_arr: list[ArrSource] = []
_outcomes: list[OutcomeSource] = []
_next_renewal: list[tuple[NextRenewalSource, DueWindow]] = []


def register_arr(source: ArrSource) -> None:
    _arr[:] = [source]


def register_renewal_outcomes(source: OutcomeSource) -> None:
    _outcomes[:] = [source]


def register_next_renewal(source: NextRenewalSource, due_window: DueWindow) -> None:
    _next_renewal[:] = [(source, due_window)]


def arr_expression(outer_ref: str = "pk") -> BaseExpression:
    """Annotate-able ARR per customer; NULL everywhere when no app provides it."""
    if not _arr:
        return Value(None, output_field=DecimalField(max_digits=14, decimal_places=2))
    return _arr[0](outer_ref)


def renewal_outcomes(since: date, as_of: date) -> QuerySet[Any] | None:
    """Renewal decisions in (since, as_of], or None when no app provides them."""
    return _outcomes[0](since, as_of) if _outcomes else None


def next_renewal_expression(as_of: date, outer_ref: str = "pk") -> BaseExpression:
    """Annotate-able next renewal date per customer; NULL everywhere when no app provides it."""
    if not _next_renewal:
        return Value(None, output_field=DateField())
    return _next_renewal[0][0](outer_ref, as_of)


def renewal_due_window(as_of: date, days: int) -> DayWindow | None:
    """The days a renewal is "due within `days`" of `as_of` (the provider's one definition),
    or None when no app provides renewals."""
    return _next_renewal[0][1](as_of, days) if _next_renewal else None
