"""Demo feedback: requests from about half the customers over the last year, scored with the
real priority formula from the seeded ARR and health, moved along the delivery commitment."""

from datetime import datetime, timedelta
from typing import Any

from product.choices import BusinessImpact, FeedbackPriority, FeedbackStatus, FeedbackType
from product.models import Feedback, FeedbackStatusChange
from product.services.feedback import feedback_submit

from . import context
from .context import DemoContext, Progress

TOPICS = [
    ("workflow_automation", FeedbackType.FEATURE_REQUEST, "Need automated health score triggers"),
    ("reporting", FeedbackType.FEATURE_REQUEST, "Scheduled exports of the adoption report"),
    ("reporting", FeedbackType.IMPROVEMENT, "Filter dashboards by business unit"),
    ("integrations", FeedbackType.INTEGRATION_REQUEST, "Two-way sync with our CRM"),
    ("sso", FeedbackType.FEATURE_REQUEST, "SCIM provisioning for user lifecycle"),
    ("performance", FeedbackType.PERFORMANCE, "Large reports time out after 60 seconds"),
    ("mobile", FeedbackType.BUG, "Mobile app loses the session after an update"),
    ("permissions", FeedbackType.IMPROVEMENT, "Read-only role for auditors"),
    ("seats", FeedbackType.EXPANSION_REQUEST, "Pricing for 200 more seats in EMEA"),
    ("usability", FeedbackType.USABILITY, "Bulk edit is hard to find"),
]
# Unhappy customers ask for more and rate it higher.
ASK_RATE = {
    context.HEALTHY: 0.4,
    context.DECLINING: 0.9,
    context.LATE_PAYER: 0.5,
    context.NEW: 0.3,
    context.CHURNED: 0.6,
}
IMPACTS = list(BusinessImpact)
PRIORITIES = list(FeedbackPriority)
RELEASES = ["2026.10", "2026.12", "2027.02", "2027.04"]
HISTORY_FIELDS = [
    "status",
    "status_changed_at",
    "committed_at",
    "target_date",
    "target_release",
    "delivered_at",
]


def seed_feedback(ctx: DemoContext, progress: Progress) -> int:
    """Each request through `feedback_submit` (the API's write: priority from the seeded ARR
    and health, history, `feedback.submitted`), then moved back to its story's dates and
    along its delivery path. That history is written here: `feedback_update` stamps now and
    refuses a past target date, and an overdue commitment is part of the story."""
    rng, now = ctx.rng, ctx.now
    items: list[Feedback] = []
    history: list[FeedbackStatusChange] = []
    submissions: dict[int, datetime] = {}
    for customer in ctx.customers:
        kind = context.story(customer)
        if rng.random() > ASK_RATE[kind]:
            continue
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            category, ftype, text = rng.choice(TOPICS)
            impact = rng.choice(IMPACTS[2:] if kind == context.DECLINING else IMPACTS)
            created = now - timedelta(days=rng.randint(1, 330), hours=rng.randint(0, 23))
            item = feedback_submit(
                customer=customer,
                feedback={
                    "type": ftype,
                    "category": category,
                    "priority": rng.choice(PRIORITIES),
                    "business_impact": impact,
                    "description": text,
                },
                success_context={
                    "health_impact": rng.choice(["churn_risk_reduction", "adoption_increase", ""]),
                    "efficiency_gain": rng.choice(
                        ["40% reduction in manual work", "2 hours a week", ""]
                    ),
                    "customer_value": rng.choice(
                        ["proactive_success_intervention", "faster_rollout"]
                    ),
                },
                submitted_by="demo",
            )
            item.status_changed_at = created
            prev: str = FeedbackStatus.SUBMITTED
            for to, at, target, release, note in _path(rng, created, now):
                item.status, item.status_changed_at = to, at
                if to == FeedbackStatus.COMMITTED:
                    item.committed_at = item.committed_at or at
                    item.target_date, item.target_release = target, release
                if to == FeedbackStatus.DELIVERED:
                    item.delivered_at = at
                history.append(
                    FeedbackStatusChange(
                        feedback=item,
                        from_status=prev,
                        to_status=to,
                        target_release=release if to == FeedbackStatus.COMMITTED else "",
                        target_date=target if to == FeedbackStatus.COMMITTED else None,
                        note=note,
                        changed_by="demo",
                        changed_at=at,
                    )
                )
                prev = to
            items.append(item)
            submissions[item.pk] = created
    Feedback.objects.bulk_update(items, HISTORY_FIELDS, batch_size=2000)
    submitted = list(FeedbackStatusChange.objects.filter(feedback__in=items))
    for change in submitted:
        change.changed_at = submissions[change.feedback_id]
    FeedbackStatusChange.objects.bulk_update(submitted, ["changed_at"], batch_size=2000)
    FeedbackStatusChange.objects.bulk_create(history, batch_size=5000)
    progress(len(items) + len(submitted) + len(history))
    return len(items)


def _path(rng: Any, created: Any, now: Any) -> list[tuple[str, Any, Any, str, str]]:
    """Status changes after submission: most get reviewed, some committed, fewer delivered;
    a few commitments slip past their target (overdue)."""
    age = (now - created).days
    steps: list[tuple[str, Any, Any, str, str]] = []
    if age < 7 or rng.random() < 0.25:
        return steps
    at = created + timedelta(days=rng.randint(1, 6))
    steps.append((FeedbackStatus.REVIEWING, at, None, "", "triaged by product"))
    roll = rng.random()
    if roll < 0.15:
        steps.append((FeedbackStatus.DECLINED, at + timedelta(days=3), None, "", "not on roadmap"))
        return steps
    if roll < 0.4 or age < 30:
        return steps
    at = at + timedelta(days=rng.randint(3, 20))
    target = (at + timedelta(days=rng.randint(20, 120))).date()
    release = rng.choice(RELEASES)
    steps.append((FeedbackStatus.COMMITTED, at, target, release, "planned"))
    delivered = at + timedelta(days=rng.randint(15, 110))
    if delivered < now and rng.random() < 0.7:
        steps.append((FeedbackStatus.DELIVERED, delivered, None, "", f"shipped in {release}"))
    return steps
