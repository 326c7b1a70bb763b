"""Querysets compiled to SQL once per thread and database, then re-run with new parameters.

A single-customer read runs a handful of small statements, each well under a millisecond in
PostgreSQL; building and compiling its queryset cost several times that in Python (the
customer detail's one statement: ~5 ms of `annotate`/`resolve_expression`/`as_sql` for
~0.3 ms of SQL, issue 17's profile). `PreparedQuery` builds the queryset once with stand-in
values for its parameters, compiles it, finds where each stand-in landed among the compiled
parameters, and from then on runs that SQL with the real values through Django's own
iterables (model instances, `values()` dicts, `values_list()` tuples, select_related,
annotations, converters: everything after compilation is Django's code).

On PostgreSQL the statement is also bound and prepared on the server (psycopg's `prepare`):
PostgreSQL then parses and plans it once per connection instead of per request, and psycopg
sends the parameters instead of quoting them into the text. On the bench's 10,000 customers
the expansion read-out's dozen statements spent about 2 ms per request planning, more than
executing. Only when every id list is short (`PREPARE_UP_TO_IDS`): a prepared statement may
settle on a generic plan, fine for one customer's rows and not for thousands of ids (those
run as before, planned for their own parameters). `DB_PREPARED_STATEMENTS=false` turns it off,
for a pooler that cannot keep a session's prepared statements (PgBouncer's transaction mode
before `max_prepared_statements`).

The rule for `build`: its result depends only on its parameters, each passed straight to a
lookup (`filter(customer_id=customer_id)`, not `customer_id.lower()` or `day - 30`: a
derived value would not be found and is refused on the first run). Anything else it reads
(the clock, settings, configuration rows) would be frozen at the first run, so it must read
none. The SQL is the one the ORM would send; on backends other than PostgreSQL (SQLite,
where a date parameter is sent as text and an `IdArray` as one placeholder per id) the
queryset is simply built and run each time.
"""

from collections.abc import Callable
from copy import copy
from datetime import UTC, date, datetime
from functools import cache
from threading import local
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

from .idarray import IdArray

T = TypeVar("T")

# Stand-ins: values no caller sends (negative ids, private-use characters, year 1901).
_STAND_INS: dict[type, Callable[[int], Any]] = {
    str: lambda k: f"\ue000cs-hub-param-{k}\ue000",
    int: lambda k: -(2**62) + k,
    IdArray: lambda k: IdArray([-(2**62) + k]),
    date: lambda k: date(1901, 1, 1 + k),
    datetime: lambda k: datetime(1901, 1, 1, 0, 0, 0, 1 + k, tzinfo=UTC),
}


# Prepared on the server only when no id list is longer than this (see the module).
PREPARE_UP_TO_IDS = 16


def _preparable(values: dict[str, Any]) -> bool:
    return all(len(v) <= PREPARE_UP_TO_IDS for v in values.values() if isinstance(v, IdArray))


class _ServerBound:
    """An alias's connection whose cursors bind parameters on the server and prepare each
    statement (or not: `prepare`); everything else is the connection's own. Its cursors are
    made and wrapped as Django's `create_cursor` and `cursor` make and wrap any (the
    connection's time zone, execute wrappers, captured queries)."""

    __slots__ = ("_connection", "_prepare")

    def __init__(self, connection: Any, prepare: bool) -> None:
        self._connection = connection
        self._prepare = prepare

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def cursor(self) -> Any:
        base = _postgresql_base()
        connection = self._connection
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with connection.wrap_database_errors:
            kind = _preparing_cursor() if self._prepare else base.ServerBindingCursor
            cursor = kind(connection.connection)
            loader = connection.connection.adapters.get_loader(
                base.TIMESTAMPTZ_OID, base.Format.TEXT
            )
            if connection.timezone != loader.timezone:
                base.register_tzloader(connection.timezone, cursor)
            if connection.queries_logged:  # as `_prepare_cursor`, logging the bound text
                connection.validate_thread_sharing()
                return _logging_wrapper()(cursor, connection)
            return connection._prepare_cursor(cursor)


def _postgresql_base() -> Any:
    """Django's PostgreSQL backend module (its psycopg 3 names are not in the type stubs)."""
    from django.db.backends.postgresql import base

    return base


@cache
def _logging_wrapper() -> type:
    debug_wrapper: Any = _postgresql_base().CursorDebugWrapper

    class LoggingWrapper(debug_wrapper):
        """Django's debug cursor wrapper logging the statement as the client-bound cursors
        log theirs, the parameters in the text (it reads that text back from the cursor,
        which a server-bound one does not keep), so captured queries read the same."""

        def execute(self, sql: Any, params: Any = None) -> Any:
            text = sql if params is None else self.db.ops.compose_sql(sql, params)
            with self.debug_sql(text):
                return CursorWrapper.execute(self, sql, params)

    return LoggingWrapper


