"""Demo operations history: 12 months of support tickets, NPS/CSAT answers and CSM tasks that
follow each customer's story (demo.context.story), so the health measures tell it back:
healthy accounts file few tickets, answer as promoters and see their CSM every few weeks;
the declining cohort files more (and more urgent) tickets lately, answers as detractors and
has hardly been touched in two months; new accounts have a few onboarding tickets and weekly
check-ins; churned accounts stop at their churn date."""

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from customers.models import Customer, Stakeholder
from integrations.bulk_sql import chunks
from integrations.upsert import BulkResult
from operations.choices import SurveyKind, TaskKind, TicketPriority, TicketStatus
from operations.services import surveys_bulk_upsert, tasks_bulk_upsert, tickets_bulk_upsert

from . import context
from .context import DemoContext, Progress

BATCH = 5000  # items per bulk service call, within the API's 10,000-item limit
Upsert = Callable[..., BulkResult]
DAY = timedelta(days=1)

# Tickets per 30 days over the year (before the size factor and any surge).
TICKET_RATE = {
    context.HEALTHY: 0.5,
    context.LATE_PAYER: 0.8,
    context.DECLINING: 0.7,
    context.NEW: 0.0,
    context.CHURNED: 1.0,
}
CALM_PRIORITIES = (
    [TicketPriority.LOW, TicketPriority.NORMAL, TicketPriority.HIGH, TicketPriority.URGENT],
    [35, 50, 13, 2],
)
SURGE_PRIORITIES = (
    [TicketPriority.NORMAL, TicketPriority.HIGH, TicketPriority.URGENT],
    [30, 45, 25],
)
RESOLUTION_FACTOR = {
    TicketPriority.LOW: 2.0,
    TicketPriority.NORMAL: 1.0,
    TicketPriority.HIGH: 0.6,
    TicketPriority.URGENT: 0.3,
}
# Days between CSM touches, and the chance that a touch in the last 60 days happens at all.
TOUCH_GAP = {
    context.HEALTHY: (14, 28),
    context.LATE_PAYER: (14, 35),
    context.DECLINING: (14, 28),
    context.NEW: (7, 10),
    context.CHURNED: (21, 45),
}
RECENT_TOUCH_CHANCE = {context.DECLINING: 0.15}
TOUCH_KINDS = (
    [TaskKind.CHECK_IN, TaskKind.CALL, TaskKind.MEETING, TaskKind.EMAIL],
    [50, 20, 15, 15],
)
TITLES = {
    TaskKind.CHECK_IN: "Check-in",
    TaskKind.CALL: "Account call",
    TaskKind.MEETING: "Business review",
    TaskKind.EMAIL: "Follow-up email",
    TaskKind.OTHER: "Account work",
}
COMMENTS = {
    "good": ["Great support team.", "Does what we need.", "Quick answers, thanks!", ""],
    "meh": ["Fine overall.", "Some features are hard to find.", ""],
    "bad": [
        "Too many outages lately.",
        "Tickets take far too long.",
        "We are evaluating alternatives.",
        "",
    ],
}


