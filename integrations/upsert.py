"""Upsert of validated bulk rows by one natural key, touching only rows whose values differ.

Re-sending a batch must change nothing (not even `updated_at`), and the response says what
happened: rows `created`, `updated` and `unchanged`. Three statements at most, whatever the
batch size: one SELECT of the existing keys, one batched INSERT, one batched UPDATE.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone


@dataclass(frozen=True)
class BulkResult:
    created: int
    updated: int
    unchanged: int


def upsert_rows(
    model: type[Model],
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    fields: Sequence[str],
    touch: str | None = "updated_at",
    batch_size: int = 2000,
) -> BulkResult:
    manager = model._default_manager
    existing = {
        getattr(o, key): o for o in manager.filter(**{f"{key}__in": [r[key] for r in rows]})
    }
    now = timezone.now()
    to_create: list[Model] = []
    to_update: list[Model] = []
    for row in rows:
        current = existing.get(row[key])
        if current is None:
            to_create.append(model(**row))
            continue
        changed = [f for f in fields if f in row and getattr(current, f) != row[f]]
        if not changed:
            continue
        for field in changed:
            setattr(current, field, row[field])
        if touch:
            setattr(current, touch, now)
        to_update.append(current)
    manager.bulk_create(to_create, batch_size=batch_size)
    if to_update:
        update_fields = [*fields, touch] if touch else list(fields)
        manager.bulk_update(to_update, update_fields, batch_size=batch_size)
    return BulkResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
    )