@cache
def _preparing_cursor() -> type:
    server_binding: Any = _postgresql_base().ServerBindingCursor

    class PreparingCursor(server_binding):
        """Django's server-binding cursor, each statement prepared: psycopg prepares when
        asked only (settings set the connections' automatic threshold out of reach) and
        keeps a connection's last 100."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparingCursor


def _bound(value: Any) -> Any:
    """A parameter as the compiled SQL carries it (an IdArray: its array literal)."""
    return value.literal() if isinstance(value, IdArray) else value


class _Compiled:
    """One thread's compiled statement and the queryset that runs it: a fresh queryset per
    run shares `run`'s Query, whose compiler answers `as_sql` with the run's `bound` SQL and
    parameters (cloning the queryset, its Query and the compiler per run cost a tenth of a
    read-out's Python time)."""

    __slots__ = ("bound", "compiler", "params", "run", "slots", "sql")

    def __init__(
        self,
        compiler: SQLCompiler,
        sql: str,
        params: tuple[Any, ...],
        slots: dict,
        template: QuerySet[Any, Any],
        alias: str,
    ):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # parameter name -> positions in params
        self.bound: tuple[str, tuple[Any, ...]] = (sql, params)
        compiler.as_sql = lambda *args, **kwargs: self.bound  # type: ignore[method-assign]
        run = template.using(alias)
        query = copy(run.query)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        # Not `run.query = ...`: that setter would reset a values() queryset's iterable class.
        run._query = query  # type: ignore[attr-defined]
        self.run = run

    def fresh(self) -> QuerySet[Any, Any]:
        """A new, unevaluated queryset over `run`'s Query (its own result cache)."""
        run = self.run
        fresh = run.__class__.__new__(run.__class__)
        fresh.__dict__.update(run.__dict__)
        return fresh


class PreparedQuery(Generic[T]):
    """`build(**params)` compiled once per thread and database alias (see the module).

    `params` names each parameter's type (str, int, IdArray, date or aware datetime):
    `PreparedQuery(lambda customer_id: Customer.objects.filter(customer_id=customer_id),
    customer_id=str)`. `.all(customer_id="C-1")` returns the rows as the queryset would."""

    def __init__(self, build: Callable[..., QuerySet[Any, T]], **params: type) -> None:
        unknown = [name for name, kind in params.items() if kind not in _STAND_INS]
        if unknown:
            raise ImproperlyConfigured(f"PreparedQuery: no stand-in for {unknown}")
        self.build = build
        self.kinds = params
        self.stand_ins = {
            name: _STAND_INS[kind](k) for k, (name, kind) in enumerate(params.items())
        }
        self._template: QuerySet[Any, T] | None = None
        self._local = local()  # per thread: alias -> _Compiled (a compiler holds its connection)

    def all(self, **values: Any) -> list[T]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"PreparedQuery expects {sorted(self.kinds)}, got {sorted(values)}")
        template = self._template
        if template is None:
            template = self._template = self.build(**self.stand_ins)
        alias = router.db_for_read(template.model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            return list(self.build(**values))
        compiled = self._compiled(template, alias)
        if compiled is None:  # nothing can match (the ORM raised EmptyResultSet)
            return []
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            bound = _bound(values[name])
            for at in positions:
                params[at] = bound
        # This thread's connection to the alias, bound on the server (see the module). The
        # compiler reads both when the run starts, before any row (or caller code) is seen.
        compiled.compiler.connection = (
            cast(Any, _ServerBound(connection, _preparable(values)))
            if settings.CS_HUB_PREPARED_STATEMENTS
            else connection
        )
        compiled.bound = (compiled.sql, tuple(params))
        return list(compiled.fresh())

    def first(self, **values: Any) -> T | None:
        rows = self.all(**values)
        return rows[0] if rows else None

    def _compiled(self, template: QuerySet[Any, T], alias: str) -> "_Compiled | None":
        cache: dict[str, _Compiled | None] = self._local.__dict__.setdefault("by_alias", {})
        if alias in cache:
            return cache[alias]
        # A clone: compiling changes the Query it compiles (aliases of its subqueries), and
        # threads compiling the shared template at once produced broken SQL ("missing
        # FROM-clause entry": the bench's customer detail at gunicorn's threads).
        compiler = template.query.clone().get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            cache[alias] = None
            return None
        slots: dict[str, list[int]] = {}
        for name, stand_in in self.stand_ins.items():
            bound = _bound(stand_in)
            slots[name] = [i for i, p in enumerate(params) if type(p) is type(bound) and p == bound]
            if not slots[name]:
                raise ImproperlyConfigured(
                    f"PreparedQuery: parameter {name!r} is not passed straight to a lookup "
                    f"(its stand-in is not among the compiled parameters of {sql[:200]!r})"
                )
        cache[alias] = _Compiled(compiler, sql, tuple(params), slots, template, alias)
        return cache[alias]
