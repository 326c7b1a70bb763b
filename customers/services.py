"""Writes for the CS core. Keyword-only, typed, atomic; events go through the outbox."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import events
from integrations.upsert import BulkResult

from .bulk_schema import CUSTOMER_BULK_SCHEMA
from .choices import ALLOWED_TRANSITIONS, CustomerStatus, LifecycleStage, StageChangeSource
from .errors import (
    CustomerAlreadyExists,
    IllegalStageTransition,
    StakeholderAlreadyExists,
    TeamMemberAlreadyExists,
    unknown_team_member,
)
from .models import Customer, LifecycleChange, Stakeholder, TeamMember
from .selectors import team_member_pks

CUSTOMER_FIELDS = (
    "name",
    "segment",
    "licensed_seats",
    "status",
    "churned_at",
    "lifecycle_stage",
    "success_manager_id",
)


# --- team members -------------------------------------------------------------------------


@transaction.atomic
def team_member_create(
    *, email: str, name: str, capacity: int = 50, skills: Iterable[str] = (), active: bool = True
) -> TeamMember:
    email = email.strip().lower()
    if TeamMember.objects.filter(email=email).exists():
        raise TeamMemberAlreadyExists()
    return TeamMember.objects.create(
        email=email, name=name, capacity=capacity, skills=_clean_skills(skills), active=active
    )


@transaction.atomic
def team_member_update(*, member: TeamMember, data: Mapping[str, Any]) -> TeamMember:
    for field in ("name", "capacity", "active"):
        if field in data:
            setattr(member, field, data[field])
    if "skills" in data:
        member.skills = _clean_skills(data["skills"])
    member.save()
    return member


def _clean_skills(skills: Iterable[str]) -> list[str]:
    return sorted({s.strip().lower() for s in skills if s.strip()})


# --- customers ----------------------------------------------------------------------------


def _normalise_status(
    values: dict[str, Any], now: datetime, known_churned_at: datetime | None = None
) -> None:
    """Keep status, churned_at and the lifecycle stage consistent with each other."""
    if values.get("status") == CustomerStatus.CHURNED:
        values["churned_at"] = values.get("churned_at") or known_churned_at or now
        values["lifecycle_stage"] = LifecycleStage.CHURNED
    elif values.get("status") == CustomerStatus.ACTIVE:
        values["churned_at"] = None


@transaction.atomic
def customer_create(*, data: Mapping[str, Any], source: str = StageChangeSource.API) -> Customer:
    values = dict(data)
    csm_email = values.pop("success_manager", None)
    values["success_manager_id"] = _csm_id(csm_email)
    now = timezone.now()
    values.setdefault("status", CustomerStatus.ACTIVE)
    values.setdefault("lifecycle_stage", LifecycleStage.ONBOARDING)
    _normalise_status(values, now)
    if Customer.objects.filter(customer_id=values["customer_id"]).exists():
        raise CustomerAlreadyExists()
    customer = Customer.objects.create(**values)
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
    """PATCH semantics. A lifecycle change must follow the allowed transitions (409)."""
    values = dict(data)
    if "success_manager" in values:
        values["success_manager_id"] = _csm_id(values.pop("success_manager"))
    now = timezone.now()
    if "status" in values:
        _normalise_status(values, now, customer.churned_at)
    new_stage = values.pop("lifecycle_stage", customer.lifecycle_stage)
    for field, value in values.items():
        setattr(customer, field, value)
    customer.save()
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


@transaction.atomic
def customer_change_stage(
    *, customer: Customer, to_stage: str, source: str, reason: str, enforce: bool = True
) -> LifecycleChange | None:
    """Move a customer to another lifecycle stage and record why; no-op if already there."""
    from_stage = customer.lifecycle_stage
    if to_stage == from_stage:
        return None
    allowed = allowed_next_stages(from_stage)
    if enforce and to_stage not in allowed:
        raise IllegalStageTransition(from_stage, to_stage, allowed)
    now = timezone.now()
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


@transaction.atomic
def customers_bulk_upsert(*, items: list[dict[str, Any]]) -> BulkResult:
    """Upsert validated items by customer_id: a bounded number of queries for any batch size.

    Rows whose values already match are left alone (re-sending a batch changes nothing, not
    even `updated_at`). Stage changes are recorded as history with source `import`; bulk is a
    sync from a system of record, so transitions are not enforced here.
    """
    csm_pks = CUSTOMER_BULK_SCHEMA.resolve(items)["success_manager"]
    now = timezone.now()
    existing = {
        c.customer_id: c
        for c in Customer.objects.filter(customer_id__in=[i["customer_id"] for i in items])
    }
    to_create: list[Customer] = []
    to_update: list[Customer] = []
    changes: list[LifecycleChange] = []
    for item, csm_pk in zip(items, csm_pks, strict=True):
        values = dict(item)
        if "success_manager" in values:
            del values["success_manager"]
            values["success_manager_id"] = csm_pk
        current = existing.get(values["customer_id"])
        _normalise_status(values, now, current.churned_at if current else None)
        if current is None:
            values.setdefault("status", CustomerStatus.ACTIVE)
            values.setdefault("lifecycle_stage", LifecycleStage.ONBOARDING)
            to_create.append(Customer(**values))
            continue
        diff = {f: v for f, v in values.items() if f != "customer_id" and getattr(current, f) != v}
        if not diff:
            continue
        if "lifecycle_stage" in diff:
            changes.append(
                LifecycleChange(
                    customer=current,
                    from_stage=current.lifecycle_stage,
                    to_stage=diff["lifecycle_stage"],
                    source=StageChangeSource.IMPORT,
                    reason="bulk import",
                    changed_at=now,
                )
            )
        for field, value in diff.items():
            setattr(current, field, value)
        current.updated_at = now
        to_update.append(current)

    Customer.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        Customer.objects.bulk_update(to_update, [*CUSTOMER_FIELDS, "updated_at"], batch_size=2000)
    # bulk_create sets primary keys on PostgreSQL and on SQLite >= 3.35 (RETURNING).
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
    return BulkResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(items) - len(to_create) - len(to_update),
    )


# --- stakeholders -------------------------------------------------------------------------

STAKEHOLDER_FIELDS = ("name", "role", "is_champion", "is_executive_sponsor")


@transaction.atomic
def stakeholder_create(*, customer: Customer, data: Mapping[str, Any]) -> Stakeholder:
    email = data["email"].strip().lower()
    if customer.stakeholders.filter(email=email).exists():
        raise StakeholderAlreadyExists()
    values = {f: data[f] for f in STAKEHOLDER_FIELDS if f in data}
    return Stakeholder.objects.create(customer=customer, email=email, **values)


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, data: Mapping[str, Any]) -> Stakeholder:
    for field in STAKEHOLDER_FIELDS:
        if field in data:
            setattr(stakeholder, field, data[field])
    stakeholder.save()
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder) -> None:
    stakeholder.delete()
