"""Upsert of validated bulk rows by one natural key, touching only rows whose values differ.

Re-sending a batch must change nothing (not even `updated_at`), and the response says what
happened: rows `created`, `updated` and `unchanged`. Three statements at most, whatever the
batch size: one SELECT of the existing keys, one batched INSERT, one batched UPDATE.

Racing batches: callers run under `integrations.writes.atomic_upsert` (its docstring explains
why); existing rows are read with `locked_by_key`, new rows are inserted in key order (`by_key`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class BulkResult:
    created: int
    updated: int
    unchanged: int


def locked_by_key(model: type[M], key: str, values: Iterable[Any]) -> dict[Any, M]:
    """The existing rows for these natural keys, locked (FOR NO KEY UPDATE) in key order.

    A fixed lock order means two batches sharing rows wait for each other instead of
    deadlocking; the rows are those committed when the lock was granted.
    """
    rows = (
        model._default_manager.filter(**{f"{key}__in": list(values)})
        .order_by(key)
        .select_for_update(no_key=True)
    )
    return {getattr(row, key): row for row in rows}


def by_key(rows: list[M], key: str) -> list[M]:
    """New rows in key order: racing batches then insert shared keys in the same order, so
    the later one waits for the earlier instead of deadlocking."""
    return sorted(rows, key=lambda row: getattr(row, key))


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
    existing = locked_by_key(model, key, (r[key] for r in rows))
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
    manager.bulk_create(by_key(to_create, key), batch_size=batch_size)
    if to_update:
        update_fields = [*fields, touch] if touch else list(fields)
        manager.bulk_update(to_update, update_fields, batch_size=batch_size)
    return BulkResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
    )
