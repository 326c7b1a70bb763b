"""Querysets compiled to SQL once per thread and database, then re-run with new parameters.

A single-customer read runs a handful of small statements, each well under a millisecond in
PostgreSQL; building and compiling its queryset cost several times that in Python (the
customer detail's one statement: ~5 ms of `annotate`/`resolve_expression`/`as_sql` for
~0.3 ms of SQL, issue 17's profile). `PreparedQuery` builds the queryset once with stand-in
values for its parameters, compiles it, finds where each stand-in landed among the compiled
parameters, and from then on runs that SQL with the real values through Django's own
iterables (model instances, `values()` dicts, `values_list()` tuples, select_related,
annotations, converters: everything after compilation is Django's code).

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
from threading import local
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
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


def _bound(value: Any) -> Any:
    """A parameter as the compiled SQL carries it (an IdArray: its array literal)."""
    return value.literal() if isinstance(value, IdArray) else value


class _Compiled:
    __slots__ = ("compiler", "params", "slots", "sql")

    def __init__(self, compiler: SQLCompiler, sql: str, params: tuple[Any, ...], slots: dict):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # parameter name -> positions in params


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
        compiler = copy(compiled.compiler)
        compiler.connection = connection  # this thread's connection to the alias
        sql, frozen = compiled.sql, tuple(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, frozen)  # type: ignore[method-assign]
        run = template.using(alias)  # a fresh queryset over the same Query
        query = copy(run.query)
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        # Not `run.query = ...`: that setter would reset a values() queryset's iterable class.
        run._query = query  # type: ignore[attr-defined]
        return list(run)

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
        cache[alias] = _Compiled(compiler, sql, tuple(params), slots)
        return cache[alias]
