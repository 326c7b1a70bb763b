"""Next recommended actions of a customer's journey (README "Marketing: journeys").

The stage's configured `recommended_actions` come first, in their order; then the actions the
health signals call for, from the rule table below. The health facts are the marketing
signals' `health` group (marketing.signals: the same snapshot, 30-day change and 15-point
drop the health read-out, the segments and the lifecycle rules use); open escalations come
from operations.read.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from customers.choices import ALLOWED_TRANSITIONS
from integrations.rules import Rule, evaluate
from operations.read import OpenInterventionRefs

from ..signals.signals import customer_signals


@dataclass(frozen=True)
class Action:
    action: str
    source: str  # "stage" (configured) or "health" (a rule below)
    code: str | None
    evidence: dict[str, Any]


@dataclass(frozen=True)
class HealthFacts:
    stage: str
    score: int | None
    grade: str | None
    change_30d: int | None
    dropped: bool  # 15+ points lost in 30 days (HealthSignal.dropped)
    open_escalations: int

    @property
    def allowed(self) -> tuple[str, ...]:
        return ALLOWED_TRANSITIONS.get(self.stage, ())


def _evidence(f: HealthFacts) -> dict[str, Any]:
    return {"stage": f.stage, "score": f.score, "grade": f.grade, "change_30d": f.change_30d}


RULES: tuple[Rule[HealthFacts], ...] = (
    Rule(
        "open_escalation_review",
        lambda f: f.grade == "critical" and not f.open_escalations,
        lambda f: f"Open an escalation review: health is critical (score {f.score}).",
        _evidence,
    ),
    Rule(
        "schedule_health_check_in",
        lambda f: f.dropped,
        lambda f: (
            f"Schedule a health check-in: health fell {-(f.change_30d or 0)} points in 30 days."
        ),
        _evidence,
    ),
    Rule(
        "consider_at_risk",
        lambda f: f.grade in ("critical", "at_risk") and "at_risk" in f.allowed,
        lambda f: (
            f"Consider moving the customer to at_risk: health is graded {f.grade} "
            f"while the stage is {f.stage}."
        ),
        _evidence,
    ),
    Rule(
        "consider_recovery",
        lambda f: f.stage == "at_risk" and f.grade == "healthy",
        lambda f: (
            "Consider moving the customer out of at_risk: health is healthy "
            f"(score {f.score}); allowed next stages: {', '.join(f.allowed)}."
        ),
        _evidence,
    ),
)


def health_facts(
    customer_pk: int, stage: str, refs: OpenInterventionRefs | None, as_of: date
) -> HealthFacts:
    """The facts the rules read: the signals' health group as of `as_of` (two queries)."""
    signals = customer_signals([customer_pk], as_of, ("health",)).get(customer_pk)
    health = signals.health if signals else None
    return HealthFacts(
        stage=stage,
        score=health.score if health else None,
        grade=health.grade if health else None,
        change_30d=health.change_30d if health else None,
        dropped=health.dropped if health else False,
        open_escalations=len(refs.escalations) if refs else 0,
    )


def next_actions(configured: list[Any], facts: HealthFacts) -> list[Action]:
    """The stage's configured actions (text items), then the health rules that fire."""
    texts = configured if isinstance(configured, list) else []
    actions = [Action(str(text), "stage", None, {}) for text in texts if str(text).strip()]
    actions += [Action(o.detail, "health", o.code, o.evidence) for o in evaluate(RULES, facts)]
    return actions
