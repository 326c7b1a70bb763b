"""Query-string lookups the admin lists would fail on with a 500 rather than refuse.

Django's admin accepts any lookup on a list's own fields from the query string
(`?created_at__year=...`) and turns values it cannot convert into its "invalid lookup"
redirect (`?e=1`). Two kinds slip past that check and fail while the query runs: a year
outside 1..9999 (`year_lookup_bounds` builds a Python date) and a regular expression the
database cannot compile (`__regex=(`). No admin link produces either; the site answers them
with the same `?e=1` redirect (cockpit.site)."""

import re
from collections.abc import Mapping, Sequence

YEAR_LOOKUPS = {"year", "iso_year"}
REGEX_LOOKUPS = {"regex", "iregex"}
_YEAR = re.compile(r"\s*[0-9]{1,4}\s*")


def _year(text: str) -> bool:
    return _YEAR.fullmatch(text) is not None and int(text) >= 1


def unanswerable(query: Mapping[str, Sequence[str]]) -> bool:
    """Whether `query` (a request's GET, as lists) holds a lookup the database would fail on."""
    for key, values in query.items():
        parts = set(key.split("__")[1:])
        if parts & REGEX_LOOKUPS:
            return True
        if parts & YEAR_LOOKUPS and "isnull" not in parts:
            pieces = (piece for value in values for piece in value.split(","))
            if not all(_year(piece) for piece in pieces):
                return True
    return False
