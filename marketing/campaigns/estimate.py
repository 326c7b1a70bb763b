"""`estimated_impact` of a new campaign (README "Marketing: campaigns"): from the measured lifts
of finalized campaigns of the same type, or from the type's prior when none has finished."""

import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from integrations.rounding import round_half_up

from ..models import Campaign, CampaignTypePrior


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the sorted values at position q × (n − 1) (numpy's
    default, statistics.quantiles' "inclusive" method); n ≥ 1."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def range_text(low: float | Decimal, high: float | Decimal) -> str:
    """The ends rounded half-up to whole points: "15-20%" when neither is negative, "-3% to
    -1%" / "-5% to 10%" when one is ("-3--1%" would be ambiguous), "15%" / "-6%" when both
    round to the same number."""
    a, b = round_half_up(low), round_half_up(high)
    if a == b:
        return f"{a}%"
    return f"{a}-{b}%" if a >= 0 and b >= 0 else f"{a}% to {b}%"


def _pct_text(value: float | Decimal | None) -> str | None:
    return None if value is None else f"{round_half_up(value)}%"


def _one(value: float | Decimal | None) -> float | None:
    return None if value is None else round_half_up(value, 1)


def estimated_impact(campaign_type: str) -> dict[str, Any]:
    """The document stored on a new campaign. Historical: the finalized campaigns of the type
    with a retention lift; the range is their 25th-75th percentile, engagement the median of
    those that have an engagement lift. Otherwise the type's prior (admin-editable); basis
    "none" when even that row is missing. One query, two without history."""
    finals = Campaign.objects.filter(
        campaign_type=campaign_type, finalized_at__isnull=False
    ).values_list("final_impact", flat=True)
    lifts = [(f or {}).get("lift", {}) for f in finals]
    retention = [float(x["retention_pp"]) for x in lifts if x.get("retention_pp") is not None]
    if retention:
        engagement = [
            float(x["engagement_pct"])
            for x in lifts
            if x.get("retention_pp") is not None and x.get("engagement_pct") is not None
        ]
        low, high = percentile(retention, 0.25), percentile(retention, 0.75)
        median = statistics.median(engagement) if engagement else None
        return _document(low, high, median, "historical", len(retention), len(engagement))
    prior = CampaignTypePrior.objects.filter(campaign_type=campaign_type).first()
    if prior is None:
        return _document(None, None, None, "none", 0, 0)
    return _document(
        prior.retention_improvement_low,
        prior.retention_improvement_high,
        prior.engagement_lift,
        "prior",
        0,
        0,
    )


def _document(
    low: float | Decimal | None,
    high: float | Decimal | None,
    engagement: float | Decimal | None,
    basis: str,
    samples: int,
    engagement_samples: int,
) -> dict[str, Any]:
    return {
        "retention_improvement": None if low is None or high is None else range_text(low, high),
        "engagement_lift": _pct_text(engagement),
        "retention_improvement_low": _one(low),
        "retention_improvement_high": _one(high),
        "engagement_lift_pct": _one(engagement),
        "basis": basis,
        "sample_campaigns": samples,
        "engagement_sample_campaigns": engagement_samples,
    }
