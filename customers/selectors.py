"""Reads for the CS core."""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from integrations.bulk_sql import ids_by_key
from integrations.prepared import PreparedQuery

from .errors import (
    CustomerNotFound,
    MilestoneNotFound,
    StakeholderNotFound,
    SuccessPlanNotFound,
    TeamMemberNotFound,
)
from .models import Customer, LifecycleChange, Milestone, Stakeholder, SuccessPlan, TeamMember


def customer_list() -> QuerySet[Customer]:
    return Customer.objects.select_related("success_manager")


# Every single-customer read starts here: compiled once per thread (integrations.prepared).
_CUSTOMER = PreparedQuery(
    lambda customer_id: customer_list().filter(customer_id=customer_id), customer_id=str
)


def customer_get(customer_id: str) -> Customer:
    customer = _CUSTOMER.first(customer_id=customer_id)
    if customer is None:
        raise CustomerNotFound()
    return customer


def stakeholder_list(customer: Customer) -> QuerySet[Stakeholder]:
    return Stakeholder.objects.filter(customer=customer)


def stakeholder_get(customer: Customer, email: str) -> Stakeholder:
    try:
        return stakeholder_list(customer).get(email=email.lower())  # exact: never trimmed
    except Stakeholder.DoesNotExist:
        raise StakeholderNotFound() from None


def team_member_list() -> QuerySet[TeamMember]:
    return TeamMember.objects.all()


def team_member_get(email: str) -> TeamMember:
    try:
        return TeamMember.objects.get(email=email.lower())  # exact: never trimmed
    except TeamMember.DoesNotExist:
        raise TeamMemberNotFound() from None


def lifecycle_history(customer: Customer) -> QuerySet[LifecycleChange]:
    return LifecycleChange.objects.filter(customer=customer)


def customer_pks(customer_ids: Iterable[str]) -> dict[str, int]:
    """customer_id -> primary key for the known ones, in one query."""
    return ids_by_key(Customer._meta.db_table, "customer_id", customer_ids)


def team_member_pks(emails: Iterable[str | None]) -> dict[str, int]:
    """Lower-cased CSM email -> primary key for the known ones, in one query."""
    wanted = {e.lower() for e in emails if e}
    if not wanted:
        return {}
    return dict(TeamMember.objects.filter(email__in=wanted).values_list("email", "id"))


def success_plan_list(customer: Customer) -> QuerySet[SuccessPlan]:
    """The customer's plans with their milestones (two queries for any page)."""
    milestones = Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id"))
    return SuccessPlan.objects.filter(customer=customer).prefetch_related(milestones)


def success_plan_get(customer: Customer, plan_id: str) -> SuccessPlan:
    try:
        return success_plan_list(customer).get(plan_id=plan_id)
    except SuccessPlan.DoesNotExist:
        raise SuccessPlanNotFound() from None


def milestone_get(plan: SuccessPlan, milestone_id: str) -> Milestone:
    try:
        return Milestone.objects.get(plan=plan, milestone_id=milestone_id)
    except Milestone.DoesNotExist:
        raise MilestoneNotFound() from None
