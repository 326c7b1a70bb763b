"""The API's JSON parser: DRF's, with the document's shape bounded before any code walks it."""

import codecs
import json
import re
import sys
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .validation import INVALID_CHARACTERS_DETAIL, has_invalid_characters

# Real bodies nest three or four levels; recursive code (serializers, the renderer, json.dumps)
# must never meet a document deep enough to exhaust the stack.
MAX_DEPTH = 32


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):  # 1e1000000 overflows to infinity
        raise ValueError(f"Number out of range: {text[:40]}")
    return number


# Python refuses to read integers longer than this (sys.get_int_max_str_digits) with advice
# about the interpreter; a client hears "too large" instead. No field takes such a number.
MAX_INTEGER_DIGITS = 4300


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"Number too large: {text[:40]}... ({len(text)} characters).")
    return int(text)


# Only these escapes can put NUL or a lone surrogate into a parsed string (raw UTF-8 cannot).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _check_shape(data: Any, keys_too: bool) -> None:
    """Bound the nesting; with `keys_too`, refuse NUL and lone surrogates in object keys
    (values are refused by the fields, with the field's name; a key would be echoed in an
    `unknown_field` error, which cannot even be encoded as UTF-8)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"Nested deeper than {MAX_DEPTH} levels.")
        if type(value) is dict:
            if keys_too and any(has_invalid_characters(k) for k in value):
                raise ValueError(f"Object keys: {INVALID_CHARACTERS_DETAIL}")
            children: Any = value.values()
        else:
            children = value
        # json.loads makes exactly dict and list (no subclasses): `type() is` is the cheap
        # test, and a plain loop (no generator) keeps a 10,000-item batch at a few ms.
        for child in children:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))


def loads(body: str | bytes) -> Any:
    """Parse a JSON body with the API's rules; ValueError when it breaks one."""
    try:
        # Integers are read by json's own C code (a hook per integer cost a 10,000-item
        # batch ~4 ms); only an integer past the interpreter's digit limit fails there, and
        # any failure is parsed again with the bounded reader, whose message is the API's.
        if not 0 < sys.get_int_max_str_digits() <= MAX_INTEGER_DIGITS:
            raise ValueError("the interpreter reads longer integers than the API")
        data = _parse(body, parse_int=None)
    except ValueError:
        data = _parse(body, parse_int=_bounded_int)
    if isinstance(data, dict | list):
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        _check_shape(data, keys_too=_SUSPECT_ESCAPE.search(text) is not None)
    return data


def _parse(body: str | bytes, parse_int: Any) -> Any:
    try:
        return json.loads(
            body, parse_float=_finite_float, parse_int=parse_int, parse_constant=json_constant
        )
    except RecursionError:
        raise ValueError(f"Nested deeper than {MAX_DEPTH} levels.") from None


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
