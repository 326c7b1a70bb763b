"""Upsert of validated bulk rows by one natural key, touching only rows whose values differ.

Re-sending a batch must change nothing (not even `updated_at`), and the response says what
happened: rows `created`, `updated` and `unchanged`. Three statements at most, whatever the
batch size: one SELECT of the existing keys, one batched INSERT, one batched UPDATE (and, for
a model with history, one INSERT of historical rows per batch written).

Racing batches: callers run under `integrations.writes.atomic_upsert` (its docstring explains
why); existing rows are read with `locked_by_key`, new rows are inserted in key order (`by_key`).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db.models import Model
from django.utils import timezone

from .bulk import refuse
from .history import record_bulk

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


@dataclass(frozen=True)
class Upserted(Generic[M]):
    """What an upsert wrote: the new rows (with primary keys) and the updated rows with the
    previous values of the fields that changed."""

    created: list[M]
    updated: list[tuple[M, dict[str, Any]]]
    total: int

    @property
    def result(self) -> BulkResult:
        return BulkResult(
            created=len(self.created),
            updated=len(self.updated),
            unchanged=self.total - len(self.created) - len(self.updated),
        )


# (the row's values, to adjust in place; the existing row or None when it is new)
Prepare = Callable[[dict[str, Any], M | None], None]
# (the row's index, its values as sent) -> item errors refusing it as a new row
CheckNew = Callable[[int, dict[str, Any]], list[dict[str, Any]]]


def upsert_models(
    model: type[M],
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    fields: Sequence[str],
    touch: str | None = "updated_at",
    batch_size: int = 2000,
    now: datetime | None = None,
    prepare: Prepare[M] | None = None,
    check_new: CheckNew | None = None,
    errors: Sequence[dict[str, Any]] = (),
) -> Upserted[M]:
    """The one bulk upsert by natural key (every app's bulk endpoint): lock the existing rows
    in key order, insert the new ones in key order, update only the fields that differ (and
    `touch`). `prepare` adjusts each row's values once the existing row is known. Three
    statements whatever the batch size.

    Before anything is written, the batch is refused (BulkValidationError) with `errors` (the
    caller's, e.g. unknown references) plus what `check_new` finds in the rows that would be
    created: which rows are new is known only here, from the one locked read."""
    manager = model._default_manager
    existing = locked_by_key(model, key, (r[key] for r in rows))
    now = now or timezone.now()
    to_create: list[M] = []
    to_update: list[tuple[M, dict[str, Any]]] = []
    refused = list(errors)
    for index, row in enumerate(rows):
        current = existing.get(row[key])
        if current is None and check_new is not None:
            refused += check_new(index, row)
        if prepare is not None:
            row = dict(row)
            prepare(row, current)
        if current is None:
            to_create.append(model(**row))
            continue
        changed = [f for f in fields if f in row and getattr(current, f) != row[f]]
        if not changed:
            continue
        before = {field: getattr(current, field) for field in changed}
        for field in changed:
            setattr(current, field, row[field])
        if touch:
            setattr(current, touch, now)
        to_update.append((current, before))
    refuse(refused)
    to_create = by_key(to_create, key)
    # bulk_create sets primary keys on PostgreSQL and on SQLite >= 3.35 (RETURNING).
    manager.bulk_create(to_create, batch_size=batch_size)
    record_bulk(model, to_create, update=False, batch_size=batch_size)
    if to_update:
        update_fields = [*fields, touch] if touch else list(fields)
        updated = [row for row, _ in to_update]
        manager.bulk_update(updated, update_fields, batch_size=batch_size)
        record_bulk(model, updated, update=True, batch_size=batch_size)
    return Upserted(created=to_create, updated=to_update, total=len(rows))


def upsert_rows(
    model: type[Model],
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    fields: Sequence[str],
    touch: str | None = "updated_at",
    batch_size: int = 2000,
) -> BulkResult:
    """`upsert_models` when the caller needs only the counts."""
    return upsert_models(
        model, rows, key=key, fields=fields, touch=touch, batch_size=batch_size
    ).result
