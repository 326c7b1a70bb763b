"""The marketing health read-out of one customer (README, "Marketing: health read-out,
lifecycle and segments"): customers' own health detail (score, components, trend, 12-week
history; `customers.read.health_detail`, not recomputed), the lifecycle stage the rules
determine, the campaign recommendations and the signals behind both.

Queries: 3 for the health detail + 14 for the other signal groups, whatever the data.
"""

from dataclasses import replace
from datetime import date
from typing import Any

from customers import read as customers_read
from customers.models import Customer
from integrations.rounding import round_half_up

from .recommendations import recommendations
from .segments import known_segments
from .signals import GROUPS, CustomerSignals, HealthSignal, customer_signals, direction_of
from .stage import determine_stage

HISTORY_WEEKS = 12


def health_readout(customer: Customer, as_of: date) -> dict[str, Any]:
    detail = customers_read.health_detail(customer, weeks=HISTORY_WEEKS)
    others = [group for group in GROUPS if group != "health"]
    signals = customer_signals([customer.pk], as_of, others)[customer.pk]
    signals = replace(signals, asked=frozenset(GROUPS), health=_health_from_detail(detail))
    stage = determine_stage(signals)
    return {
        "customer_id": customer.customer_id,
        "as_of": as_of,
        "score": detail["score"],
        "grade": detail["grade"],
        "computed_at": detail["computed_at"],
        "health_as_of": detail["as_of"],
        "model_version": detail["model_version"],
        "components": detail["components"],
        "explanation": detail.get("explanation"),
        "reason": detail["reason"],
        "trend": detail["trend"],
        "history": detail["history"],
        "lifecycle": {
            "stage": stage.stage,
            "recorded_stage": stage.recorded_stage,
            "recorded_since": stage.recorded_since,
            "differs": stage.differs,
            "transition_allowed": stage.transition_allowed,
            "allowed_from_recorded": list(stage.allowed_from_recorded),
            "rules": [{"stage": r.stage, "met": r.met, "reason": r.reason} for r in stage.rules],
        },
        "recommendations": [
            {
                "trigger_type": r.trigger_type,
                "campaign_type": r.campaign_type,
                "segment": r.segment,
                "reason": r.reason,
                "priority": r.priority,
            }
            for r in recommendations(signals)
        ],
        "signals": signals_document(signals),
    }


def _health_from_detail(detail: dict[str, Any]) -> HealthSignal | None:
    """The health signal from customers' detail, with the signals' one definition of the
    direction: from the 30-day change alone (as the segments, the stage rules and the nightly
    determination read it). The `trend` block beside it keeps customers' reading, which falls
    back to the weekly slope without a snapshot near 30 days ago."""
    if detail["score"] is None:
        return None
    change = (detail["trend"] or {}).get("change_30d")
    return HealthSignal(
        score=detail["score"],
        grade=detail["grade"],
        computed_at=detail["computed_at"],
        as_of=detail["as_of"],
        change_30d=change,
        direction=direction_of(change),
        basis=None if change is None else "change_30d",
    )


def _ratio(value: float | None) -> float | None:
    return None if value is None else round_half_up(value, 4)


def signals_document(s: CustomerSignals) -> dict[str, Any]:
    """The signals as the read-out publishes them (ratios to 4 decimals, half-up)."""
    h, a, e, r, x, o, n, i = (
        s.health,
        s.adoption,
        s.engagement,
        s.renewal,
        s.expansion,
        s.onboarding,
        s.nps,
        s.interventions,
    )
    return {
        "segments": [d.name for d in known_segments() if d.test(s)],
        "health": None
        if h is None
        else {
            "score": h.score,
            "grade": h.grade,
            "change_30d": h.change_30d,
            "direction": h.direction,
            "basis": h.basis,
        },
        "adoption": None
        if a is None
        else {
            "adopted": list(a.adopted),
            "key_features": a.key_features,
            "share": _ratio(a.share),
            "low": a.low,
        },
        "engagement": None
        if e is None
        else {
            "events_last_30d": e.events_last_30d,
            "events_prior_30d": e.events_prior_30d,
            "ratio": _ratio(e.ratio),
            "low": e.low,
        },
        "renewal_due": None
        if r is None
        else {
            "contract_id": r.contract_id,
            "end_date": r.end_date,
            "days_left": r.days_left,
            "annual_value": r.annual_value,
        },
        "expansion": None if x is None else {"score": x.score, "ready": x.ready, "as_of": x.as_of},
        "onboarding": None
        if o is None
        else {
            "handoff_on": o.handoff_on,
            "onboarding_start": o.onboarding_start,
            "first_contract_start": o.first_contract_start,
            "started_on": o.started_on,
            "recent": o.recent,
        },
        "nps": None
        if n is None
        else {
            "responses": n.responses,
            "promoters": n.promoters,
            "detractors": n.detractors,
            "nps": n.nps,
            "promoter": n.promoter,
            "detractor": n.detractor,
        },
        "open_interventions": None
        if i is None
        else {
            "workflow_runs": i.workflow_runs,
            "escalations": i.escalations,
            "alerts": i.alerts,
            "any": i.any,
        },
    }
