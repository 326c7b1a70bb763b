"""The one clock: every "last N days" window of every measure, condition, metric and analytics
read comes from `days_window` (README, "Definitions: one clock").

"The last N days as of day D" = the calendar days (D - N, D] in the deployment's time zone
(settings.TIME_ZONE); for timestamped rows the instants [local_day_end(D - N), local_day_end(D)).
"The prior N days" = (D - 2N, D - N]. A number computed "now" uses D = `today()` (today so far
is inside the window).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


def today(now: datetime | None = None) -> date:
    """D for a number computed now: the local calendar day of `now` (default: this instant)."""
    return timezone.localdate(now) if now is not None else timezone.localdate()


def local_day(at: datetime) -> date:
    """The calendar day of instant `at` in the deployment's time zone."""
    return timezone.localtime(at).date()


def local_last_second(day: date) -> datetime:
    """`day` 23:59:59 in the deployment's time zone: the stamp of a snapshot scored for a
    past day (not a window bound)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def local_day_end(day: date) -> datetime:
    """The first instant after `day`: the next midnight in the deployment's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class DayWindow:
    """The calendar days (first_day - 1, last_day], i.e. first_day..last_day inclusive, and the
    instants [start, end) they cover."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return local_day_end(self.first_day - timedelta(days=1))

    @property
    def end(self) -> datetime:
        return local_day_end(self.last_day)

    def prior(self) -> "DayWindow":
        """The window of the same length just before this one."""
        return days_window(self.first_day - timedelta(days=1), self.days)

    def extend_back(self, days: int) -> "DayWindow":
        """The same end, `days` more days before the start (e.g. this window and its prior)."""
        return DayWindow(self.first_day - timedelta(days=days), self.last_day)

    def dates(self, field: str) -> Q:
        """Rows whose date `field` is in the window."""
        return Q(**{f"{field}__gte": self.first_day, f"{field}__lte": self.last_day})

    def instants(self, field: str) -> Q:
        """Rows whose timestamp `field` is in the window."""
        return instants_between(field, self.start, self.end)

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def instants_between(field: str, start: datetime, end: datetime) -> Q:
    """Rows whose timestamp `field` is in [start, end): `DayWindow.instants` from its two
    instants (a compiled-once query takes them as parameters: integrations.prepared)."""
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def days_window(as_of: date, days: int) -> DayWindow:
    """The last `days` days as of `as_of`: the calendar days (as_of - days, as_of]."""
    if days < 1:
        raise ValueError("a window has at least one day")
    return DayWindow(as_of - timedelta(days=days - 1), as_of)


def quarter_bounds(text: str) -> tuple[date, date]:
    """`q2_2026` -> (2026-04-01, 2026-06-30): the quarter's first and last calendar day.
    `text` must match ids.QUARTER_PATTERN (validated on input)."""
    quarter, year = int(text[1]), int(text[3:])
    first = date(year, 3 * quarter - 2, 1)
    if quarter == 4:  # not via the next January: q4_9999 ends in a representable year
        return first, date(year, 12, 31)
    return first, date(year, 3 * quarter + 1, 1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's last day
    (2026-01-31 + 1 month = 2026-02-28): a contract's term from its start."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)  # first day of the month after
    return min(
        day.replace(year=year, month=month, day=1) + timedelta(days=day.day - 1),
        following - timedelta(days=1),
    )


def quarter_of(day: date, *, ahead: int = 0) -> str:
    """The quarter holding `day`, or `ahead` quarters after it, as ids.QUARTER_PATTERN text
    (2026-05-10 -> "q2_2026"; ahead=1 -> "q3_2026"). quarter_bounds is its inverse."""
    index = day.year * 4 + (day.month - 1) // 3 + ahead
    return f"q{index % 4 + 1}_{index // 4}"
