"""Primary keys that an `__in` lookup sends as ONE array parameter on PostgreSQL.

`filter(customer_id__in=[...])` with thousands of ids makes Django prepare every value, psycopg
split the statement at every placeholder and PostgreSQL parse a literal per id: for 2,863 ids
about 20 ms of Python and several times that in the server, per query (renewal scoring reads
nine such lists). An `IdArray` is a read-only sequence for the code that receives it (iterate,
`len`, slice, `in`), so any read API typed `Sequence[int]` takes it unchanged; only the SQL of
an `__in` lookup on it differs: `col = ANY(%s)` with the ids bound as one array, as
`integrations.bulk_sql.ids_by_key` does for keys (PostgreSQL also plans it as the same
scalar-array test as an IN list; `IN (SELECT unnest(...))` was planned as a join and
misestimated). Other backends get Django's own `IN (%s, ...)`.

`IdSubquery(queryset)` is the same for ids a subquery selects: `col = ANY(ARRAY(subquery))` on
PostgreSQL, so the subquery runs once and the rows are fetched by primary key, where
`col IN (subquery)` became a join that hashed the whole table and ran a correlated subquery
inside it three times per id (the latest health snapshot as of a day: 200 ms for 2,863
customers, against 70 ms). Elsewhere: Django's `IN (subquery)`.

The lookups below replace Django's `in` for every field (`register`, from the integrations
app's `ready`); for any other value they are Django's, unchanged."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Subquery
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class IdArray(Sequence[int]):
    """Primary keys (ints, checked on construction), immutable, for `__in` lookups. Not a list:
    Django walks a list value item by item looking for expressions, which for thousands of ids
    cost as much as the query it saves."""

    __slots__ = ("_ids", "_literal")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._ids = tuple(map(int, ids))
        self._literal: str | None = None

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> "IdArray": ...

    def __getitem__(self, index: int | slice) -> "int | IdArray":
        if isinstance(index, slice):
            return IdArray(self._ids[index])
        return self._ids[index]

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, IdArray | list | tuple):
            return self._ids == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._ids)

    def __repr__(self) -> str:
        return f"IdArray({list(self._ids)!r})"

    def literal(self) -> str:
        """The PostgreSQL array literal `{1,2,3}`: sent as one text parameter and cast, which
        psycopg passes through as it is (its list dumper walks the items in Python)."""
        if self._literal is None:
            self._literal = "{" + ",".join(map(str, self._ids)) + "}"
        return self._literal


class IdSubquery(Subquery):
    """A subquery selecting one column of ids, for `__in` lookups (its order is dropped: a
    set of ids has none, as Django drops it from `IN (subquery)`)."""

    def __init__(self, queryset: Any, **extra: Any) -> None:
        super().__init__(queryset.order_by(), **extra)


class _ArrayBinding:
    """An `in` lookup that binds an IdArray as one parameter (any other value: Django's)."""

    rhs: Any

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, IdArray):
            return self.rhs  # ints already: no per-value preparation
        return super().get_prep_lookup()  # type: ignore[misc]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if isinstance(self.rhs, IdSubquery) and connection.vendor == "postgresql":
            lhs, lhs_params = self.process_lhs(compiler, connection)  # type: ignore[attr-defined]
            rhs, rhs_params = self.process_rhs(compiler, connection)  # type: ignore[attr-defined]
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        if not isinstance(self.rhs, IdArray):
            return super().as_sql(compiler, connection)  # type: ignore[misc]
        if not self.rhs:
            raise EmptyResultSet  # as Django does for an empty list: nothing matches
        lhs, lhs_params = self.process_lhs(compiler, connection)  # type: ignore[attr-defined]
        if connection.vendor == "postgresql":
            # Typed as the column (psycopg would send small ids as smallint[], and PostgreSQL
            # estimates a cross-type comparison worse: it chose a heap scan over an index-only one).
            db_type = self.lhs.output_field.db_type(connection)  # type: ignore[attr-defined]
            return f"{lhs} = ANY(%s::{db_type}[])", (*lhs_params, self.rhs.literal())
        marks = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({marks})", (*lhs_params, *self.rhs)


class ArrayIn(_ArrayBinding, In):
    pass


class RelatedArrayIn(_ArrayBinding, RelatedIn):
    pass


def register() -> None:
    """Make `__in` bind IdArrays as one parameter, on plain and on relation fields."""
    Field.register_lookup(ArrayIn)
    ForeignObject.register_lookup(RelatedArrayIn)
