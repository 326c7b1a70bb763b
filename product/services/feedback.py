"""Customer feedback: submission with a computed priority, and the delivery commitment.

The priority formula is written once, in README.md "Definitions: feedback priority":
priority_score = round_half_up(100 x impact x arr_factor x risk_factor), arr_factor from the
customer's ARR rank, risk_factor from its health score of the last 30 days (none: the
midpoint). The submitter's own `priority` is stored and shown, not scored: it is their view,
while the score ranks requests across customers on the same scale.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.read import arr_rank, latest_health_scores
from integrations import events
from integrations.clock import days_window, today
from integrations.ids import new_public_id
from integrations.money import whole_units
from integrations.rounding import round_half_up
from integrations.writes import lock

from ..choices import FEEDBACK_TRANSITIONS, BusinessImpact, FeedbackStatus
from ..errors import (
    CommitmentTargetRequired,
    FeedbackNotFound,
    IllegalFeedbackTransition,
    TargetDateInPast,
)
from ..models import Feedback, FeedbackStatusChange

IMPACT_WEIGHT = {
    BusinessImpact.NICE_TO_HAVE: 0.25,
    BusinessImpact.IMPORTANT: 0.5,
    BusinessImpact.CRITICAL_FOR_SUCCESS: 0.8,
    BusinessImpact.BLOCKER: 1.0,
}
UNKNOWN_RISK = 0.5  # no health score of the last 30 days: the midpoint
HEALTH_MAX_AGE_DAYS = 30  # a score older than this (by its as_of) does not count
# What a status change writes (read from the locked row, so the unchanged ones are current).
UPDATED_FIELDS = [
    "status",
    "status_changed_at",
    "target_release",
    "target_date",
    "committed_at",
    "delivered_at",
    "updated_at",
]


def priority_of(customer: Customer, business_impact: str) -> tuple[int, dict[str, Any]]:
    ranking = arr_rank(customer.pk)
    arr, rank, ranked = ranking.arr, ranking.rank, ranking.ranked
    fresh = days_window(today(), HEALTH_MAX_AGE_DAYS)
    latest = latest_health_scores([customer.pk], as_of_in=fresh).get(customer.pk)
    return score_priority(
        business_impact,
        arr=arr,
        rank=rank,
        ranked=ranked,
        health=None if latest is None else latest.score,
        health_as_of=None if latest is None else latest.as_of,
    )


def score_priority(
    business_impact: str,
    *,
    arr: Decimal | None,
    rank: float,
    ranked: int,
    health: int | None,
    health_as_of: date | None,
) -> tuple[int, dict[str, Any]]:
    """The README's formula, with every input in the explanation."""
    impact = IMPACT_WEIGHT[BusinessImpact(business_impact)]
    notes = []
    if health is None:
        risk = UNKNOWN_RISK
        notes.append(
            f"no health score in the last {HEALTH_MAX_AGE_DAYS} days: "
            "risk taken as the midpoint 0.5"
        )
    else:
        risk = (100 - health) / 100
    if not arr:
        notes.append("no active contract: ARR rank 0")
    arr_factor = 0.5 + 0.5 * rank
    risk_factor = 0.5 + 0.5 * risk
    score = round_half_up(100 * impact * arr_factor * risk_factor)
    factors = {
        "formula": "100 x impact x (0.5 + 0.5 x arr_rank) x (0.5 + 0.5 x health_risk)",
        "business_impact": business_impact,
        "impact": impact,
        "arr": None if arr is None else whole_units(arr),
        "arr_rank": round_half_up(rank, 4),
        "customers_with_arr": ranked,
        "arr_factor": round_half_up(arr_factor, 4),
        "health_score": health,
        "health_as_of": None if health_as_of is None else health_as_of.isoformat(),
        "health_risk": round_half_up(risk, 4),
        "risk_factor": round_half_up(risk_factor, 4),
        "notes": notes,
    }
    return score, factors


