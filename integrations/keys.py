"""API key settings, checked by one function for the admin form and `create_api_key`."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from .scopes import InvalidScope, validate_scopes

# N per second, minute, hour or day with N >= 1 (DRF reads the unit's first letter).
RATE_RE = re.compile(r"([1-9][0-9]{0,8})/(s|sec|m|min|h|hour|d|day)")
RATE_MESSAGE = "Use N/s, N/min, N/h or N/day with N >= 1."
MAX_EXPIRY_DAYS = 3650  # ten years: anything later is a typo, not a policy
NAME_MAX = 50


class InvalidKeySettings(ValueError):
    """Each refused setting with its reason, keyed by the ApiKey field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


@dataclass(frozen=True)
class KeySettings:
    name: str
    scopes: list[str]
    throttle_rate: str
    expiry_date: datetime | None


def expiry_in_days(days: int, now: datetime | None = None) -> datetime:
    """`now` + `days`, refused outside 1..MAX_EXPIRY_DAYS (before the date arithmetic, which
    overflows for absurd values)."""
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise InvalidKeySettings(
            {"expiry_date": f"Must be a positive number of days, at most {MAX_EXPIRY_DAYS}."}
        )
    return (now or timezone.now()) + timedelta(days=days)


def validate_key_settings(
    *,
    name: str,
    scopes: Iterable[str],
    throttle_rate: str = "",
    expiry_date: datetime | None = None,
    now: datetime | None = None,
) -> KeySettings:
    """The settings of a key to create or change, or InvalidKeySettings naming every refusal:
    a name of 1-50 characters, known scopes (at least one), a rate `N/sec|min|hour|day` with
    N >= 1 (blank: the deployment default), an expiry at most ten years ahead."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        errors["name"] = f"Must be 1 to {NAME_MAX} characters."
    try:
        scopes = validate_scopes(scopes)
    except InvalidScope as exc:
        errors["scopes"] = str(exc)
    if throttle_rate and not RATE_RE.fullmatch(throttle_rate):
        errors["throttle_rate"] = (
            "A rate such as 600/min: N/sec, N/min, N/hour or N/day with N from 1."
        )
    latest = (now or timezone.now()) + timedelta(days=MAX_EXPIRY_DAYS)
    if expiry_date is not None and expiry_date > latest:
        errors["expiry_date"] = f"Must be at most {MAX_EXPIRY_DAYS} days (ten years) ahead."
    if errors:
        raise InvalidKeySettings(errors)
    return KeySettings(name, list(scopes), throttle_rate, expiry_date)
