"""OpenAPI examples: the spec's, extended with the fields CS Hub adds."""

ADOPTION_EXAMPLE = {
    "feature_id": "feat_analytics",
    "name": "Analytics",
    "as_of": "2026-11-26",
    "window_days": 30,
    "adoption_threshold_days": 4,
    "adoption_metrics": {
        "overall_adoption": 0.65,
        "segment_adoption": {"enterprise": 0.85, "mid_market": 0.60, "small_business": 0.45},
        "stage_adoption": {"onboarding": 0.2, "adoption": 0.55, "value_realization": 0.8},
        "active_customers": 200,
        "adopting_customers": 130,
        "tried_customers": 170,
        "previous_window_adopters": 125,
        "lapsed_adopters": 10,
        "segments": {
            "enterprise": {
                "adoption": 0.85,
                "active_customers": 40,
                "adopting_customers": 34,
                "tried_customers": 38,
            }
        },
        "stages": {},
    },
    "success_correlation": {
        "adoption_success_link": 0.82,
        "health_impact": "high",
        "retention_correlation": 0.73,
        "adoption_success": {
            "r": 0.82,
            "n": 190,
            "reason": None,
            "method": "pearson(active_days / window_days, non_usage health score)",
        },
        "retention": {
            "r": 0.73,
            "n": 41,
            "reason": None,
            "method": "pearson(adopted before the renewal decision, renewed)",
            "counts": {"adopted": 25, "renewed": 33, "lost": 8, "adopted_and_renewed": 24},
        },
    },
    "improvement_opportunities": ["enhanced_onboarding", "training_content", "feature_discovery"],
    "opportunity_details": [
        {
            "opportunity": "enhanced_onboarding",
            "detail": "small_business adopt at under half the rate of enterprise.",
            "evidence": {
                "best_segment": "enterprise",
                "best_adoption": 0.85,
                "lagging_segments": {"small_business": 0.40},
            },
        }
    ],
}

FEEDBACK_EXAMPLE = {
    "customer_id": "cust_12345",
    "feedback": {
        "type": "feature_request",
        "category": "workflow_automation",
        "priority": "high",
        "business_impact": "critical_for_success",
        "description": "Need automated health score triggers",
    },
    "success_context": {
        "health_impact": "churn_risk_reduction",
        "efficiency_gain": "40% reduction in manual work",
        "customer_value": "proactive_success_intervention",
    },
}
