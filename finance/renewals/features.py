"""Point-in-time renewal features (README, "Finance: renewal model").

Every value is computed as it stood on the observation's `as_of` day: nothing dated (or
computed, or opened, or paid) after that day is read. Training observes each resolved
contract 90 days before its decision (its end date); scoring observes active contracts today.

Set-based: observations are grouped by `as_of`; each distinct day costs a fixed number of
queries through the lower apps' public read APIs, whatever the number of customers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The model's features, in order. Segment is one-hot (one column per Segment choice).
FEATURES: tuple[str, ...] = (
    "health_score",  # latest snapshot with as_of <= day (0-100)
    "health_change_30d",  # that score minus the latest snapshot with as_of <= day - 30
    "key_feature_adoption",  # share of key features adopted in the 30 days to the day (0-1)
    "seat_utilisation",  # min(1, peak daily active users in the 30 days / licensed seats)
    "payment_overdue_level",  # 0 current / no invoices, 1 1-15, 2 16-30, 3 31-60, 4 60+ days
    "open_escalations",  # escalations opened by the day and not resolved by it
    "executive_sponsor",  # 1 if a stakeholder flagged executive sponsor existed by the day
    "days_to_end",  # the contract's end date minus the day
    "segment_enterprise",
    "segment_mid_market",
    "segment_small_business",
)

DECISION_LEAD_DAYS = 90  # training examples are observed this many days before the decision


@dataclass(frozen=True, slots=True)
class Observation:
    key: int  # the caller's key (a contract pk)
    customer_pk: int
    as_of: date
    end_date: date  # the contract's end


FeatureRow = dict[str, float | None]  # None: no data on that day (imputed at the mean)


def feature_rows(observations: Sequence[Observation]) -> dict[int, FeatureRow]:
    """{observation.key: {feature: value or None}} for every observation, every FEATURES key
    present. A fixed number of queries per distinct `as_of` day."""
    raise NotImplementedError  # helper F
