"""Builders for the marketing signals tests: known rows in every lower app around AS_OF."""

from datetime import date, timedelta
from decimal import Decimal

from customers.models import Customer, HealthScore
from operations.models import Alert, Escalation
from product.models import Feature, FeatureUsage
from sales.models import ExpansionSnapshot, Handoff
from tests.finance.factories import ContractFactory
from tests.operations.factories import SurveyResponseFactory
from tests.sales.support import AS_OF, at, health

__all__ = ["AS_OF", "at"]


def snapshot(customer: Customer, score: int, grade: str, day: date = AS_OF) -> HealthScore:
    return health(customer, score, grade, day)


def health_moved(customer: Customer, before: int, now: int, grade: str) -> None:
    """A snapshot 30 days before AS_OF scoring `before`, and one on AS_OF scoring `now`."""
    snapshot(customer, before, "healthy" if before >= 75 else "at_risk", AS_OF - timedelta(30))
    snapshot(customer, now, grade)


def events(customer: Customer, feature: Feature, last: int, prior: int) -> None:
    """`last` usage events 5 days before AS_OF, `prior` 40 days before (the 30 before)."""
    for back, n in ((5, last), (40, prior)):
        if n:
            FeatureUsage.objects.create(
                customer=customer,
                feature=feature,
                date=AS_OF - timedelta(days=back),
                events=n,
                active_users=1,
            )


def adopt(customer: Customer, feature: Feature, days: int = 4) -> None:
    """Active on `days` distinct days of the 30 up to AS_OF (adopted at >= 4), 1 event each."""
    for back in range(days):
        FeatureUsage.objects.create(
            customer=customer,
            feature=feature,
            date=AS_OF - timedelta(days=back),
            events=1,
            active_users=1,
        )


def contract_ending(
    customer: Customer, end: date, contract_id: str, start: date | None = None
) -> None:
    ContractFactory.create(
        customer=customer,
        contract_id=contract_id,
        start_date=start or end - timedelta(days=364),
        end_date=end,
        value=Decimal("50000.00"),
    )


def expansion(customer: Customer, score: int, ready: bool, day: date = AS_OF) -> None:
    ExpansionSnapshot.objects.create(
        customer=customer,
        as_of=day,
        computed_at=at(day, 3),
        score=score,
        ready=ready,
        model_version=1,
        rank_key=f"{100 - score:03d}{customer.customer_id}",
    )


def handoff(customer: Customer, completed: date, onboarding_start: date) -> Handoff:
    return Handoff.objects.create(
        customer=customer,
        deal_value=Decimal("150000.00"),
        contract_terms="3_year",
        onboarding_start=onboarding_start,
        first_check_in=onboarding_start + timedelta(days=7),
        baseline_as_of=completed,
        completed_at=at(completed, 10),
    )


def nps(customer: Customer, *scores: int, day: date = AS_OF) -> None:
    for score in scores:
        SurveyResponseFactory.create(customer=customer, score=score, answered_at=at(day))


def alert(customer: Customer, status: str = "open") -> None:
    n = Alert.objects.count()
    Alert.objects.create(
        customer=customer, alert_id=f"al_{n}", title="Health dropped", status=status
    )


def escalation(customer: Customer, status: str = "open") -> None:
    Escalation.objects.create(
        customer=customer,
        escalation_id=f"esc_{Escalation.objects.count()}",
        owner_email="o@x.io",
        reason="r",
        status=status,
        opened_at=at(AS_OF),
    )
