"""Input rules shared by the bulk validator, the serializers, the filters and the parser.

Each rule is defined once here and imported wherever input arrives, so a bulk item and a
single write refuse the same values with the same code.
"""

import re
from datetime import UTC, date, datetime, time
from typing import Any

# The sanity bound for every date and date-time the API accepts: nothing a CS platform
# records happened before 1900 or is planned after 2999, and year 9999 is a typo or an attack.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
DATE_BOUND_DETAIL = f"Must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."

# Numbers written as JSON writes them: no underscores (1_000), no padding (" 12 "), no
# NaN/Infinity, which Python's int() and Decimal() accept. An exponent is allowed in a
# decimal (its size is then checked against the field's bound: "1e1000000" is max_value).
INTEGER_TEXT_RE = re.compile(r"-?[0-9]+")
DECIMAL_TEXT_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")

INVALID_CHARACTERS = "invalid_characters"
INVALID_CHARACTERS_DETAIL = "Text must not contain NUL characters or unpaired surrogates."
_BAD_CHARACTER_RE = re.compile("[\x00\ud800-\udfff]")


def has_invalid_characters(text: str) -> bool:
    """NUL (PostgreSQL refuses it) or a lone surrogate (not encodable as UTF-8)."""
    return _BAD_CHARACTER_RE.search(text) is not None


def date_in_bounds(value: date | datetime) -> bool:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                return False
        return (
            datetime.combine(EARLIEST_DATE, time.min)
            <= value.replace(tzinfo=None)
            <= datetime.combine(LATEST_DATE, time.max)
        )
    return EARLIEST_DATE <= value <= LATEST_DATE


def is_plain_number(value: Any, *, integer: bool) -> bool:
    """Whether a string is a number written as JSON writes it (see the patterns above)."""
    pattern = INTEGER_TEXT_RE if integer else DECIMAL_TEXT_RE
    return isinstance(value, str) and len(value) <= 40 and pattern.fullmatch(value) is not None
