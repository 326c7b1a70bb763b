"""Writes for customers: create, PATCH, lifecycle stage changes and bulk upsert."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import events
from integrations.upsert import BulkResult, upsert_models
from integrations.writes import atomic_upsert, create_unique, lock, save_changes

from ..bulk_schema import CUSTOMER_BULK_SCHEMA
from ..choices import (
    ALLOWED_TRANSITIONS,
    CustomerStatus,
    LifecycleStage,
    StageChangeSource,
    status_agrees_with_stage,
)
from ..errors import (
    CustomerAlreadyExists,
    CustomerNotFound,
    IllegalStageTransition,
    churned_at_needs_churned_status,
    status_stage_mismatch,
    unknown_team_member,
)
from ..models import Customer, LifecycleChange
from ..selectors import team_member_pks

CUSTOMER_FIELDS = (
    "name",
    "segment",
    "licensed_seats",
    "status",
    "churned_at",
    "lifecycle_stage",
    "success_manager_id",
)


def _normalise_status(
    values: dict[str, Any],
    now: datetime,
    known_churned_at: datetime | None = None,
    current_stage: str | None = None,
) -> None:
    """Keep status, churned_at and the lifecycle stage consistent with each other.

    Stage `churned` ⇔ status `churned`: one implies the other, and a request giving both in
    contradiction is refused (400). Reactivating a churned customer (status `active`) moves
    the stage to `onboarding` unless the request names its stage; the caller records that
    stage change as any other (history row and event).
    """
    status, stage = values.get("status"), values.get("lifecycle_stage")
    if status and stage and not status_agrees_with_stage(status, stage):
        raise status_stage_mismatch(status, stage)
    if stage and not status:
        status = values["status"] = (
            CustomerStatus.CHURNED if stage == LifecycleStage.CHURNED else CustomerStatus.ACTIVE
        )
    if status == CustomerStatus.CHURNED:
        values["churned_at"] = values.get("churned_at") or known_churned_at or now
        values["lifecycle_stage"] = LifecycleStage.CHURNED
    elif status == CustomerStatus.ACTIVE:
        values["churned_at"] = None
        if not stage and current_stage == LifecycleStage.CHURNED:
            values["lifecycle_stage"] = LifecycleStage.ONBOARDING


@transaction.atomic
def customer_create(*, data: Mapping[str, Any], source: str = StageChangeSource.API) -> Customer:
    values = dict(data)
    csm_email = values.pop("success_manager", None)
    values["success_manager_id"] = _csm_id(csm_email)
    now = timezone.now()
    _normalise_status(values, now)
    values.setdefault("status", CustomerStatus.ACTIVE)
    values.setdefault("lifecycle_stage", LifecycleStage.ONBOARDING)
    customer = create_unique(
        Customer,
        key={"customer_id": values.pop("customer_id")},
        conflict=CustomerAlreadyExists(),
        **values,
    )
    LifecycleChange.objects.create(
        customer=customer,
        from_stage="",
        to_stage=customer.lifecycle_stage,
        source=source,
        reason="customer created",
        changed_at=now,
    )
    events.publish(
        "customer.created",
        customer_id=customer.customer_id,
        data={"segment": customer.segment, "lifecycle_stage": customer.lifecycle_stage},
    )
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    data: Mapping[str, Any],
    source: str = StageChangeSource.API,
    reason: str = "",
) -> Customer:
    """PATCH semantics on the locked, committed row (the instance is refreshed in place).

    Only the given fields are written. A lifecycle change must follow the allowed transitions
    from the committed stage (409), whatever stage the caller saw: of two racing changes the
    second is checked against the first's result.
    """
    lock(customer, missing=CustomerNotFound())
    values = dict(data)
    if "success_manager" in values:
        values["success_manager_id"] = _csm_id(values.pop("success_manager"))
    if "status" in values or "lifecycle_stage" in values:
        _normalise_status(values, timezone.now(), customer.churned_at, customer.lifecycle_stage)
    if values.get("churned_at") and values.get("status", customer.status) != CustomerStatus.CHURNED:
        raise churned_at_needs_churned_status()
    new_stage = values.pop("lifecycle_stage", customer.lifecycle_stage)
    _check_transition(customer.lifecycle_stage, new_stage)  # before anything is written
    save_changes(customer, values)
    if new_stage != customer.lifecycle_stage:
        customer_change_stage(
            customer=customer,
            to_stage=new_stage,
            source=source,
            reason=reason or "updated through the API",
        )
    return customer


def _csm_id(email: str | None) -> int | None:
    if not email:
        return None
    found = team_member_pks([email])
    if not found:
        raise unknown_team_member("success_manager", email)
    return found[email.lower()]


def allowed_next_stages(stage: str) -> tuple[str, ...]:
    return ALLOWED_TRANSITIONS.get(stage, ())


def _check_transition(from_stage: str, to_stage: str) -> None:
    allowed = allowed_next_stages(from_stage)
    if to_stage != from_stage and to_stage not in allowed:
        raise IllegalStageTransition(from_stage, to_stage, allowed)


@transaction.atomic
def customer_change_stage(
    *,
    customer: Customer,
    to_stage: str,
    source: str,
    reason: str,
    enforce: bool = True,
    changed_at: datetime | None = None,
) -> LifecycleChange | None:
    """Move a customer to another lifecycle stage and record why; no-op if already there.

    The transition is checked against the committed stage: the row is re-read under a lock
    (the caller's instance is refreshed in place, unsaved changes on it are discarded), so
    the history's last entry always equals the stage. `changed_at` (default now) is when the
    change happened, as the caller knows it (the journey API's `occurred_at`): the history
    row's time, and `churned_at` on a move to churned; the caller validates it.
    """
    lock(customer, missing=CustomerNotFound())
    from_stage = customer.lifecycle_stage
    if to_stage == from_stage:
        return None
    if enforce:
        _check_transition(from_stage, to_stage)
    now = changed_at or timezone.now()
    customer.lifecycle_stage = to_stage
    update = ["lifecycle_stage", "updated_at"]
    if to_stage == LifecycleStage.CHURNED and customer.status != CustomerStatus.CHURNED:
        customer.status, customer.churned_at = CustomerStatus.CHURNED, now
        update += ["status", "churned_at"]
    elif from_stage == LifecycleStage.CHURNED:
        customer.status, customer.churned_at = CustomerStatus.ACTIVE, None
        update += ["status", "churned_at"]
    customer.save(update_fields=update)
    change = LifecycleChange.objects.create(
        customer=customer,
        from_stage=from_stage,
        to_stage=to_stage,
        source=source,
        reason=reason,
        changed_at=now,
    )
    events.publish(
        "customer.lifecycle_changed",
        customer_id=customer.customer_id,
        data={"from_stage": from_stage, "to_stage": to_stage, "source": source, "reason": reason},
    )
    return change


@atomic_upsert
def customers_bulk_upsert(*, items: list[dict[str, Any]]) -> BulkResult:
    """Upsert validated items by customer_id: a bounded number of queries for any batch size.

    Rows whose values already match are left alone (re-sending a batch changes nothing, not
    even `updated_at`). Stage changes are recorded as history with source `import`; bulk is a
    sync from a system of record, so transitions are not enforced here.
    """
    # Unknown team members and new customers lacking a name or segment: one 400 listing all.
    resolved, unknown = CUSTOMER_BULK_SCHEMA.resolve_collecting(items)
    csm_pks = resolved["success_manager"]
    now = timezone.now()
    rows = []
    for item, csm_pk in zip(items, csm_pks, strict=True):
        values = dict(item)
        if "success_manager" in values:
            del values["success_manager"]
            values["success_manager_id"] = csm_pk
        rows.append(values)

    def prepare(values: dict[str, Any], current: Customer | None) -> None:
        before = (current.churned_at, current.lifecycle_stage) if current else (None, None)
        _normalise_status(values, now, *before)
        if current is None:
            values.setdefault("status", CustomerStatus.ACTIVE)
            values.setdefault("lifecycle_stage", LifecycleStage.ONBOARDING)

    done = upsert_models(
        Customer,
        rows,
        key="customer_id",
        fields=CUSTOMER_FIELDS,
        now=now,
        prepare=prepare,
        check_new=CUSTOMER_BULK_SCHEMA.missing_for_new,
        errors=unknown,
    )
    to_create = done.created
    changes = [
        LifecycleChange(
            customer=customer,
            from_stage=before["lifecycle_stage"],
            to_stage=customer.lifecycle_stage,
            source=StageChangeSource.IMPORT,
            reason="bulk import",
            changed_at=now,
        )
        for customer, before in done.updated
        if "lifecycle_stage" in before
    ]
    changes += [
        LifecycleChange(
            customer=c,
            from_stage="",
            to_stage=c.lifecycle_stage,
            source=StageChangeSource.IMPORT,
            reason="customer created",
            changed_at=now,
        )
        for c in to_create
    ]
    LifecycleChange.objects.bulk_create(changes, batch_size=2000)
    events.publish_many(
        [
            (
                "customer.created",
                c.customer_id,
                {"segment": c.segment, "lifecycle_stage": c.lifecycle_stage},
            )
            for c in to_create
        ]
        + [
            (
                "customer.lifecycle_changed",
                ch.customer.customer_id,
                {
                    "from_stage": ch.from_stage,
                    "to_stage": ch.to_stage,
                    "source": ch.source,
                    "reason": ch.reason,
                },
            )
            for ch in changes
            if ch.from_stage
        ]
    )
    return done.result
