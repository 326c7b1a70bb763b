"""The published operations, read from the schema (a new endpoint is covered automatically)."""

import functools
import re
from typing import Any

from django.urls import Resolver404, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from integrations.auth import required_scope

METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{(\w+)\}")
# A value no row has: the scope check comes before any lookup, so it must never be reached.
MISSING = "nonexistent"


@functools.cache
def schema() -> dict[str, Any]:
    generated: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def operations() -> list[tuple[str, str]]:
    """Every (METHOD, schema path) of the published API."""
    return sorted(
        (method.upper(), path)
        for path, item in schema()["paths"].items()
        for method in item
        if method in METHODS
    )


def concrete(path: str, value: str = MISSING) -> str:
    return _PARAM.sub(value, path)


def scope_of(method: str, path: str) -> str | None:
    """The scope the view behind the operation enforces (None: it declares none)."""
    try:
        match = resolve(concrete(path))
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    return required_scope(view, method) if view is not None else None


def routes() -> list[tuple[str, Any]]:
    """Every URL pattern outside the admin, with its view class (None for a function)."""

    def walk(patterns: list[Any], prefix: str) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith("admin/"):
                    found += walk(pattern.url_patterns, route)
                continue
            view = getattr(pattern.callback, "cls", None) or getattr(
                pattern.callback, "view_class", None
            )
            found.append((route, view))
        return found

    return walk(get_resolver().url_patterns, "")
