"""An admin action's selected ids that are no ids of its model.

Django's admin filters the list by the POSTed `_selected_action` values as they come, so
`abc`, `1.5`, `²` or a 5,000-digit number for an integer key raise while the action's
query is built (a 500), and an id beyond 2**63 overflows SQLite. The site refuses such a
POST before the list runs (cockpit.site)."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

BIGGEST = 2**63


def foreign_ids(model: Any, values: Sequence[str]) -> bool:
    """Whether any of `values` cannot be a primary key of `model`."""
    pk = model._meta.pk
    for value in values:
        try:
            key = pk.to_python(value)
        except (ValidationError, ValueError):
            return True
        if isinstance(key, int) and abs(key) >= BIGGEST:
            return True
    return False
