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
        "tried_customers": 150,
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
        "health_impact_direction": "positive",
        "retention_correlation": 0.3574,
        "adoption_success": {
            "r": 0.82,
            "n": 190,
            "ci_low": 0.7672,
            "ci_high": 0.8618,
            "p_value": 2.3e-56,
            "reason": None,
            "method": "pearson(active_days / window_days, non_usage health score)",
        },
        "retention": {
            "r": 0.3574,
            "n": 41,
            "ci_low": 0.0559,
            "ci_high": 0.5991,
            "p_value": 0.0212,
            "reason": None,
            "method": "pearson(adopted in the window ending lead_days before the decision, "
            "renewed)",
            "lead_days": 90,
            "counts": {"adopted": 20, "renewed": 33, "lost": 8, "adopted_and_renewed": 19},
        },
        "retention_comparison": {
            "lead_days": 90,
            "adopters": {"n": 20, "renewed": 19, "rate": 0.95},
            "non_adopters": {"n": 21, "renewed": 14, "rate": 0.6667},
            "difference": 0.2833,
            "difference_ci_low": 0.0602,
            "difference_ci_high": 0.5064,
            "phi": 0.3574,
            "phi_max": 0.4805,
            "reason": None,
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
