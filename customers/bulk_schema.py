"""The bulk item schema for customers (shared by the API and the seed command)."""

from collections.abc import Iterable
from typing import Any

from integrations.bulk import BulkSchema, Reference, Spec, choices_of

from .choices import CustomerStatus, LifecycleStage, Segment, status_agrees_with_stage
from .errors import STATUS_STAGE_MISMATCH, status_stage_mismatch_detail
from .selectors import customer_pks, team_member_pks

# The references other apps' bulk items make to the CS core.
CUSTOMER_REF = Reference(
    "customer_id", customer_pks, "unknown_customer", "No customer with customer_id {value}."
)


def team_member_ref(field: str) -> Reference:
    return Reference(
        field, team_member_pks, "unknown_team_member", "No team member with email {value}."
    )


RESERVED_IDS = frozenset({"bulk"})


def _not_reserved(value: str) -> None:
    if value.lower() in RESERVED_IDS:
        raise ValueError(f"'{value}' is reserved and cannot be a customer_id.")


def _churn_consistency(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    if item.get("churned_at") and item.get("status", CustomerStatus.ACTIVE) != "churned":
        yield "churned_at", "invalid", "churned_at requires status 'churned'."
    status, stage = item.get("status"), item.get("lifecycle_stage")
    if status and stage and not status_agrees_with_stage(status, stage):
        yield "lifecycle_stage", STATUS_STAGE_MISMATCH, status_stage_mismatch_detail(status, stage)


CUSTOMER_BULK_SCHEMA = BulkSchema(
    specs=[
        Spec(
            "customer_id",
            kind="key",
            check=_not_reserved,
            doc="1-64 characters of A-Z a-z 0-9 _ . : - (not the reserved word `bulk`).",
        ),
        # Needed to create a customer; an existing one keeps its value when left out.
        Spec(
            "name",
            max_length=200,
            required=False,
            required_for_new=True,
            doc="Required for a new customer.",
        ),
        Spec(
            "segment",
            required=False,
            required_for_new=True,
            doc="Required for a new customer.",
            **choices_of(Segment),
        ),
        # Optional fields left out keep their current value (or the default for a new row).
        Spec("licensed_seats", kind="int", required=False, min_value=0, max_value=10_000_000),
        Spec("status", required=False, **choices_of(CustomerStatus)),
        Spec("churned_at", kind="datetime", required=False, nullable=True),
        Spec("lifecycle_stage", required=False, **choices_of(LifecycleStage)),
        Spec(
            "success_manager",
            kind="email",
            required=False,
            nullable=True,
            doc="Email of an existing team member.",
        ),
    ],
    natural_key=("customer_id",),
    item_checks=[_churn_consistency],
    references=[team_member_ref("success_manager")],
    noun="customer",
)
