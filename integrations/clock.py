"""Day boundaries: the one module that turns a calendar day into instants.

Three conventions are in use, each named for exactly what it returns (a later change may make
every window use one of them; until then behaviour is kept as it is):

- `local_last_second(day)`: day 23:59:59 in the deployment's time zone. "Alive on `day`" =
  churned after this instant (health scoring); the health history's snapshot time for a past
  day. Instants in the final second (23:59:59.x) fall after it.
- `local_day_end(day)`: the first instant after `day`, i.e. the next local midnight. A window of
  days (a, b] is [local_day_end(a), local_day_end(b)) (operations measures).
- `utc_day_start(day)`: midnight at the start of `day` in UTC (finance measures; invoices are
  dated in UTC).
"""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone


def local_last_second(day: date) -> datetime:
    """`day` 23:59:59 in the deployment's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def local_day_end(day: date) -> datetime:
    """The first instant after `day`: the next midnight in the deployment's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def utc_day_start(day: date) -> datetime:
    """Midnight at the start of `day`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC)
