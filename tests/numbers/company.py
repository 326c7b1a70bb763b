"""Hand-set rows for tests/numbers: a small company on fixed dates.

Only models (and test factories) are used here, never the code under test, so the rows are
exactly what each test says. "Today" is TODAY (NOW is noon UTC on it); conftest.py pins
django.utils.timezone.now there for every test, so every "now" entry point sees the same day.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

from customers.models import Customer, HealthModel, HealthScore, Stakeholder, TeamMember
from finance.models import Contract, Invoice
from operations.models import SupportTicket, SurveyResponse, Task
from product.models import Feature, FeatureUsage

TODAY = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
_ids = count(1)


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """An instant on `day` (UTC, the test settings' time zone)."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=UTC)


def days_ago(n: int, day: date = TODAY) -> date:
    return day - timedelta(days=n)


def customer(
    segment: str = "mid_market",
    seats: int = 10,
    csm: TeamMember | None = None,
    churned_at: datetime | None = None,
    stage: str = "adoption",
) -> Customer:
    n = next(_ids)
    c = Customer.objects.create(
        customer_id=f"num_{n:04d}",
        name=f"Number Co {n}",
        segment=segment,
        licensed_seats=seats,
        success_manager=csm,
        lifecycle_stage=stage,
        status="churned" if churned_at else "active",
        churned_at=churned_at,
    )
    Customer.objects.filter(pk=c.pk).update(created_at=at(date(2025, 1, 1)))
    return c


def csm(email: str, capacity: int = 10, skills: list[str] | None = None) -> TeamMember:
    return TeamMember.objects.create(
        email=email, name=email.split("@")[0], capacity=capacity, skills=skills or []
    )


def feature(feature_id: str, is_key: bool = True, threshold: int = 4) -> Feature:
    return Feature.objects.create(
        feature_id=feature_id, name=feature_id, is_key=is_key, adoption_threshold_days=threshold
    )


def usage(c: Customer, f: Feature, day: date, events: int, users: int = 1) -> FeatureUsage:
    return FeatureUsage.objects.create(
        customer=c, feature=f, date=day, events=events, active_users=users
    )


def ticket(c: Customer, opened_at: datetime, priority: str = "normal", status: str = "open"):
    return SupportTicket.objects.create(
        ticket_id=f"T-{next(_ids)}",
        customer=c,
        opened_at=opened_at,
        priority=priority,
        status=status,
    )


def survey(c: Customer, kind: str, score: int, answered_at: datetime) -> SurveyResponse:
    return SurveyResponse.objects.create(
        response_id=f"R-{next(_ids)}",
        customer=c,
        respondent_email=f"p{next(_ids)}@x.example",
        kind=kind,
        score=score,
        answered_at=answered_at,
    )


def task(
    c: Customer,
    completed_at: datetime | None = None,
    owner: TeamMember | None = None,
    due_at: datetime | None = None,
) -> Task:
    return Task.objects.create(
        task_id=f"K-{next(_ids)}",
        customer=c,
        kind="check_in",
        title="Check-in",
        owner=owner,
        completed_at=completed_at,
        due_at=due_at,
    )


def stakeholder(c: Customer, champion: bool = False, sponsor: bool = False) -> Stakeholder:
    return Stakeholder.objects.create(
        customer=c,
        email=f"s{next(_ids)}@client.example",
        name="S",
        role="R",
        is_champion=champion,
        is_executive_sponsor=sponsor,
    )


def invoice(
    c: Customer,
    issued_on: date,
    due_on: date,
    paid_at: datetime | None = None,
    amount: str = "1000.00",
) -> Invoice:
    return Invoice.objects.create(
        invoice_id=f"I-{next(_ids)}",
        customer=c,
        issued_on=issued_on,
        due_on=due_on,
        amount=Decimal(amount),
        paid_at=paid_at,
    )


def contract(
    c: Customer,
    value: str,
    status: str = "active",
    end_date: date = date(2026, 12, 31),
    start_date: date | None = None,
) -> Contract:
    start = start_date or end_date - timedelta(days=364)
    return Contract.objects.create(
        contract_id=f"C-{next(_ids)}",
        customer=c,
        start_date=start,
        end_date=end_date,
        value=Decimal(value),
        term="1_year",
        annual_value=Decimal(value),
        status=status,
    )


def snapshot(c: Customer, computed_at: datetime, score: int, non_usage: int | None = None):
    """A stored health snapshot (history the trend and the conditions read)."""
    grade = "critical" if score < 50 else "at_risk" if score < 75 else "healthy"
    return HealthScore.objects.create(
        customer=c,
        computed_at=computed_at,
        as_of=computed_at.date(),
        score=score,
        non_usage_score=score if non_usage is None else non_usage,
        grade=grade,
        components={},
        weights={},
        model_version=1,
    )


def only_model(weights: dict[str, float]) -> HealthModel:
    """Make a health model with these weights the active one (bands 50 / 75)."""
    HealthModel.objects.update(active=False)
    version = (
        HealthModel.objects.order_by("-version").values_list("version", flat=True).first() or 0
    )
    return HealthModel.objects.create(
        version=version + 1, weights=weights, critical_below=50, at_risk_below=75, active=True
    )
