"""The expansion list's rows: each active customer's latest readiness snapshot."""

from typing import Any

from django.db.models import QuerySet

from customers import read as customers_read
from integrations import json_text as jt

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
        ExpansionSnapshot.objects.filter(customers_read.active_customer("customer"), is_latest=True)
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


# ExpansionListItemSerializer's members and ReadinessFactorSerializer's keys, in their order
# (tests/sales/test_expansion_list_documents.py holds them to the serializers).
FACTOR_KEYS = ("name", "value", "weight", "contribution", "holds", "holds_as", "inputs", "reason")
LIST_ITEM = (
    ("customer_id", "customer__customer_id", jt.string),
    ("name", "customer__name", jt.string),
    ("segment", "customer__segment", jt.string),
    ("success_manager", "customer__success_manager__email", jt.string),
    ("score", "score", jt.number),
    ("ready", "ready", jt.boolean),
    ("readiness_factors", "readiness_factors", jt.stored),
    ("factors", "factors", jt.stored_objects(*FACTOR_KEYS)),
    ("model_version", "model_version", jt.number),
    ("as_of", "as_of", jt.date),
    ("computed_at", "computed_at", jt.datetime),
)


# The customer's members are read live (a name or CSM may change); the rest are the
# snapshot's own, written once with it (`snapshot_members`, stored as `list_members`).
CUSTOMER_MEMBERS = 4


def snapshot_members() -> jt.JSONMembersText:
    """The snapshot's members of its list item as JSON text (`list_members`)."""
    return jt.JSONMembersText(*LIST_ITEM[CUSTOMER_MEMBERS:])


def with_documents(snapshots: QuerySet[ExpansionSnapshot]) -> QuerySet[Any]:
    """`latest_snapshots()` (filtered) as {rank_key, document}: each row's list item written
    as JSON text by PostgreSQL (integrations.json_text), for a page joined from strings; the
    snapshot's members from `list_members` when it was stored with them."""
    document = jt.JSONSplicedText(
        jt.JSONMembersText(*LIST_ITEM[:CUSTOMER_MEMBERS]), "list_members", snapshot_members()
    )
    return snapshots.values("rank_key", document=document)
