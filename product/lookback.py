"""How far back the product's reads look, and so the least usage retention that keeps them exact
(README "Usage partitions"). Plain constants and arithmetic, no Django: the settings read them
when they load, to refuse a USAGE_RETENTION_MONTHS that would drop months a read still needs."""

from datetime import date

ADOPTION_MAX_WINDOW_DAYS = 365  # the adoption API's longest `window_days`
RETENTION_LOOKBACK_DAYS = 365  # the retention correlation's renewal decisions: (as_of - 365, as_of]
RETENTION_LEAD_DAYS = 90  # adoption is read in the window ending this long before a decision

# The longest look-back from `as_of`: the retention correlation reads usage in the window of up
# to 365 days ending 90 days before each decision of the last 365 days (820 days). Health
# windows, "tried" and the usage trend reach at most 365 + 365.
LONGEST_LOOKBACK_DAYS = RETENTION_LOOKBACK_DAYS + RETENTION_LEAD_DAYS + ADOPTION_MAX_WINDOW_DAYS


def months_covering(days: int) -> int:
    """The fewest whole months M such that the M months before any month's 1st span at least
    `days` days: retention keeps from the 1st of the month M months before today's, so today
    being a 1st after short months (February) is the worst case. Checked over a 400-year cycle
    (the Gregorian calendar repeats after it)."""
    months = max(1, days // 31)
    while True:
        shortest = min(
            (date(2000 + (i + months) // 12, (i + months) % 12 + 1, 1))
            - date(2000 + i // 12, i % 12 + 1, 1)
            for i in range(400 * 12)
        ).days
        if shortest >= days:
            return months
        months += 1


# USAGE_RETENTION_MONTHS bounds (config/settings, checked when they load).
MIN_RETENTION_MONTHS = months_covering(LONGEST_LOOKBACK_DAYS)  # 28
MAX_RETENTION_MONTHS = 1200  # 100 years; beyond it a typo, not a policy
MIN_MONTHS_AHEAD, MAX_MONTHS_AHEAD = 1, 24  # USAGE_PARTITION_MONTHS_AHEAD
