"""The API's JSON parser: DRF's, with the document's shape bounded before any code walks it."""

import codecs
import json
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Real bodies nest three or four levels; recursive code (serializers, the renderer, json.dumps)
# must never meet a document deep enough to exhaust the stack.
MAX_DEPTH = 32


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):  # 1e1000000 overflows to infinity
        raise ValueError(f"Number out of range: {text[:40]}")
    return number


def _too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def loads(body: str | bytes) -> Any:
    """Parse a JSON body with the API's rules; ValueError when it breaks one."""
    try:
        data = json.loads(body, parse_float=_finite_float, parse_constant=json_constant)
    except RecursionError:
        raise ValueError(f"Nested deeper than {MAX_DEPTH} levels.") from None
    if isinstance(data, dict | list) and _too_deep(data):
        raise ValueError(f"Nested deeper than {MAX_DEPTH} levels.")
    return data


def json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        # DRF's get_encoding refuses bytes-to-bytes codecs (bz2_codec: a decompression bomb).
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            return loads(codecs.getreader(encoding)(stream).read())
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
