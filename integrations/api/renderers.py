"""The API's renderers: DRF's JSON renderer plus arrays whose items are JSON text already, and
DRF's browsable page without a filter form on lists that have no queryset.

A list whose rows PostgreSQL wrote as JSON (`integrations.json_text`) hands its page over as a
`RawJSONArray`; the page's other members (`next`, `previous`) are rendered as DRF renders
them, and the items are joined as they are, not decoded and encoded again. Asked to indent
(`Accept: application/json; indent=4`, the browsable page), the renderer decodes the items
and renders the page as DRF would: a reader, not a client, pays for it."""

import json
from typing import Any

from rest_framework import renderers


class RawJSONArray:
    """A JSON array whose items are JSON text (each one complete and valid)."""

    __slots__ = ("items",)

    def __init__(self, items: list[str]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        if not (isinstance(data, dict) and any(isinstance(v, RawJSONArray) for v in data.values())):
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            decoded = {
                k: [json.loads(item) for item in v.items] if isinstance(v, RawJSONArray) else v
                for k, v in data.items()
            }
            return super().render(decoded, accepted_media_type, renderer_context)
        members = []
        for key, value in data.items():
            if isinstance(value, RawJSONArray):
                # as DRF's renderer does: U+2028/U+2029 escaped for JavaScript's sake
                joined = "[" + ",".join(value.items) + "]"
                text = joined.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
            elif value is None:
                text = b"null"  # DRF renders a None body as no bytes at all
            else:
                text = super().render(value, accepted_media_type, renderer_context)
            members.append(super().render(key) + b":" + text)
        return b"{" + b",".join(members) + b"}"


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_filter_form(self, data: Any, view: Any, request: Any) -> Any:
        # DRF builds the form from view.get_queryset(), which a list computed in Python
        # (renewals due: no queryset, no filter backends) does not have: it answered 500.
        if not getattr(view, "filter_backends", None):
            return None
        return super().get_filter_form(data, view, request)
