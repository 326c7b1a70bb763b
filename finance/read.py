"""Finance's public read API: what higher apps (sales, marketing, ...) read from `finance`.
Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number
of queries. Higher apps import this module (and `finance.models` for foreign keys and type
hints only); import-linter enforces it (pyproject, "Public read APIs")."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from customers.models import Customer

from .choices import ContractStatus
from .measures import PaymentFacts, payment_facts
from .models import Contract
from .selectors import customer_arr

__all__ = ["ContractEnding", "PaymentFacts", "arr", "contracts_ending", "payment_status"]


def arr(customer_pks: Sequence[int]) -> dict[int, Decimal]:
    """ARR (Σ annual_value of active contracts) per customer that has any. One query."""
    rows = (
        Customer.objects.filter(pk__in=customer_pks)
        .annotate(arr=customer_arr("pk"))
        .filter(arr__isnull=False)
        .values_list("pk", "arr")
    )
    return dict(rows)


@dataclass(frozen=True, slots=True)
class ContractEnding:
    contract_id: str
    end_date: date
    annual_value: Decimal


def contracts_ending(
    customer_pks: Sequence[int], *, after: date, until: date
) -> dict[int, tuple[ContractEnding, ...]]:
    """Active contracts with end_date in (after, until], by end date. One query."""
    rows = (
        Contract.objects.filter(
            customer_id__in=customer_pks,
            status=ContractStatus.ACTIVE,
            end_date__gt=after,
            end_date__lte=until,
        )
        .order_by("end_date", "contract_id")
        .values_list("customer_id", "contract_id", "end_date", "annual_value")
    )
    found: dict[int, list[ContractEnding]] = {}
    for customer_pk, contract_id, end_date, annual_value in rows:
        found.setdefault(customer_pk, []).append(
            ContractEnding(contract_id, end_date, annual_value)
        )
    return {pk: tuple(items) for pk, items in found.items()}


def payment_status(customer_pks: Sequence[int], as_of: date) -> dict[int, PaymentFacts]:
    """The facts behind the `financial` measure (README): payment_status, overdue invoices and
    amount, invoices paid late; customers with an invoice considered. One query."""
    return payment_facts(customer_pks, as_of)
