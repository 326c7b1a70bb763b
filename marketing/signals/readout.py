"""The marketing health read-out of one customer (README, "Marketing: health read-out,
lifecycle and segments"): customers' own health detail (score, components, trend, 12-week
history; `customers.read.health_detail`, not recomputed), the lifecycle stage the rules
determine, the campaign recommendations and the signals behind both.

Queries: 2 for the health detail + 7 for the other signal groups (the segment comes with the
customer's row; the pairs `signals._Reads._pairs` reads together), whatever the data.
"""

from collections.abc import Callable
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
    # Health from the detail just read, the segment from the customer's row in hand: no
    # statement of their own (issue 17).
    others = [group for group in GROUPS if group not in ("health", "segment")]
    signals = customer_signals([customer.pk], as_of, others)[customer.pk]
    signals = replace(
        signals,
        asked=frozenset(GROUPS),
        health=_health_from_detail(detail),
        segment=customer.segment,
    )
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
        "health": _pick(h, "score", "grade", "change_30d", "direction", "basis"),
        "adoption": _pick(
            a,
            "key_features",
            "low",
            adopted=lambda v: list(v.adopted),
            share=lambda v: _ratio(v.share),
        ),
        "engagement": _pick(
            e, "events_last_30d", "events_prior_30d", "low", ratio=lambda v: _ratio(v.ratio)
        ),
        "renewal_due": _pick(r, "contract_id", "end_date", "days_left", "annual_value"),
        "expansion": _pick(x, "score", "ready", "as_of"),
        "onboarding": _pick(
            o, "handoff_on", "onboarding_start", "first_contract_start", "started_on", "recent"
        ),
        "nps": _pick(n, "responses", "promoters", "detractors", "nps", "promoter", "detractor"),
        "open_interventions": _pick(i, "workflow_runs", "escalations", "alerts", "any"),
    }


def _pick(signal: Any, *names: str, **computed: Callable[[Any], Any]) -> dict[str, Any] | None:
    """A signal's published fields (attributes or properties), plus computed ones; None for a
    group without data."""
    if signal is None:
        return None
    return {
        **{name: getattr(signal, name) for name in names},
        **{name: compute(signal) for name, compute in computed.items()},
    }
