"""Identifiers: the pattern of the integrating systems' keys, and public ids for server-made
records (`evt_...`, `camp_...`).

Patterns are written `^...$` so the published schema (ECMAScript, where `$` is the end of the
input) states them truthfully, and matched whole in Python (`fullmatch`): Python's `$` also
matches before a trailing newline, so `re.match` would let `"cust_1\\n"` through.

Server-made ids: the first 12 hex digits are milliseconds since the epoch, so ids sort by
creation time; the rest is random, so they cannot be guessed. Database primary keys never
leave the server.
"""

import re
import secrets
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible

# An external system's key (`cust_12345`, `ctr_2024_001`). "." and ".." are refused as well:
# in a URL they name a path segment, not a record.
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
KEY_MESSAGE = "1-64 characters of A-Z, a-z, 0-9, _ . : - (not '.' or '..')."
_KEY_RE = re.compile(KEY_PATTERN)
_DOT_SEGMENTS = frozenset({".", ".."})


def fullmatch(pattern: str | re.Pattern[str], value: object) -> bool:
    if not isinstance(value, str):
        return False
    # A compiled pattern is asked directly: re.fullmatch's cache lookup cost as much as the
    # match itself for the 10,000 keys of a bulk batch.
    if isinstance(pattern, re.Pattern):
        return pattern.fullmatch(value) is not None
    return re.fullmatch(pattern, value) is not None


def is_key(value: object) -> bool:
    return fullmatch(_KEY_RE, value) and value not in _DOT_SEGMENTS


@deconstructible
class FullMatchRegexValidator(RegexValidator):
    """RegexValidator that matches the whole value (Django's uses `search`)."""

    refused: frozenset[str] = frozenset()

    def __call__(self, value: Any) -> None:
        text = str(value)
        if not fullmatch(self.regex, text) or text in self.refused:
            raise ValidationError(self.message, code=self.code, params={"value": value})


@deconstructible
class KeyValidator(FullMatchRegexValidator):
    regex = KEY_PATTERN
    message = KEY_MESSAGE
    refused = _DOT_SEGMENTS


# Slugs (feature ids, feedback categories): the one pattern the bulk validator, the write
# serializers (and so the published schema) and the models check. `^...$` keeps it valid
# in OpenAPI (ECMA regex); Python code matches it with `fullmatch`, so a trailing newline
# does not slip past `$`.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLUG_RE = re.compile(SLUG_PATTERN)
SLUG_MESSAGE = "A slug: lowercase letters, digits, _ and -, at most 64."

# Machine names chosen by us (workflow types): a slug without "-", as snake_case.
NAME_PATTERN = r"^[a-z0-9][a-z0-9_]{0,63}$"

# A calendar quarter (`q1_2026`): expected closes, forecast periods. Years 1900-2999, the
# bound every date keeps. Its days: clock.quarter_bounds.
QUARTER_PATTERN = r"^q[1-4]_(19|2[0-9])[0-9]{2}$"
QUARTER_MESSAGE = "A quarter like q1_2026 (q1-q4, an underscore, a year 1900-2999)."


def new_public_id(prefix: str) -> str:
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:012x}{secrets.token_hex(6)}"
