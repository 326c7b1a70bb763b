"""Reads for customer feedback: the list (with `overdue`) and the per-category summary."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Q, QuerySet

from customers import facts
from integrations import clock
from integrations.replica import read_connection
from integrations.rounding import round_half_up

from ..choices import OPEN_STATUSES, FeedbackStatus
from ..models import Feedback

CENT = Decimal("0.01")


def overdue_q(today: date) -> Q:
    """Committed with a target date that has passed."""
    return Q(status=FeedbackStatus.COMMITTED, target_date__lt=today)


def feedback_list(today: date | None = None) -> QuerySet[Feedback]:
    today = today or clock.today()
    return (
        Feedback.objects.select_related("customer")
        .prefetch_related("history")
        .annotate(overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
    )


@dataclass
class CategorySummary:
    category: str
    count: int
    open: int
    customers_asking: int
    committed: int
    delivered: int
    declined: int
    overdue: int
    average_priority_score: float | None
    arr_at_stake: Decimal


def feedback_summary(queryset: QuerySet[Feedback], today: date) -> list[CategorySummary]:
    """Per category: counts by status, distinct customers, and ARR at stake — the sum of the
    ARR of the distinct customers with an open (not delivered, not declined) request in that
    category. Two queries whatever the volume; ordered by ARR at stake, then count."""
    rows = (
        queryset.order_by()
        .values("category")
        .annotate(
            count=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            committed=Count("id", filter=Q(status=FeedbackStatus.COMMITTED)),
            delivered=Count("id", filter=Q(status=FeedbackStatus.DELIVERED)),
            declined=Count("id", filter=Q(status=FeedbackStatus.DECLINED)),
            overdue=Count("id", filter=overdue_q(today)),
            average_priority_score=Avg("priority_score"),
        )
    )
    pairs = (
        queryset.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("category", "customer_id")
        .distinct()
        .annotate(arr=facts.arr_expression("customer_id"))
    )
    # The distinct (category, customer) pairs also give the customers asking: no
    # COUNT(DISTINCT) above, which would sort every request by category.
    inner, params = pairs.query.sql_with_params()
    with read_connection(Feedback).cursor() as cursor:
        cursor.execute(
            f"SELECT t.category, COUNT(t.customer_id), SUM(t.arr) FROM ({inner}) t "  # noqa: S608
            "GROUP BY t.category",
            params,
        )
        asking = {category: (n, arr) for category, n, arr in cursor.fetchall()}
    out = [
        CategorySummary(
            **{k: v for k, v in row.items() if k != "average_priority_score"},
            customers_asking=asking.get(row["category"], (0, None))[0],
            average_priority_score=None
            if row["average_priority_score"] is None
            else round_half_up(float(row["average_priority_score"]), 1),
            # SQLite sums decimals as floats: back to cents through str, never binary noise
            arr_at_stake=Decimal(str(asking.get(row["category"], (0, 0))[1] or 0)).quantize(CENT),
        )
        for row in rows
    ]
    out.sort(key=lambda s: (-s.arr_at_stake, -s.count, s.category))
    return out
