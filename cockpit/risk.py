"""The risk columns of the CS manager's customer list: what each customer's row shows, read
through the domains' public readers.

`risk_rows` annotates a customer queryset, in the same one query, with the latest health
score and grade and their 30-day change (`customers.read.with_health`), ARR and the next
renewal date (finance's, offered through `customers.facts`). The renewal probability is the
finance model's, computed in Python: `page_renewal_probabilities` scores only the customers of
the page shown, in finance's fixed number of queries (`finance.read.renewal_probabilities`:
eleven, whatever the page size), so it is not a sortable column.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy

from customers import facts
from customers import read as customers_read
from customers.models import Customer, HealthGrade
from finance import read as finance_read

RENEWAL_WINDOWS = (30, 60, 90)  # the "renewal within N days" choices of the admin filter
NO_SCORE = "none"  # the grade filter's choice for customers without a snapshot


def risk_rows(customers: QuerySet[Customer], as_of: date) -> QuerySet[Any]:
    """`customers` with `health_score`, `health_grade`, `health_change_30d`, `arr` and
    `next_renewal` (the end date of the next active contract ending on or after `as_of`)."""
    return customers_read.with_health(customers).annotate(
        arr=facts.arr_expression("pk"),
        next_renewal=facts.next_renewal_expression(as_of, "pk"),
    )


def worst_first() -> list[OrderBy | str]:
    """Lowest current score first, customers without a score last, then by customer_id."""
    return [F("health_score").asc(nulls_last=True), "customer_id"]


def grade_filter(grade: str) -> Q:
    """Rows (of `risk_rows`) whose latest grade is `grade`, or without a snapshot (NO_SCORE)."""
    if grade == NO_SCORE:
        return Q(health_score__isnull=True)
    if grade not in HealthGrade.values:
        raise ValueError(f"unknown grade {grade!r}")
    return Q(health_grade=grade)


def renewal_within(as_of: date, days: int) -> Q:
    """Rows whose next renewal falls in finance's "due within `days`" window of `as_of`
    ((as_of, as_of + days]: ending today is due, not due within); none without finance."""
    window = facts.renewal_due_window(as_of, days)
    return Q(pk__in=[]) if window is None else window.dates("next_renewal")


def page_renewal_probabilities(
    customer_pks: Sequence[int], as_of: date
) -> dict[int, finance_read.RenewalProbability]:
    """The renewal model's probability for the next-ending active contract of each customer
    on the page (customers without one, or without an active model, are left out). Eleven
    queries at most, whatever the number of customers; none for an empty page."""
    if not customer_pks:
        return {}
    return finance_read.renewal_probabilities(list(customer_pks), as_of)
