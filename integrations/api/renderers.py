"""The API's JSON renderer: DRF's, plus arrays whose items are JSON text already.

A list whose rows PostgreSQL wrote as JSON (`integrations.json_text`) hands its page over as a
`RawJSONArray`; the page's other members (`next`, `previous`) are rendered as DRF renders
them, and the items are joined as they are, not decoded and encoded again."""

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
