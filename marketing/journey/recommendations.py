"""Next recommended actions of a customer's journey (README "Marketing: journeys").

The stage's configured `recommended_actions` come first, in their order; then the actions the
health signals call for, from the rule table below. SEAM: the facts are read here from
customers.read (latest health and its 30-day change) and operations.read (open
escalations); when marketing.signals offers the customer signals, `health_facts` is the one
function to point at them.
"""

from dataclasses import dataclass
from typing import Any

from customers import read as customers_read
from customers.choices import ALLOWED_TRANSITIONS
from integrations.rules import Rule, evaluate
from operations.read import OpenInterventionRefs

# Health lost over 30 days that calls for a check-in (the health_declined event's threshold).
DECLINE_POINTS = 15


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
        lambda f: f.change_30d is not None and f.change_30d <= -DECLINE_POINTS,
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


def health_facts(customer_pk: int, stage: str, refs: OpenInterventionRefs | None) -> HealthFacts:
    """The facts the rules read. Two queries (one without a health snapshot)."""
    change = customers_read.health_changes([customer_pk]).get(customer_pk)
    return HealthFacts(
        stage=stage,
        score=change.latest.score if change else None,
        grade=change.latest.grade if change else None,
        change_30d=change.change_30d if change else None,
        open_escalations=len(refs.escalations) if refs else 0,
    )


def next_actions(configured: list[Any], facts: HealthFacts) -> list[Action]:
    """The stage's configured actions (text items), then the health rules that fire."""
    texts = configured if isinstance(configured, list) else []
    actions = [Action(str(text), "stage", None, {}) for text in texts if str(text).strip()]
    actions += [Action(o.detail, "health", o.code, o.evidence) for o in evaluate(RULES, facts)]
    return actions
