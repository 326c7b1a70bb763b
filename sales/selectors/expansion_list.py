"""The expansion list's rows: each active customer's latest readiness snapshot."""

from django.db.models import QuerySet

from customers import read as customers_read

from ..models import ExpansionSnapshot


def latest_snapshots() -> QuerySet[ExpansionSnapshot]:
    """Latest snapshots of active customers, with the customer and CSM joined (one query a
    page), in rank_key order (readiness descending, then customer_id)."""
    return (
        ExpansionSnapshot.objects.filter(
            is_latest=True, customer__in=customers_read.active_customers()
        )
        .select_related("customer", "customer__success_manager")
        .order_by("rank_key")
    )
