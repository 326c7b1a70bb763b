"""Bulk item schemas for contracts, invoices, expansion opportunities and value records."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customers.bulk_schema import CUSTOMER_REF
from integrations.bulk import BulkSchema, Reference, Spec, choices_of, not_after_tomorrow
from integrations.ids import QUARTER_MESSAGE, QUARTER_PATTERN

from .choices import (
    ContractStatus,
    OpportunitySource,
    OpportunityStatus,
    OpportunityType,
    ValueCategory,
)
from .models import TERM_RE, annual_value_of
from .selectors import contract_pks

# Decimal(14, 2) holds at most twelve digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")  # the money columns (14 digits, 2 decimals)
MAX_WHOLE_AMOUNT = Decimal(999_999_999_999)  # the largest whole-units input they hold
EARLIEST = date(1900, 1, 1)


def _plausible(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST:
        raise ValueError(f"Must not be earlier than {EARLIEST.isoformat()}.")


def _paid_at(value: datetime) -> None:
    _plausible(value)
    not_after_tomorrow(value)


def _issued_on(value: date) -> None:
    _plausible(value)
    not_after_tomorrow(value)


def _contract_dates(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    if item["end_date"] <= item["start_date"]:
        yield "end_date", "invalid", "end_date must be after start_date."


def _not_self_renewal(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    if item.get("renewed_from") == item["contract_id"]:
        yield "renewed_from", "invalid", "A contract cannot renew itself."


def _annual_value_fits(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """value x 12 / months is stored as the contract's ARR: a huge value on a short term
    would not fit the column (a 500 before this check)."""
    if (
        "value" in item
        and "term" in item
        and annual_value_of(item["value"], item["term"]) > MAX_AMOUNT
    ):
        yield (
            "value",
            "max_value",
            f"The annual value (value x 12 / term months) must be at most {MAX_AMOUNT}.",
        )


def _invoice_dates(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    if item["due_on"] < item["issued_on"]:
        yield "due_on", "invalid", "due_on must not be before issued_on."


CONTRACT_SCHEMA = BulkSchema(
    specs=[
        Spec("contract_id", kind="key", doc="e.g. ctr_2024_001"),
        Spec("customer_id", kind="key"),
        Spec("start_date", kind="date", check=_plausible),
        Spec("end_date", kind="date", check=_plausible, doc="After start_date."),
        Spec(
            "value",
            kind="money",
            min_value=Decimal(0),
            max_value=MAX_WHOLE_AMOUNT,
            doc="Total contract value in whole currency units (a JSON integer).",
        ),
        Spec(
            "term",
            max_length=20,
            pattern=TERM_RE,
            pattern_message="A term like 1_year, 3_year or 6_month (1-99 years or months).",
            doc="e.g. 1_year, 3_year, 6_month",
        ),
        # Left out: a new contract is active; an existing one keeps its status.
        Spec(
            "status",
            required=False,
            **choices_of(ContractStatus),
            doc="Default for new: active.",
        ),
        Spec(
            "renewed_from",
            kind="key",
            required=False,
            nullable=True,
            doc="contract_id of the previous contract, existing or in this batch; or null.",
        ),
    ],
    natural_key=("contract_id",),
    item_checks=[_contract_dates, _not_self_renewal, _annual_value_fits],
    references=[
        CUSTOMER_REF,
        # A renewal may name a contract that arrives in the same batch.
        Reference(
            "renewed_from",
            contract_pks,
            "unknown_contract",
            "No contract with contract_id {value}, in the database or in this batch.",
            in_batch="contract_id",
        ),
    ],
)

INVOICE_SCHEMA = BulkSchema(
    specs=[
        Spec("invoice_id", kind="key", doc="e.g. inv_2026_0042"),
        Spec("customer_id", kind="key"),
        Spec("issued_on", kind="date", check=_issued_on, doc="Not later than tomorrow."),
        Spec("due_on", kind="date", check=_plausible, doc="Not before issued_on."),
        Spec(
            "amount",
            kind="money",
            min_value=Decimal(0),
            max_value=MAX_WHOLE_AMOUNT,
            doc="Whole currency units (a JSON integer).",
        ),
        # Left out: a new invoice is unpaid; an existing one keeps its payment.
        Spec(
            "paid_at",
            kind="datetime",
            required=False,
            nullable=True,
            check=_paid_at,
            doc="When it was paid; null while unpaid.",
        ),
    ],
    natural_key=("invoice_id",),
    item_checks=[_invoice_dates],
    references=[CUSTOMER_REF],
)


def _closed_on(value: date) -> None:
    _plausible(value)
    not_after_tomorrow(value)


_CLOSED = ("closed_value", "closed_on")


def closing_problems(item: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """A won opportunity has its closed_value and closed_on, a lost one its closed_on, an open
    one neither. They come with the status they belong to, so an item is checked alone."""
    status = item.get("status")
    if status is None:
        if any(name in item for name in _CLOSED):
            yield "status", "required", "Send status with closed_value or closed_on."
        return
    needed = {"won": _CLOSED, "lost": ("closed_on",), "open": ()}[status]
    for name in _CLOSED:
        if name in needed and item.get(name) is None:
            yield name, "required", f"Required when status is {status}."
        elif name not in needed and item.get(name) is not None:
            yield name, "invalid", f"Must be null or left out when status is {status}."


OPPORTUNITY_SCHEMA = BulkSchema(
    specs=[
        Spec("opportunity_id", kind="key", doc="e.g. opp_2026_001"),
        Spec("customer_id", kind="key"),
        Spec("type", **choices_of(OpportunityType)),
        Spec("product", max_length=200, doc="A feature id or a product name."),
        Spec(
            "value",
            kind="money",
            min_value=Decimal(0),
            max_value=MAX_WHOLE_AMOUNT,
            doc="Expected value in whole currency units (a JSON integer).",
        ),
        Spec("probability", kind="float", min_value=0.0, max_value=1.0, doc="0 to 1."),
        Spec(
            "expected_close",
            max_length=7,
            pattern=QUARTER_PATTERN,
            pattern_message=QUARTER_MESSAGE,
            trim=False,
            doc="A quarter, e.g. q2_2026.",
        ),
        # Left out: a new opportunity is open; an existing one keeps its status.
        Spec("status", required=False, **choices_of(OpportunityStatus), doc="Default: open."),
        Spec(
            "closed_value",
            kind="money",
            required=False,
            nullable=True,
            min_value=Decimal(0),
            max_value=MAX_WHOLE_AMOUNT,
            doc="The value won, whole currency units; required when won, else null. Sent "
            "with status.",
        ),
        Spec(
            "closed_on",
            kind="date",
            required=False,
            nullable=True,
            check=_closed_on,
            doc="Required when won or lost, null while open; not later than tomorrow. Sent "
            "with status.",
        ),
        Spec("source", **choices_of(OpportunitySource)),
    ],
    natural_key=("opportunity_id",),
    item_checks=[closing_problems],
    references=[CUSTOMER_REF],
)

VALUE_RECORD_SCHEMA = BulkSchema(
    specs=[
        Spec("record_id", kind="key", doc="e.g. val_2026_001"),
        Spec("customer_id", kind="key"),
        Spec("date", kind="date", check=_issued_on, doc="Not later than tomorrow."),
        Spec("category", **choices_of(ValueCategory)),
        Spec(
            "amount",
            kind="money",
            min_value=Decimal(0),
            max_value=MAX_WHOLE_AMOUNT,
            doc="Value realised, whole currency units (a JSON integer).",
        ),
        Spec("evidence", required=False, max_length=2000, doc="Text or a link."),
        Spec("recorded_by", kind="email", doc="Who recorded it."),
    ],
    natural_key=("record_id",),
    references=[CUSTOMER_REF],
)
