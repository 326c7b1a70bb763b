"""Writes for a customer's stakeholders."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

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


def stakeholders_add(*, customer: Customer, emails: Sequence[str]) -> None:
    """A stakeholder per email (lower-cased) in one INSERT; an email the customer has already
    is kept as it is (the unique constraint skips it), also one added meanwhile."""
    Stakeholder.objects.bulk_create(
        [
            Stakeholder(customer=customer, email=email)
            for email in dict.fromkeys(e.strip().lower() for e in emails)
        ],
        ignore_conflicts=True,
    )


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