class _Writer:
    """Collects items and writes them through the operations bulk services (as the API's bulk
    endpoints do), in batches, reporting progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.items: dict[Upsert, list[dict[str, Any]]] = {
            tickets_bulk_upsert: [],
            surveys_bulk_upsert: [],
            tasks_bulk_upsert: [],
        }
        self.total = 0
        self.next_id: dict[str, int] = defaultdict(int)

    def new_id(self, prefix: str) -> str:
        self.next_id[prefix] += 1
        return f"{prefix}{self.next_id[prefix]:07d}"

    def add(self, upsert: Upsert, item: dict[str, Any]) -> None:
        items = self.items[upsert]
        items.append(item)
        if len(items) >= BATCH:
            self._flush(upsert)

    def _flush(self, upsert: Upsert) -> None:
        items = self.items[upsert]
        if items:
            upsert(items=items)
            self.total += len(items)
            self.progress(len(items))
            items.clear()

    def close(self) -> int:
        for upsert in self.items:
            self._flush(upsert)
        return self.total


def seed_operations(ctx: DemoContext, progress: Progress) -> int:
    writer = _Writer(progress)
    emails = _respondents(ctx.customers)
    for customer in ctx.customers:
        _CustomerHistory(ctx, customer, emails.get(customer.pk, []), writer).build()
    return writer.close()


def _respondents(customers: Sequence[Customer]) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = defaultdict(list)
    for part in chunks([c.pk for c in customers], 5000):
        rows = (
            Stakeholder.objects.filter(customer_id__in=part)
            .order_by("customer_id", "email")
            .values_list("customer_id", "email")
        )
        for pk, email in rows:
            emails[pk].append(email)
    return emails


class _CustomerHistory:
    def __init__(
        self, ctx: DemoContext, customer: Customer, emails: list[str], writer: _Writer
    ) -> None:
        self.rng: random.Random = ctx.rng
        self.now = ctx.now
        self.customer = customer
        self.story = context.story(customer)
        self.emails = emails or [f"contact@{customer.customer_id.replace('_', '-')}.example"]
        self.writer = writer
        self.start = ctx.now - timedelta(days=365)
        if self.story == context.NEW:
            self.start = ctx.now - timedelta(days=self.rng.randint(20, 60))
        self.end = min(customer.churned_at or ctx.now, ctx.now)
        manager = customer.success_manager
        self.owner_email = manager.email if manager else None

    def build(self) -> None:
        if self.end <= self.start:
            return
        self._tickets()
        self._nps()
        self._tasks()

    # --- helpers ----------------------------------------------------------------------------

    def _at(self, low: datetime, high: datetime) -> datetime:
        low, high = max(low, self.start), min(high, self.end)
        seconds = max(0, int((high - low).total_seconds()))
        return low + timedelta(seconds=self.rng.randint(0, seconds))

    def _age_days(self, moment: datetime) -> float:
        """Days before the end of the customer's history (today, or the churn date)."""
        return (self.end - moment).total_seconds() / 86400

    def _souring(self, moment: datetime) -> bool:
        """True while the account is going bad: the declining cohort's last three months,
        a churned account's last four."""
        if self.story == context.DECLINING:
            return self._age_days(moment) < 90
        return self.story == context.CHURNED and self._age_days(moment) < 120

    # --- tickets and CSAT -------------------------------------------------------------------

    def _tickets(self) -> None:
        rng = self.rng
        span_days = (self.end - self.start).days
        size = 1 + min(1.5, self.customer.licensed_seats / 800)
        expected = TICKET_RATE[self.story] * size * span_days / 30
        count = int(expected) + (rng.random() < expected - int(expected))
        for _ in range(count):
            self._ticket(self._at(self.start, self.end), rng.choices(*CALM_PRIORITIES)[0])
        if self.story == context.NEW:
            for _ in range(rng.randint(2, 4)):
                priority = rng.choice([TicketPriority.LOW, TicketPriority.NORMAL])
                self._ticket(self._at(self.start, self.end), priority)
        if self.story in (context.DECLINING, context.CHURNED):
            last30, prior30 = self.end - 30 * DAY, self.end - 60 * DAY
            for _ in range(rng.randint(1, 2)):
                self._ticket(self._at(prior30, last30), rng.choices(*SURGE_PRIORITIES)[0])
            for _ in range(rng.randint(3, 6)):
                self._ticket(self._at(last30, self.end), rng.choices(*SURGE_PRIORITIES)[0])
        if self.story == context.DECLINING:
            for _ in range(rng.randint(1, 2)):  # still waiting on support
                priority = rng.choice([TicketPriority.HIGH, TicketPriority.URGENT])
                self._ticket(self._at(self.end - 20 * DAY, self.end), priority, resolve=False)

    def _ticket(self, opened_at: datetime, priority: str, *, resolve: bool = True) -> None:
        rng = self.rng
        hours = rng.uniform(0.5, 72) * RESOLUTION_FACTOR[TicketPriority(priority)]
        done_at = opened_at + timedelta(seconds=int(hours * 3600))
        resolved_at = done_at if resolve and done_at <= self.now else None
        if resolved_at is None:
            status = TicketStatus.PENDING if rng.random() < 0.4 else TicketStatus.OPEN
        elif resolved_at < self.now - 7 * DAY:
            status = TicketStatus.CLOSED
        else:
            status = TicketStatus.RESOLVED
        ticket_id = self.writer.new_id("TCK-")
        self.writer.add(
            tickets_bulk_upsert,
            {
                "ticket_id": ticket_id,
                "customer_id": self.customer.customer_id,
                "opened_at": opened_at,
                "resolved_at": resolved_at,
                "priority": priority,
                "status": status,
            },
        )
        if resolved_at is not None and rng.random() < 0.4:
            answered_at = resolved_at + timedelta(seconds=rng.randint(600, 48 * 3600))
            if answered_at <= self.now:
                self._csat(f"csat_{ticket_id}", answered_at)

    def _csat(self, response_id: str, answered_at: datetime) -> None:
        rng = self.rng
        if self._souring(answered_at):
            score, mood = rng.choices([1, 2, 3], [45, 40, 15])[0], "bad"
        elif self.story in (context.LATE_PAYER, context.DECLINING, context.CHURNED):
            score, mood = rng.choices([3, 4, 5], [30, 45, 25])[0], "meh"
        else:
            score, mood = rng.choices([4, 5], [30, 70])[0], "good"
        self._survey(response_id, SurveyKind.CSAT, score, mood, answered_at)

    # --- NPS --------------------------------------------------------------------------------

    def _nps(self) -> None:
        rng = self.rng
        moment = self.start + timedelta(days=rng.randint(10, 45))
        while moment <= self.end:
            for _ in range(rng.randint(1, 2)):
                answered_at = moment + timedelta(seconds=rng.randint(0, 5 * 86400))
                if answered_at > self.end:
                    break
                self._survey(
                    self.writer.new_id("nps_"),
                    SurveyKind.NPS,
                    *self._nps_score(answered_at),
                    answered_at,
                )
            moment += timedelta(days=rng.randint(80, 100))

    def _nps_score(self, moment: datetime) -> tuple[int, str]:
        rng = self.rng
        if self._souring(moment):
            return rng.randint(1, 6), "bad"
        if self.story in (context.HEALTHY, context.NEW):
            return rng.choices([10, 9, 8, 7], [45, 35, 15, 5])[0], "good"
        return rng.choices([9, 8, 7, 6], [25, 35, 25, 15])[0], "meh"

    def _survey(
        self, response_id: str, kind: str, score: int, mood: str, answered_at: datetime
    ) -> None:
        self.writer.add(
            surveys_bulk_upsert,
            {
                "response_id": response_id,
                "customer_id": self.customer.customer_id,
                "respondent_email": self.rng.choice(self.emails),
                "kind": kind,
                "score": score,
                "comment": self.rng.choice(COMMENTS[mood]),
                "answered_at": answered_at,
            },
        )

    # --- CSM tasks --------------------------------------------------------------------------

    def _tasks(self) -> None:
        rng = self.rng
        low, high = TOUCH_GAP[self.story]
        recent_chance = RECENT_TOUCH_CHANCE.get(self.story, 1.0)
        recent_from = self.now - 60 * DAY
        due = self.start + timedelta(days=rng.randint(1, 10), hours=rng.randint(8, 17))
        while due <= self.end:
            if due < recent_from or rng.random() < recent_chance:
                kind = (
                    TaskKind.CHECK_IN if self.story == context.NEW else rng.choices(*TOUCH_KINDS)[0]
                )
                completed_at = due + timedelta(minutes=rng.randint(0, 90))
                self._task(kind, due, completed_at if completed_at <= self.end else None)
            due += timedelta(days=rng.randint(low, high))
        if self.customer.churned_at is None:  # the next touch, still to do
            due = self.now + timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 8))
            self._task(TaskKind.CHECK_IN, due, None)

    def _task(self, kind: str, due_at: datetime, completed_at: datetime | None) -> None:
        self.writer.add(
            tasks_bulk_upsert,
            {
                "task_id": self.writer.new_id("task_"),
                "customer_id": self.customer.customer_id,
                "kind": kind,
                "owner_email": self.owner_email,
                "title": TITLES[TaskKind(kind)],
                "due_at": due_at,
                "completed_at": completed_at,
            },
        )
