"""Concurrency-safe write primitives used by every app's services.

- `lock`: a read-modify-write re-reads its row under a lock inside the transaction, so it
  sees the committed state (a lifecycle rule is checked against the real current stage) and
  nobody can change the row before it commits. PostgreSQL takes a row lock (FOR NO KEY
  UPDATE: it does not block inserts of rows referencing this one); SQLite runs every atomic
  block as BEGIN IMMEDIATE (config/settings/base.py), which serialises writers from the
  start of the block, so the read must happen inside it: `lock` refuses to run outside one.
- `save_changes`: write only the fields a request changed (UPDATE ... SET those columns),
  never a stale copy of the others.
- `create_unique`: an INSERT keyed by a natural key answers the domain's `..._exists` error
  (409) also when a racing request committed the same key first, never a 500.
- `atomic_upsert`: bulk upserts stay correct when batches race (see its docstring).
- `serialize`: writers that number rows per key (max + 1) take turns until they commit.
"""

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Model

from .history import is_tracked, record_bulk

M = TypeVar("M", bound=Model)
P = ParamSpec("P")
R = TypeVar("R")

UPSERT_ATTEMPTS = 5
DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for a detected deadlock


def lock(instance: M, *, missing: Exception) -> M:
    """Re-read `instance` from the database under a row lock; refreshed in place and returned.

    Unsaved changes on the instance are discarded. `missing` is raised (a 404 domain error)
    when the row was deleted meanwhile.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock() needs an atomic block.")
    manager = type(instance)._default_manager
    try:
        instance.refresh_from_db(from_queryset=manager.select_for_update(no_key=True))
    except ObjectDoesNotExist:
        raise missing from None
    return instance


def serialize(name: str) -> None:
    """Hold a lock on `name` until the surrounding transaction ends, so writers of one key
    (e.g. a forecast period's next version) run one at a time. PostgreSQL: a transaction-
    scoped advisory lock on a 64-bit hash of the name; SQLite already serialises writers
    (BEGIN IMMEDIATE). Refuses to run outside an atomic block, like `lock`."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("serialize() needs an atomic block.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def save_changes(instance: Model, values: Mapping[str, Any]) -> list[str]:
    """Set and save only the fields whose values differ; return their names.

    `updated_at` (auto_now) is written only when something changed.
    """
    changed = [field for field, value in values.items() if getattr(instance, field) != value]
    for field in changed:
        setattr(instance, field, values[field])
    if changed:
        names = {f.name for f in instance._meta.concrete_fields}
        touch = ["updated_at"] if "updated_at" in names and "updated_at" not in changed else []
        instance.save(update_fields=[*changed, *touch])
    return changed


def create_unique(
    model: type[M], *, key: Mapping[str, Any], conflict: Exception, **values: Any
) -> M:
    """INSERT a row whose natural key is `key` (field lookups); an existing row is `conflict`.

    Two requests may both find the key free; the later INSERT then fails on the unique index
    once the earlier one commits. The INSERT runs in a savepoint, so that failure is caught
    and, when a row with the key now exists, answered with `conflict` too.
    """
    manager = model._default_manager
    if manager.filter(**key).exists():
        raise conflict
    try:
        with transaction.atomic():
            return manager.create(**key, **values)
    except IntegrityError:
        if manager.filter(**key).exists():
            raise conflict from None
        raise


def atomic_upsert(upsert: Callable[P, R]) -> Callable[P, R]:
    """Run a bulk upsert atomically, and again when a racing batch committed its keys first.

    Rows that exist are read FOR UPDATE in key order (`integrations.upsert.locked_by_key`),
    so racing batches serialise on shared rows and compare against committed values. Keys
    that do not exist yet cannot be locked: two batches may both insert one, and the later
    INSERT fails with a unique violation once the earlier batch commits. The whole upsert
    (its history rows and events with it) is then rolled back and run again, now seeing those
    rows as existing: both batches succeed, the counts stay truthful and every side effect
    happens once. New rows are inserted in key order, so racing batches do not deadlock each
    other; a deadlock with some other writer is retried the same way.
    """

    @functools.wraps(upsert)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, UPSERT_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return upsert(*args, **kwargs)
            except (IntegrityError, OperationalError) as exc:
                retry = isinstance(exc, IntegrityError) or _is_deadlock(exc)
                if not retry or attempt == UPSERT_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    return run


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK


# --- versioned tables with one active row (health model, expansion model) -------------------


def next_version(model: type[Model]) -> int:
    """The next `version` number of a versioned table. Locks the newest row (call inside the
    write's transaction), so two concurrent saves cannot take the same number."""
    newest = model._default_manager.select_for_update().order_by("-version").first()
    return (getattr(newest, "version", 0) if newest else 0) + 1


def deactivate_others(model: type[Model], keep_pk: Any, *, field: str = "active") -> None:
    """Clear the active flag of every row but `keep_pk`: run before a row is saved active,
    since one active row is a database constraint. The rows it changes get history rows."""
    others = model._default_manager.exclude(pk=keep_pk).filter(**{field: True})
    changed = list(others.select_for_update()) if is_tracked(model) else []
    others.update(**{field: False})
    for row in changed:
        setattr(row, field, False)
    record_bulk(model, changed, update=True)


def activate(instance: M, *, field: str = "active") -> M:
    """Make `instance` the one active row of its table (inside the caller's transaction)."""
    model = type(instance)
    deactivate_others(model, instance.pk, field=field)
    row = model._default_manager.filter(pk=instance.pk, **{field: False})
    changed = row.update(**{field: True})
    setattr(instance, field, True)
    if changed and is_tracked(model):
        instance.refresh_from_db()
        record_bulk(model, [instance], update=True)
    return instance