@transaction.atomic
def feedback_submit(
    *,
    customer: Customer,
    feedback: dict[str, Any],
    success_context: dict[str, Any],
    submitted_by: str,
) -> Feedback:
    score, factors = priority_of(customer, feedback["business_impact"])
    now = timezone.now()
    item = Feedback.objects.create(
        feedback_id=new_public_id("fb"),
        customer=customer,
        type=feedback["type"],
        category=feedback["category"],
        priority=feedback["priority"],
        business_impact=feedback["business_impact"],
        description=feedback["description"],
        health_impact=success_context.get("health_impact", ""),
        efficiency_gain=success_context.get("efficiency_gain", ""),
        customer_value=success_context.get("customer_value", ""),
        priority_score=score,
        priority_factors=factors,
        status=FeedbackStatus.SUBMITTED,
        status_changed_at=now,
        submitted_by=submitted_by,
    )
    FeedbackStatusChange.objects.create(
        feedback=item,
        from_status="",
        to_status=FeedbackStatus.SUBMITTED,
        changed_by=submitted_by,
        changed_at=now,
    )
    events.publish(
        "feedback.submitted",
        customer_id=customer.customer_id,
        data={
            "feedback_id": item.feedback_id,
            "category": item.category,
            "type": item.type,
            "priority_score": score,
        },
    )
    return item


@transaction.atomic
def feedback_update(
    *,
    feedback: Feedback,
    status: str | None = None,
    target_release: str | None = None,
    target_date: date | None = None,
    note: str = "",
    changed_by: str,
) -> Feedback:
    """Move the delivery commitment along FEEDBACK_TRANSITIONS, recording history.

    Without `status`, a committed item takes a new target (committed -> committed). Committing
    needs a target date or release; a target date must not be in the past. Delivering publishes
    `feedback.delivered` (operations turns it into a task for the customer's CSM).
    """
    lock(feedback, missing=FeedbackNotFound())  # the transition is checked on the committed row
    current = feedback.status
    to = status or (FeedbackStatus.COMMITTED if current == FeedbackStatus.COMMITTED else None)
    allowed = FEEDBACK_TRANSITIONS[current]
    if to is None or to not in allowed:
        raise IllegalFeedbackTransition(current, to or "(no status given)", allowed)
    now = timezone.now()
    if to == FeedbackStatus.COMMITTED:
        release = feedback.target_release if target_release is None else target_release
        day = target_date if target_date is not None else feedback.target_date
        if target_date is not None and target_date < today(now):
            raise TargetDateInPast()
        if not release and day is None:
            raise CommitmentTargetRequired()
        feedback.target_release, feedback.target_date = release, day
        if current != FeedbackStatus.COMMITTED:
            feedback.committed_at = now
    if to == FeedbackStatus.DELIVERED:
        feedback.delivered_at = now
    if to != current:  # a re-target keeps the status, and so its timestamp
        feedback.status_changed_at = now
    feedback.status = to
    feedback.save(update_fields=UPDATED_FIELDS)
    FeedbackStatusChange.objects.create(
        feedback=feedback,
        from_status=current,
        to_status=to,
        target_release=feedback.target_release if to == FeedbackStatus.COMMITTED else "",
        target_date=feedback.target_date if to == FeedbackStatus.COMMITTED else None,
        note=note,
        changed_by=changed_by,
        changed_at=now,
    )
    if to == FeedbackStatus.DELIVERED:
        events.publish(
            "feedback.delivered",
            customer_id=feedback.customer.customer_id,
            data={
                "feedback_id": feedback.feedback_id,
                "category": feedback.category,
                "type": feedback.type,
                "description": feedback.description[:500],
                "target_release": feedback.target_release,
                "delivered_at": now.isoformat(),
                "note": note,
            },
        )
    return feedback


FEEDBACK_EDITABLE = (
    "type",
    "category",
    "priority",
    "business_impact",
    "description",
    "health_impact",
    "efficiency_gain",
    "customer_value",
)


@transaction.atomic
def feedback_edit(*, feedback: Feedback, data: dict[str, Any]) -> Feedback:
    """Correct what was submitted (the admin), on the locked row: a new business impact is
    scored again with the submission's formula, so the priority never contradicts it."""
    feedback = Feedback.objects.select_for_update().select_related("customer").get(pk=feedback.pk)
    changed = [f for f in FEEDBACK_EDITABLE if f in data and data[f] != getattr(feedback, f)]
    for field in changed:
        setattr(feedback, field, data[field])
    if "business_impact" in changed:
        feedback.priority_score, feedback.priority_factors = priority_of(
            feedback.customer, feedback.business_impact
        )
        changed += ["priority_score", "priority_factors"]
    if changed:
        feedback.save(update_fields=[*changed, "updated_at"])
    return feedback
