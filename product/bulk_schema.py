"""Bulk item schemas for features and daily usage."""

import re

from integrations.bulk import BulkSchema, Spec, not_after_tomorrow

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_COUNT = 2_000_000_000  # fits the database's integer column


def _slug(value: str) -> None:
    if not SLUG_RE.fullmatch(value):
        raise ValueError("A slug: lowercase letters, digits, _ and -, at most 64 characters.")


FEATURE_SCHEMA = BulkSchema(
    specs=[
        Spec("feature_id", max_length=64, check=_slug),
        Spec("name", max_length=200),
        Spec("category", required=False, max_length=100),
        Spec("is_key", kind="bool", required=False),
        Spec("is_premium", kind="bool", required=False),
        Spec("list_price", kind="int", required=False, min_value=0, max_value=10**12),
        Spec("adoption_threshold_days", kind="int", required=False, min_value=1, max_value=30),
    ],
    natural_key=("feature_id",),
)

USAGE_SCHEMA = BulkSchema(
    specs=[
        Spec("customer_id", kind="key"),
        Spec("feature_id", max_length=64, check=_slug),
        Spec("date", kind="date", check=not_after_tomorrow),
        Spec("events", kind="int", min_value=0, max_value=MAX_COUNT),
        Spec("active_users", kind="int", min_value=0, max_value=MAX_COUNT),
    ],
    natural_key=("customer_id", "feature_id", "date"),
)
