"""Reads for finance data."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from .choices import ContractStatus
from .models import Contract, ExpansionOpportunity, Invoice, ValueRecord


def contract_list() -> QuerySet[Contract]:
    return Contract.objects.select_related("customer", "renewed_from").only(
        "contract_id",
        "start_date",
        "end_date",
        "value",
        "term",
        "annual_value",
        "status",
        "created_at",
        "updated_at",
        "customer__customer_id",
        "renewed_from__contract_id",
    )


def invoice_list() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("customer").only(
        "invoice_id",
        "issued_on",
        "due_on",
        "amount",
        "paid_at",
        "created_at",
        "updated_at",
        "customer__customer_id",
    )


def opportunity_list() -> QuerySet[ExpansionOpportunity]:
    return ExpansionOpportunity.objects.select_related("customer").only(
        *(f.name for f in ExpansionOpportunity._meta.concrete_fields if f.name != "customer"),
        "customer__customer_id",
    )


def value_record_list() -> QuerySet[ValueRecord]:
    return ValueRecord.objects.select_related("customer").only(
        "record_id",
        "date",
        "category",
        "amount",
        "evidence",
        "recorded_by",
        "created_at",
        "updated_at",
        "customer__customer_id",
    )


def customer_arr(outer_ref: str) -> Subquery:
    """ARR per customer: the sum of annual_value over their active contracts (NULL: none)."""
    active = (
        Contract.objects.filter(customer_id=OuterRef(outer_ref), status=ContractStatus.ACTIVE)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("annual_value"))
        .values("total")[:1]
    )
    return Subquery(active, output_field=DecimalField(max_digits=14, decimal_places=2))


def renewal_outcomes(since: date, as_of: date) -> QuerySet[Any]:
    """Each customer's latest renewal decision ending in (since, as_of]: a contract that was
    renewed (1), or churned or expired without renewal (0); decided_on is its end date."""
    decided = Q(
        status__in=[ContractStatus.RENEWED, ContractStatus.CHURNED, ContractStatus.EXPIRED],
        end_date__gt=since,
        end_date__lte=as_of,
    )
    later = Contract.objects.filter(decided, customer_id=OuterRef("customer_id")).filter(
        Q(end_date__gt=OuterRef("end_date"))
        | Q(end_date=OuterRef("end_date"), pk__gt=OuterRef("pk"))
    )
    return (
        Contract.objects.filter(decided)
        .exclude(Exists(later))
        .order_by()
        .values(
            customer_pk=F("customer_id"),
            decided_on=F("end_date"),
            renewed=Case(When(status=ContractStatus.RENEWED, then=1), default=0),
        )
    )


def contract_pks(contract_ids: Iterable[str]) -> dict[str, int]:
    """contract_id -> primary key for the known ones, in one query."""
    found = Contract.objects.filter(contract_id__in=set(contract_ids))
    return dict(found.values_list("contract_id", "id"))
