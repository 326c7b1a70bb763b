"""Selector results shaped as the API's response bodies (the spec's field names)."""

from datetime import date
from typing import Any

from integrations.rounding import round_half_up

from ..models import Feature
from ..selectors.adoption import (
    Correlation,
    Counts,
    CustomerFeatureAdoption,
    FeatureAdoption,
    Headline,
    RetentionComparison,
)

SUCCESS_METHOD = "pearson(active_days / window_days, non_usage health score)"
RETENTION_METHOD = "pearson(adopted in the window ending lead_days before the decision, renewed)"


def _group(c: Counts) -> dict[str, Any]:
    return {
        "adoption": c.adoption,
        "active": c.active,
        "adopting": c.adopting,
        "tried": c.tried,
    }


def _correlation(c: Correlation, method: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "r": c.r,
        "n": c.n,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "p_value": c.p_value,
        "reason": c.reason,
        "method": method,
    }
    if c.lead_days is not None:
        body["lead_days"] = c.lead_days
    if c.extra:
        body["counts"] = c.extra
    return body


def _comparison(c: RetentionComparison) -> dict[str, Any]:
    def group(n: int, renewed: int, rate: float | None) -> dict[str, Any]:
        return {
            "n": n,
            "renewed": renewed,
            "rate": None if rate is None else round_half_up(rate, 4),
        }

    return {
        "lead_days": c.lead_days,
        "adopters": group(c.adopters.n, c.adopters.renewed, c.adopters.rate),
        "non_adopters": group(c.non_adopters.n, c.non_adopters.renewed, c.non_adopters.rate),
        "difference": c.difference,
        "difference_ci_low": c.difference_ci_low,
        "difference_ci_high": c.difference_ci_high,
        "phi": c.phi,
        "phi_max": c.phi_max,
        "reason": c.reason,
    }


def feature_adoption(a: FeatureAdoption) -> dict[str, Any]:
    t = a.total
    return {
        "feature_id": a.feature.feature_id,
        "name": a.feature.name,
        "as_of": a.as_of,
        "window_days": a.window_days,
        "adoption_threshold_days": a.feature.adoption_threshold_days,
        "adoption_metrics": {
            "overall_adoption": t.adoption,
            "segment_adoption": {k: v.adoption for k, v in a.segments.items()},
            "stage_adoption": {k: v.adoption for k, v in a.stages.items()},
            "active_customers": t.active,
            "adopting_customers": t.adopting,
            "tried_customers": t.tried,
            "previous_window_adopters": t.previous_adopters,
            "lapsed_adopters": t.lapsed,
            "segments": {k: _group(v) for k, v in a.segments.items()},
            "stages": {k: _group(v) for k, v in a.stages.items()},
        },
        "success_correlation": {
            "adoption_success_link": a.success.r,
            "health_impact": a.health_impact,
            "health_impact_direction": a.success.direction,
            "retention_correlation": a.retention.r,
            "adoption_success": _correlation(a.success, SUCCESS_METHOD),
            "retention": _correlation(a.retention, RETENTION_METHOD),
            "retention_comparison": _comparison(a.retention_comparison),
        },
        "improvement_opportunities": [o.code for o in a.opportunities],
        "opportunity_details": a.opportunities,
    }


def headline(feature: Feature, h: Headline, as_of: date, window: int) -> dict[str, Any]:
    return {
        "feature_id": feature.feature_id,
        "name": feature.name,
        "category": feature.category,
        "is_key": feature.is_key,
        "adoption_threshold_days": feature.adoption_threshold_days,
        "overall_adoption": h.adoption,
        "active_customers": h.active,
        "adopting_customers": h.adopting,
        "tried_customers": h.tried,
        "customers_using": h.tried,
        "as_of": as_of,
        "window_days": window,
    }


def customer_adoption(
    customer_id: str, rows: list[CustomerFeatureAdoption], as_of: date, window: int
) -> dict[str, Any]:
    key = [r for r in rows if r.feature.is_key]
    return {
        "customer_id": customer_id,
        "as_of": as_of,
        "window_days": window,
        "features_adopted": sum(1 for r in rows if r.adopted),
        "key_features": len(key),
        "key_features_adopted": sum(1 for r in key if r.adopted),
        "features": [
            {
                "feature_id": r.feature.feature_id,
                "name": r.feature.name,
                "category": r.feature.category,
                "is_key": r.feature.is_key,
                "is_premium": r.feature.is_premium,
                "adoption_threshold_days": r.feature.adoption_threshold_days,
                "active_days": r.active_days,
                "intensity": round_half_up(r.active_days / window, 4),
                "adopted": r.adopted,
                "tried": r.first_used is not None,
                "events_in_window": r.events,
                "peak_active_users": r.peak_active_users,
                "first_used": r.first_used,
                "last_used": r.last_used,
            }
            for r in rows
        ],
    }
