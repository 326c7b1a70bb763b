"""URL helpers: the spec's paths have no trailing slash; both forms are served."""

from typing import Any

from django.urls import URLPattern, path


def both(route: str, view: Any, name: str) -> list[URLPattern]:
    route = route.rstrip("/")
    return [path(route, view, name=name), path(f"{route}/", view)]
