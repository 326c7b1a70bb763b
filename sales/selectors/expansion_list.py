"""The expansion list's rows: each active customer's latest readiness snapshot."""

from django.db.models import QuerySet

from customers import read as customers_read

from ..models import ExpansionSnapshot

_SNAPSHOT_FIELDS = (
    "customer",
    "as_of",
    "computed_at",
    "score",
    "ready",
    "readiness_factors",
    "factors",
    "model_version",
    "rank_key",
)


def latest_snapshots() -> QuerySet[ExpansionSnapshot]:
    """Latest snapshots of active customers, with the customer and CSM joined (one query a
    page), in rank_key order (readiness descending, then customer_id)."""
    return (
        ExpansionSnapshot.objects.filter(
            is_latest=True, customer__in=customers_read.active_customers()
        )
        .select_related("customer", "customer__success_manager")
        # Only what a row shows: 100 rows of three models each are built per page, and a
        # model's construction costs per field.
        .only(
            *_SNAPSHOT_FIELDS,
            "customer__customer_id",
            "customer__name",
            "customer__segment",
            "customer__success_manager__email",
        )
        .order_by("rank_key")
    )
