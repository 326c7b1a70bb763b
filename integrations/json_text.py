"""A row's API document written as JSON text by PostgreSQL (issue 17: the expansion list).

A list page of 100 rows, each with a few hundred bytes of stored JSON, spent most of its time
in Python: psycopg decoding the stored jsonb, building model instances, walking the
serializer's fields and encoding the page again. `JSONObjectText` asks PostgreSQL for each
row's document as JSON text (compact but for the whitespace inside stored jsonb), keys in the
documented order, so the page is joined from strings (`RawJSONArray`, spliced by
`integrations.api.renderers.JSONRenderer`).

Each member says how its value is written, the way the serializer field would write it:
`string`, `number`, `boolean`, `date` (YYYY-MM-DD), `datetime` (DRF's ISO 8601 in UTC:
microseconds only when there are some, `Z` for +00:00), `stored` (jsonb as stored: whitespace
aside, the bytes json.dumps would write of its decoded value) and `stored_objects(*keys)` (a
jsonb array of objects, each rewritten with `keys` in that order). PostgreSQL only; callers
keep their serializer for other databases (`available`)."""

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import NotSupportedError, connections
from django.db.models import Expression, F, TextField

Writer = Callable[[str], str]  # a value's SQL -> SQL of its JSON text ({v} stands for it)

_KEY = re.compile(r"[a-z_][a-z0-9_]*")


def available(alias: str) -> bool:
    """Whether the database behind `alias` can write documents (PostgreSQL)."""
    return connections[alias].vendor == "postgresql"


def _key(name: str) -> str:
    # Keys are code constants; keeping them to identifiers means no quoting or escaping
    # (of JSON, SQL or the driver's % placeholders) is needed around them.
    if not _KEY.fullmatch(name):
        raise ValueError(f"JSON key {name!r}: use lowercase identifiers")
    return name


def string(v: str) -> str:
    # to_json escapes as json.dumps(ensure_ascii=False) does (", \, \b \f \n \r \t, other
    # control characters as \u00xx).
    return f"COALESCE(to_json({v})::text, 'null')"


def number(v: str) -> str:
    return f"COALESCE(({v})::text, 'null')"


def boolean(v: str) -> str:
    return f"CASE WHEN {v} THEN 'true' WHEN NOT {v} THEN 'false' ELSE 'null' END"


def date(v: str) -> str:
    return f"""COALESCE('"' || to_char({v}, 'YYYY-MM-DD') || '"', 'null')"""


def datetime(v: str) -> str:
    utc = f"({v} AT TIME ZONE 'UTC')"
    return (
        f"""COALESCE('"' || to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') || """
        # mod(), not %: the driver reads % as a placeholder
        f"CASE WHEN mod(extract(microseconds FROM {utc})::bigint, 1000000) = 0 THEN '' "
        f"""ELSE to_char({utc}, '.US') END || 'Z"', 'null')"""
    )


def stored(v: str) -> str:
    return f"COALESCE(({v})::text, 'null')"


def stored_objects(*keys: str) -> Writer:
    """A jsonb array of objects, each written with `keys` in this order (a key it lacks is
    null), the array's order kept. jsonb keeps no key order, so the stored text can't be."""
    members = " || ',' || ".join(
        f"""'"{_key(k)}":' || COALESCE((_jt_item -> '{k}')::text, 'null')""" for k in keys
    )
    # the keys are identifiers (_key), the value's SQL the compiler's: nothing from a request
    return lambda v: (
        f"('[' || COALESCE((SELECT string_agg('{{' || {members} || '}}', ',' "  # noqa: S608
        f"ORDER BY _jt_position) FROM jsonb_array_elements({v}) "
        f"WITH ORDINALITY AS _jt(_jt_item, _jt_position)), '') || ']')"
    )


class JSONObjectText(Expression):
    """A JSON object as text, one member per (key, field path, writer), in that order."""

    output_field = TextField()
    braces = True  # JSONMembersText: the members alone, to be spliced into an object

    def __init__(self, *members: tuple[str, str, Writer]) -> None:
        super().__init__()
        self.keys = [_key(key) for key, _, _ in members]
        self.writers = [writer for _, _, writer in members]
        self.sources: list[Any] = [F(path) for _, path, _ in members]

    def get_source_expressions(self) -> list[Any]:
        return self.sources

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.sources = list(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        if connection.vendor != "postgresql":
            raise NotSupportedError("JSONObjectText is written by PostgreSQL only")
        pieces, params = [], []
        for i, (key, writer, source) in enumerate(
            zip(self.keys, self.writers, self.sources, strict=True)
        ):
            sql, source_params = compiler.compile(source)
            template = writer("{v}")
            # the value's SQL stands in each place the writer names it, with its params
            params.extend(list(source_params) * template.count("{v}"))
            prefix = ("{" if self.braces else "") if i == 0 else ","
            pieces.append(f"""'{prefix}"{key}":' || {template.replace("{v}", sql)}""")
        return "(" + " || ".join(pieces) + (" || '}')" if self.braces else ")"), params


class JSONMembersText(JSONObjectText):
    """The members of a JSON object as text, without its braces: `"a":1,"b":2`."""

    braces = False


class JSONSplicedText(Expression):
    """`{` head `,` rest `}`: a JSON object from two JSONMembersText, the rest read from
    `stored` (text written earlier by the same JSONMembersText) when the row has it."""

    output_field = TextField()

    def __init__(self, head: JSONMembersText, stored: str, rest: JSONMembersText) -> None:
        super().__init__()
        self.sources: list[Any] = [head, F(stored), rest]

    def get_source_expressions(self) -> list[Any]:
        return self.sources

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.sources = list(exprs)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        (head, head_params), (stored, stored_params), (rest, rest_params) = (
            compiler.compile(source) for source in self.sources
        )
        # COALESCE evaluates the rest only for a row without stored text.
        sql = f"('{{' || {head} || ',' || COALESCE({stored}, {rest}) || '}}')"
        return sql, [*head_params, *stored_params, *rest_params]
