"""The sales-to-CS handoff (README "Sales: handoff"): one transaction that starts a customer.

Every write goes through the owning app's service: the customer, its stakeholders, success
plan and lifecycle stage through customers', the contract through finance's, the first
check-in task through operations'. The baseline is read through the read APIs. A failure at
any step rolls all of it back; the handoff row is unique per customer, so a repeat, also a
racing one, is a 409 naming the handoff that exists.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers import read as customers_read
from customers import services as customer_services
from customers.choices import LifecycleStage, Segment, StageChangeSource
from customers.errors import CustomerAlreadyExists, CustomerNotFound
from customers.models import Customer
from finance import read as finance_read
from finance import services as finance_services
from finance.bulk_schema import MAX_AMOUNT
from finance.models import annual_value_of, term_months
from integrations import events
from integrations.clock import add_months, today
from integrations.ids import new_public_id
from integrations.writes import lock
from operations import services as operations_services
from operations.choices import TaskKind

from ..errors import HandoffExists, handoff_invalid
from ..models import Handoff, new_handoff_id
from ..selectors.handoff import baseline_at, baseline_fields, handoff_id_of
from .handoff_plan import KICKOFF_TITLE, objectives_for

# A new customer's segment when sales sends none, by the deal's annual value.
SEGMENT_BY_ARR = ((Decimal(100_000), Segment.ENTERPRISE), (Decimal(25_000), Segment.MID_MARKET))
CHECK_IN_HOUR = time(9, 0)  # the first check-in is due at 09:00 local time that day
OVER_CAPACITY = "csm_over_capacity"


def finance_term(contract_terms: str) -> str:
    """Sales' contract terms in finance's term format: `monthly` is `1_month`; `3_year`,
    `6_month` are finance terms already."""
    return "1_month" if contract_terms == "monthly" else contract_terms


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """A validated handoff body (the API's serializer builds it)."""

    customer_id: str
    deal_value: int
    contract_terms: str
    onboarding_start: date
    first_check_in: date
    success_manager: str
    key_stakeholders: tuple[str, ...] = ()
    success_criteria: tuple[str, ...] = ()
    sales_notes: str = ""
    contract_id: str | None = None
    name: str | None = None
    segment: str | None = None
    seats: int | None = None


def _check(request: HandoffRequest) -> customers_read.CsmLoad:
    if request.first_check_in < request.onboarding_start:
        raise handoff_invalid(
            "success_initiation.first_check_in",
            "first_check_in cannot be before onboarding_start.",
            "check_in_before_onboarding",
        )
    term = finance_term(request.contract_terms)
    if annual_value_of(Decimal(request.deal_value), term) > MAX_AMOUNT:
        raise handoff_invalid(
            "handoff_data.deal_value",
            f"The annual value (deal_value x 12 / term months) must be at most {MAX_AMOUNT}.",
            "max_value",
        )
    csm = customers_read.team_member_loads([request.success_manager]).get(
        request.success_manager.lower()
    )
    attr = "success_initiation.success_manager"
    if csm is None:
        raise handoff_invalid(
            attr, f"No team member with email {request.success_manager}.", "unknown_team_member"
        )
    if not csm.active:
        raise handoff_invalid(
            attr, f"{request.success_manager} is not an active CSM.", "inactive_team_member"
        )
    return csm


def _customer(request: HandoffRequest, csm: customers_read.CsmLoad) -> tuple[Customer, bool]:
    """The customer, created if new, locked, with the handoff's fields and CSM applied."""
    values: dict[str, Any] = {"success_manager": csm.email}
    if request.name is not None:
        values["name"] = request.name
    if request.segment is not None:
        values["segment"] = request.segment
    if request.seats is not None:
        values["licensed_seats"] = request.seats
    try:
        customer = customers_read.customer_get(request.customer_id)
    except CustomerNotFound:
        annual = annual_value_of(Decimal(request.deal_value), finance_term(request.contract_terms))
        default_segment = next(
            (s for floor, s in SEGMENT_BY_ARR if annual >= floor), Segment.SMALL_BUSINESS
        )
        new = {"customer_id": request.customer_id, "name": request.customer_id}
        new["segment"] = default_segment
        try:
            created = customer_services.customer_create(
                data={**new, **values}, source=StageChangeSource.HANDOFF
            )
            return created, True
        except CustomerAlreadyExists:  # created meanwhile (a racing handoff, an import)
            customer = customers_read.customer_get(request.customer_id)
    lock(customer, missing=CustomerNotFound())  # racing handoffs of one customer queue here
    existing = handoff_id_of(customer.pk)
    if existing is not None:
        raise HandoffExists(existing)
    customer_services.customer_update(
        customer=customer, data=values, source=StageChangeSource.HANDOFF, reason="sales handoff"
    )
    return customer, False


def _named_contract(contract_id: str, customer: Customer) -> tuple[int, str] | None:
    """The contract finance has under `contract_id` when it is this customer's; another
    customer's is 400."""
    known = finance_read.contract_refs([contract_id]).get(contract_id)
    if known is None:
        return None
    if known.customer_pk != customer.pk:
        raise handoff_invalid(
            "handoff_data.contract_id",
            "This contract belongs to another customer.",
            "contract_of_another_customer",
        )
    return known.pk, contract_id


def _contract(request: HandoffRequest, customer: Customer) -> tuple[int, str]:
    """The contract's primary key and contract_id: the one named by `contract_id` when finance
    has it already (sales names the contract the finance system made), else a new one."""
    term = finance_term(request.contract_terms)
    if request.contract_id and (named := _named_contract(request.contract_id, customer)):
        return named
    start = request.onboarding_start
    data = {
        "contract_id": request.contract_id or new_public_id("ctr"),
        "customer": customer,
        "start_date": start,
        "end_date": date.fromordinal(add_months(start, term_months(term)).toordinal() - 1),
        "value": Decimal(request.deal_value),
        "term": term,
    }
    try:
        with transaction.atomic():  # a savepoint: the unique contract_id may refuse the insert
            contract = finance_services.contract_save(data=data)
    except IntegrityError:
        # The named contract was made meanwhile (another customer's racing handoff, an
        # ingest): answered as if it had been there at the look-up.
        named = _named_contract(request.contract_id, customer) if request.contract_id else None
        if named is None:
            raise
        return named
    return contract.pk, contract.contract_id


@transaction.atomic
def handoff_complete(
    *, request: HandoffRequest, as_of: date | None = None, now: datetime | None = None
) -> Handoff:
    """Complete a handoff (see the module docstring). `as_of` is the baseline's day (default
    today) and `now` the completion time: the demo backdates handoffs with them."""
    now = now or timezone.now()
    as_of = as_of or today(now)
    csm = _check(request)
    customer, created = _customer(request, csm)
    contract_pk, contract_id = _contract(request, customer)
    customer_services.stakeholders_add(customer=customer, emails=request.key_stakeholders)
    baseline = baseline_at(
        customer_pk=customer.pk, licensed_seats=customer.licensed_seats, as_of=as_of
    )
    start = request.onboarding_start
    plan = customer_services.success_plan_create(
        customer=customer,
        title=f"{customer.name}: onboarding success plan",
        objectives=objectives_for(list(request.success_criteria), baseline, start),
        start_date=start,
        milestones=[{"title": KICKOFF_TITLE, "due_date": start}],
    )
    task = operations_services.task_create(
        customer=customer,
        kind=TaskKind.CHECK_IN,
        title=f"First check-in with {customer.name}",
        due_at=timezone.make_aware(datetime.combine(request.first_check_in, CHECK_IN_HOUR)),
        owner=customer.success_manager,
    )
    handoff_id = new_handoff_id()
    customer_services.customer_change_stage(
        customer=customer,
        to_stage=LifecycleStage.ONBOARDING,
        source=StageChangeSource.HANDOFF,
        reason=f"sales handoff {handoff_id}",
        enforce=False,  # a handoff starts the customer's journey, whatever stage it was in
    )
    handoff = _insert(
        handoff_id=handoff_id,
        customer=customer,
        created_customer=created,
        deal_value=Decimal(request.deal_value),
        contract_terms=request.contract_terms,
        key_stakeholders=list(request.key_stakeholders),
        success_criteria=list(request.success_criteria),
        sales_notes=request.sales_notes,
        onboarding_start=start,
        first_check_in=request.first_check_in,
        success_manager_id=csm.pk,
        contract_id=contract_pk,
        plan=plan,
        check_in_task=task,
        warnings=_capacity_warnings(csm.email),
        completed_at=now,
        **baseline_fields(baseline),
    )
    events.publish(
        "handoff.completed",
        customer_id=customer.customer_id,
        data={
            "handoff_id": handoff.handoff_id,
            "success_manager": csm.email,
            "contract_id": contract_id,
            "plan_id": plan.plan_id,
            "check_in_task_id": task.task_id,
            "onboarding_start": start.isoformat(),
            "first_check_in": request.first_check_in.isoformat(),
            "deal_value": request.deal_value,
            "customer_created": created,
        },
    )
    return handoff


def _capacity_warnings(email: str) -> list[dict[str, str]]:
    """Over capacity is accepted with a warning: read after the assignment and the stage
    change (a churned customer won back counts again), in this transaction."""
    load = customers_read.team_member_loads([email])[email.lower()]
    if not load.over_capacity:
        return []
    return [
        {
            "code": OVER_CAPACITY,
            "detail": f"{load.email} now carries {load.assigned} active accounts, over a "
            f"capacity of {load.capacity}.",
        }
    ]


def _insert(*, customer: Customer, **values: Any) -> Handoff:
    """The handoff row in a savepoint: a racing handoff that committed first makes the unique
    customer refuse it, answered as the 409 naming that handoff."""
    try:
        with transaction.atomic():
            return Handoff.objects.create(customer=customer, **values)
    except IntegrityError:
        existing = handoff_id_of(customer.pk)
        if existing is None:
            raise
        raise HandoffExists(existing) from None


def handoff_request(data: Mapping[str, Any]) -> HandoffRequest:
    """The API's validated body as a HandoffRequest."""
    body, init = data["handoff_data"], data["success_initiation"]
    return HandoffRequest(
        customer_id=data["customer_id"],
        name=data.get("name"),
        segment=data.get("segment"),
        seats=data.get("seats"),
        deal_value=body["deal_value"],
        contract_terms=body["contract_terms"],
        key_stakeholders=tuple(body.get("key_stakeholders", ())),
        success_criteria=tuple(body.get("success_criteria", ())),
        sales_notes=body.get("sales_notes", ""),
        contract_id=body.get("contract_id"),
        onboarding_start=init["onboarding_start"],
        first_check_in=init["first_check_in"],
        success_manager=init["success_manager"],
    )
