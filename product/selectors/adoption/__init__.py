"""Feature adoption analytics (DESIGN.md section 5, Product), computed in SQL.

The definitions (active customer, adopting, tried, lapsed, the two correlations,
health_impact, the barrier rules) are in the README, "Product: adoption analytics and
feedback". Each concept has its module: `rates` (adoption by segment and stage, headlines,
one customer's adoption), `correlations` (Pearson r from SQL sums) and `opportunities` (the
barrier rule table). The thresholds below are the package's tunables, read at call time.

Statistics (Fisher z interval and p-value, the retention 2×2 read-out) are computed in Python
from the database's sums. Queries: one for the per-segment × per-stage sums, one for retention,
whatever the number of customers.
"""

from datetime import date

from customers.choices import LifecycleStage, Segment
from integrations.rules import Opportunity

from ...lookback import RETENTION_LEAD_DAYS, RETENTION_LOOKBACK_DAYS
from ...models import Feature
from .base import (
    ACTIVE_ROW,
    HEALTH_FRESH_DAYS,
    HIGH_IMPACT_R,
    MEDIUM_IMPACT_R,
    MIN_CORRELATION_N,
    Correlation,
    Counts,
    FeatureAdoption,
    RetentionComparison,
)
from .correlations import pearson, retention
from .opportunities import RULES, Thresholds, opportunities
from .rates import (
    CustomerFeatureAdoption,
    Headline,
    adoption_headlines,
    customer_adoption,
    group_sums,
)

# Barrier rules: each ratio rule fires only with at least MIN_RULE_N customers behind it.
MIN_RULE_N = 10
MIN_SEGMENT_N = 5
SEGMENT_GAP = 0.5  # a segment below half the best segment's adoption
TRIED_NOT_ADOPTED = 0.3  # over 30% of those who tried did not adopt
NEVER_TRIED = 0.5  # over half of active customers never tried
LAPSED = 0.2  # over 20% of the previous window's adopters stopped
# adoption tied to renewal (r >= CAMPAIGN_R and its interval above 0), yet most have not adopted
CAMPAIGN_R, CAMPAIGN_ADOPTION = 0.3, 0.5


def thresholds() -> Thresholds:
    return Thresholds(
        min_rule_n=MIN_RULE_N,
        min_segment_n=MIN_SEGMENT_N,
        segment_gap=SEGMENT_GAP,
        tried_not_adopted=TRIED_NOT_ADOPTED,
        never_tried=NEVER_TRIED,
        lapsed=LAPSED,
        campaign_r=CAMPAIGN_R,
        campaign_adoption=CAMPAIGN_ADOPTION,
    )


def feature_adoption(feature: Feature, *, as_of: date, window_days: int) -> FeatureAdoption:
    groups = group_sums(feature, as_of, window_days)
    total = Counts()
    segments = {s.value: Counts() for s in Segment}
    stages = {s.value: Counts() for s in LifecycleStage}
    for segment, stage, counts in groups:
        total.add(counts)
        segments.setdefault(segment, Counts()).add(counts)
        stages.setdefault(stage, Counts()).add(counts)
    success = pearson(total.n, total.sx, total.sy, total.sxy, total.sxx, total.syy)
    retained, comparison = retention(feature, as_of, window_days)
    result = FeatureAdoption(
        feature=feature,
        as_of=as_of,
        window_days=window_days,
        total=total,
        segments=segments,
        stages=stages,
        success=success,
        retention=retained,
        retention_comparison=comparison,
        opportunities=[],
    )
    result.opportunities = opportunities(result, thresholds())
    return result


__all__ = [
    "ACTIVE_ROW",
    "CAMPAIGN_ADOPTION",
    "CAMPAIGN_R",
    "HEALTH_FRESH_DAYS",
    "HIGH_IMPACT_R",
    "LAPSED",
    "MEDIUM_IMPACT_R",
    "MIN_CORRELATION_N",
    "MIN_RULE_N",
    "MIN_SEGMENT_N",
    "NEVER_TRIED",
    "RETENTION_LEAD_DAYS",
    "RETENTION_LOOKBACK_DAYS",
    "RULES",
    "SEGMENT_GAP",
    "TRIED_NOT_ADOPTED",
    "Correlation",
    "Counts",
    "CustomerFeatureAdoption",
    "FeatureAdoption",
    "Headline",
    "Opportunity",
    "RetentionComparison",
    "Thresholds",
    "adoption_headlines",
    "customer_adoption",
    "feature_adoption",
    "pearson",
    "thresholds",
]
