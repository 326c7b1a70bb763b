"""The documented prior renewal model, used until 200 renewals have resolved (and whenever an
admin keeps it active). Coefficients are per standard unit: a term contributes
coefficient x (value - mean) / scale to the log-odds. Migration 0007 seeds these numbers as
version 1; from then on the admin edits that row (these constants stay the documentation).

Why these numbers: the intercept 1.5 is a base renewal rate of ~82 %, the usual gross-renewal
benchmark for B2B SaaS. Health carries most weight (it already blends usage, support, surveys,
payment); its 30-day change adds momentum; adoption and seat utilisation are the product
signals; each overdue level (0 current .. 4 over 60 days) and each open escalation lowers the
odds; an executive sponsor raises them; enterprise renews more than small business. Days to
the contract's end carries no prior belief (0)."""

PRIOR_INTERCEPT = 1.5

PRIOR_TERMS: tuple[dict[str, float | str], ...] = (
    {"feature": "health_score", "coefficient": 0.9, "mean": 70.0, "scale": 15.0},
    {"feature": "health_change_30d", "coefficient": 0.4, "mean": 0.0, "scale": 10.0},
    {"feature": "key_feature_adoption", "coefficient": 0.5, "mean": 0.5, "scale": 0.3},
    {"feature": "seat_utilisation", "coefficient": 0.4, "mean": 0.6, "scale": 0.25},
    {"feature": "payment_overdue_level", "coefficient": -0.5, "mean": 0.5, "scale": 1.0},
    {"feature": "open_escalations", "coefficient": -0.4, "mean": 0.2, "scale": 0.5},
    {"feature": "executive_sponsor", "coefficient": 0.3, "mean": 0.5, "scale": 0.5},
    {"feature": "days_to_end", "coefficient": 0.0, "mean": 90.0, "scale": 60.0},
    {"feature": "segment_enterprise", "coefficient": 0.2, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_mid_market", "coefficient": 0.0, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_small_business", "coefficient": -0.2, "mean": 0.0, "scale": 1.0},
)
