"""Bulk item schemas for features and daily usage."""

from datetime import date

from django.conf import settings

from customers.bulk_schema import CUSTOMER_REF
from integrations.bulk import BulkSchema, CheckFailed, Reference, Spec, not_after_tomorrow
from integrations.ids import SLUG_MESSAGE, SLUG_PATTERN
from integrations.money import MAX_MONEY_COLUMN

from .selectors.catalogue import feature_pks
from .selectors.partitions import usage_kept_from

MAX_COUNT = 2_000_000_000  # fits the database's integer column


def _feature_id(doc: str = "") -> Spec:
    return Spec(
        "feature_id",
        max_length=64,
        pattern=SLUG_PATTERN,
        pattern_message=SLUG_MESSAGE,
        doc=doc,
        trim=False,
    )


FEATURE_SCHEMA = BulkSchema(
    specs=[
        _feature_id("A slug, e.g. feat_analytics."),
        Spec("name", max_length=200),
        Spec("category", required=False, max_length=100),
        Spec("is_key", kind="bool", required=False),
        Spec("is_premium", kind="bool", required=False),
        Spec("list_price", kind="money", required=False, min_value=0, max_value=MAX_MONEY_COLUMN),
        Spec("adoption_threshold_days", kind="int", required=False, min_value=1, max_value=30),
    ],
    natural_key=("feature_id",),
)

RETENTION_RULE = (
    "not before the first day retention keeps: the 1st of the month USAGE_RETENTION_MONTHS "
    "(default 36) months before today's (`past_retention`)"
)


def _usage_day(value: date) -> None:
    """Not later than tomorrow, and kept by retention: an older day would be accepted, then
    deleted by the next partition maintenance (README "Usage partitions"). Runs once per
    distinct date text of a batch (the schema memoises parses)."""
    not_after_tomorrow(value)
    kept_from = usage_kept_from()
    if value < kept_from:
        raise CheckFailed(
            "past_retention",
            f"Must be {kept_from} or later: usage is kept USAGE_RETENTION_MONTHS="
            f"{settings.USAGE_RETENTION_MONTHS} months, older days are deleted.",
        )


USAGE_SCHEMA = BulkSchema(
    specs=[
        Spec("customer_id", kind="key"),
        _feature_id(),
        Spec(
            "date",
            kind="date",
            check=_usage_day,
            doc=f"The day; not later than tomorrow, and {RETENTION_RULE}.",
        ),
        Spec("events", kind="int", min_value=0, max_value=MAX_COUNT),
        Spec("active_users", kind="int", min_value=0, max_value=MAX_COUNT),
    ],
    natural_key=("customer_id", "feature_id", "date"),
    references=[
        CUSTOMER_REF,
        Reference(
            "feature_id", feature_pks, "unknown_feature", "No feature with feature_id {value}."
        ),
    ],
)
