"""Input rules shared by the bulk validator, the serializers, the filters and the parser.

Each rule is defined once here and imported wherever input arrives, so a bulk item and a
single write refuse the same values with the same code.
"""

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
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

# A date is written one way: YYYY-MM-DD in ASCII digits. Python's date.fromisoformat (behind
# Django's parse_date and DRF's DateField) also reads "20261201", an ISO week "2026-W49-1"
# and non-ASCII digits, which a client would not expect to mean a day.
DATE_TEXT_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_FORMAT_DETAIL = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."


def is_plain_date_text(value: object) -> bool:
    return isinstance(value, str) and DATE_TEXT_RE.fullmatch(value) is not None


INVALID_CHARACTERS = "invalid_characters"
INVALID_CHARACTERS_DETAIL = "Text must not contain NUL characters or unpaired surrogates."
_BAD_CHARACTER_RE = re.compile("[\x00\ud800-\udfff]")


def has_invalid_characters(text: str) -> bool:
    """NUL (PostgreSQL refuses it) or a lone surrogate (not encodable as UTF-8)."""
    return _BAD_CHARACTER_RE.search(text) is not None


# Date-times arrive as RFC 3339 text, one form only: a date, `T`, hours and minutes, optional
# seconds and up to six fraction digits, then `Z` or a `±HH:MM` offset. A date alone, a time
# without an offset (whose zone would be a guess), an ISO week, a space for `T` are refused.
DATETIME_FORMAT_DETAIL = (
    "Use an RFC 3339 date-time: YYYY-MM-DDTHH:MM[:SS[.ffffff]] followed by Z or ±HH:MM, "
    "e.g. 2026-01-31T09:30:00Z."
)
_DATETIME_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?"
    r"(?P<offset>Z|(?P<sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))"
)
# In a date-time any control character (NUL, a newline, DEL) or lone surrogate is an attack
# or a bug, never a typo of the format.
_BAD_DATETIME_CHARACTER_RE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class DateTimeTextError(ValueError):
    """Why a text is not an accepted date-time: `code` is `invalid_characters` or `invalid`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def parse_datetime_text(value: object) -> datetime:
    """The one parser of every date-time the API reads (JSON fields, bulk items, query
    filters): RFC 3339 as described above, within the date bound, returned in UTC
    (PostgreSQL refuses offsets beyond ±15:59). Raises DateTimeTextError."""
    if not isinstance(value, str):
        raise DateTimeTextError("invalid", f"Must be a string. {DATETIME_FORMAT_DETAIL}")
    if _BAD_DATETIME_CHARACTER_RE.search(value):
        raise DateTimeTextError(
            INVALID_CHARACTERS, "A date-time must not contain control characters."
        )
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        raise DateTimeTextError("invalid", DATETIME_FORMAT_DETAIL)
    part = match.groupdict()
    tz = UTC
    if part["sign"] is not None:
        hours, minutes = int(part["off_hour"]), int(part["off_minute"])
        if hours > 23 or minutes > 59:
            raise DateTimeTextError(
                "invalid", f"The offset is out of range. {DATETIME_FORMAT_DETAIL}"
            )
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-delta if part["sign"] == "-" else delta)
    try:
        parsed = datetime(
            int(part["year"]),
            int(part["month"]),
            int(part["day"]),
            int(part["hour"]),
            int(part["minute"]),
            int(part["second"] or 0),
            int((part["fraction"] or "0").ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:  # 2026-02-30, 24:00, second 60
        raise DateTimeTextError(
            "invalid", f"Not a real date and time. {DATETIME_FORMAT_DETAIL}"
        ) from None
    if not date_in_bounds(parsed):
        raise DateTimeTextError("invalid", DATE_BOUND_DETAIL)
    return parsed.astimezone(UTC)


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
