"""Read-replica routing (README "Read replica").

With `DATABASE_REPLICA_URL` set, settings add the `replica` alias and install `ReplicaRouter`.
A read goes to the replica only inside an explicit `replica_reads()` scope (the API views that
set `read_replica = True` and the cockpit pages that only read), and only while that is safe:

- never inside an atomic block on the primary: a transaction reads its own state;
- never once the scope has written: the first ORM write (or `select_for_update`, which Django
  routes as a write) and the first statement on the primary that is not a read pin the rest of
  the scope to the primary, so a request reads its own writes;
- never inside `primary_reads()`: a read-then-write that must not act on a stale read.

Everything else (writes, idempotency claims, the outbox and its relay, authentication, every
read outside a scope) stays on the primary, and migrations run only there. Raw SQL reads pick
their connection with `read_connection(model)`, as the ORM would for that model.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

REPLICA = "replica"

# Statements the primary may run inside a scope without the scope having written.
_NOT_WRITES = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@dataclass
class _Scope:
    wrote: bool = False
    pinned: int = 0  # depth of primary_reads()


_scope: ContextVar[_Scope | None] = ContextVar("cs_hub_replica_scope", default=None)


class _WriteWatch:
    """An execute wrapper on the primary: a write that bypassed the router (raw SQL) pins the
    scope too."""

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def __call__(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        if not (isinstance(sql, str) and sql.lstrip().upper().startswith(_NOT_WRITES)):
            self.scope.wrote = True
        return execute(sql, params, many, context)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the reads of this block go to the replica while safe (see the module). Nested
    scopes are one scope: a write anywhere in it pins the rest to the primary."""
    if _scope.get() is not None:
        yield
        return
    scope = _Scope()
    token = _scope.set(scope)
    try:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(_WriteWatch(scope)):
            yield
    finally:
        _scope.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Read from the primary inside this block even within a replica scope: for a
    read-then-write whose read must not be behind its own earlier writes (or another
    request's). A write inside still pins the enclosing scope."""
    scope = _scope.get()
    if scope is None:
        yield
        return
    scope.pinned += 1
    try:
        yield
    finally:
        scope.pinned -= 1


def read_connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The connection a raw SQL read of `model`'s rows runs on: the one the ORM would read
    them from (`django.db.connection` is always the primary)."""
    return connections[router.db_for_read(model)]


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        # Always an explicit alias: with None Django would follow an instance's own database,
        # and a row read from the replica would pull its relations from there after the scope.
        scope = _scope.get()
        if (
            scope is None
            or scope.wrote
            or scope.pinned
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: a row read there may be linked to one here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
