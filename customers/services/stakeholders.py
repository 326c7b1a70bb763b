"""Writes for a customer's stakeholders."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from integrations.history import record_bulk
from integrations.writes import create_unique, lock, save_changes

from ..errors import (
    StakeholderAlreadyExists,
    StakeholderNotFound,
)
from ..models import Customer, Stakeholder

STAKEHOLDER_FIELDS = ("name", "role", "is_champion", "is_executive_sponsor")


@transaction.atomic
def stakeholder_create(*, customer: Customer, data: Mapping[str, Any]) -> Stakeholder:
    return create_unique(
        Stakeholder,
        key={"customer": customer, "email": data["email"].strip().lower()},
        conflict=StakeholderAlreadyExists(),
        **{f: data[f] for f in STAKEHOLDER_FIELDS if f in data},
    )


@transaction.atomic
def stakeholders_add(*, customer: Customer, emails: Sequence[str]) -> None:
    """A stakeholder per email (lower-cased) in one INSERT; an email the customer has already
    is kept as it is (the unique constraint skips it), also one added meanwhile. The rows it
    added get their history rows in one more INSERT (a skipped INSERT returns no keys, so the
    new rows are read back)."""
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails))
    known = set(
        Stakeholder.objects.filter(customer=customer, email__in=wanted).values_list(
            "email", flat=True
        )
    )
    Stakeholder.objects.bulk_create(
        [Stakeholder(customer=customer, email=email) for email in wanted if email not in known],
        ignore_conflicts=True,
    )
    added = [email for email in wanted if email not in known]
    if added:
        rows = list(Stakeholder.objects.filter(customer=customer, email__in=added))
        record_bulk(Stakeholder, rows, update=False)


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, data: Mapping[str, Any]) -> Stakeholder:
    """PATCH semantics on the locked row: only the given fields are written."""
    lock(stakeholder, missing=StakeholderNotFound())
    save_changes(stakeholder, {f: data[f] for f in STAKEHOLDER_FIELDS if f in data})
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder) -> None:
    """Delete by filter and count: of concurrent deletes of one row exactly one deletes it,
    the others find nothing (404), as if they had come after."""
    deleted, _ = Stakeholder.objects.filter(pk=stakeholder.pk).delete()
    if not deleted:
        raise StakeholderNotFound()
