"""A capped listing: the first rows of a set and how many rows the set holds, in one query.

A page that shows "the latest 10 of 412" must not fetch 412 rows nor pay a second COUNT: the
total rides along on every row as a window count (computed before the LIMIT)."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Count, QuerySet, Window

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Capped(Generic[T]):
    """Up to `limit` rows of a set (in the set's order) and the set's size."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        """Rows of the set not listed."""
        return self.total - len(self.items)


def capped(
    rows: QuerySet[Any], limit: int, row: type[T], *, sources: Mapping[str, str] | None = None
) -> Capped[T]:
    """The first `limit` rows of `rows` (ordered by the caller), each a `row` dataclass built
    from the values of its fields (each field read from the model field of its name, or from
    the lookup `sources` names for it, e.g. {"owner_name": "owner__name"}), with the count of
    every row of `rows`. One query."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    renamed = sources or {}
    fields = [renamed.get(f.name, f.name) for f in dataclasses.fields(row)]  # type: ignore[arg-type]
    values = rows.annotate(capped_total=Window(Count("pk"))).values_list(*fields, "capped_total")
    found = list(values[:limit])
    total = found[0][-1] if found else 0
    return Capped(tuple(row(*values[:-1]) for values in found), total)
