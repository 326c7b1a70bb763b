"""Bulk item schemas for contracts, invoices, expansion opportunities and value records."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customers.bulk_schema import CUSTOMER_REF
from integrations.bulk import (
    BulkSchema,
    Reference,
    Spec,
    batch_error,
    choices_of,
    not_after_tomorrow,
    refuse,
)
from integrations.ids import (
    KEY_MESSAGE,
    NAME_PATTERN,
    QUARTER_MESSAGE,
    QUARTER_PATTERN,
    fullmatch,
    is_key,
)
from integrations.money import MAX_MONEY_COLUMN

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
MAX_AMOUNT = MAX_MONEY_COLUMN  # the money columns (14 digits, 2 decimals)
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


# --- the forecast request (POST /api/v1/cs-finance/forecast; README "Finance: forecasts") --

MAX_FORECAST_CUSTOMERS = 10_000
MAX_RISK_FACTORS = 20
_FORECAST_FIELDS = {"forecast_period", "customer_forecasts", "aggregate_metrics"}
_AGGREGATE_FIELDS = {"total_forecasted_revenue", "confidence_level", "risk_adjusted_value"}
_LINE_FIELDS = {
    "customer_id",
    "renewal_probability",
    "expansion_probability",
    "expansion_value",
    "risk_factors",
}
_PROBABILITIES = ("renewal_probability", "expansion_probability")


def _probability(value: Any) -> str | None:
    """Why `value` is not a probability (a JSON number in [0, 1]), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "A number between 0 and 1 is required (a JSON number)."
    return None if 0 <= value <= 1 else "Must be between 0 and 1."


def _whole_units(value: Any, limit: Decimal) -> str | None:
    """Why `value` is not a non-negative whole amount (a JSON integer) up to `limit`, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "A whole number of currency units is required (a JSON integer)."
    return None if 0 <= value <= limit else f"Must be between 0 and {limit}."


def _risk_factors(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "Must be a list of strings."
    if len(value) > MAX_RISK_FACTORS or any(not fullmatch(NAME_PATTERN, v) for v in value):
        return f"At most {MAX_RISK_FACTORS} names like contract_renewal_timing."
    return None


def _line_errors(index: int, item: Any) -> list[dict[str, Any]]:
    if not isinstance(item, dict):
        return [_item_error(index, None, "not_an_object", "Each item must be a JSON object.")]
    errors = [
        _item_error(index, str(name), "unknown_field", "Unknown field.")
        for name in sorted(item.keys() - _LINE_FIELDS, key=str)
    ]
    for name in sorted(_LINE_FIELDS - {"risk_factors"} - item.keys()):
        errors.append(_item_error(index, name, "required", "This field is required."))
    checks: dict[str, Any] = {
        "customer_id": lambda v: None if is_key(v) else f"Must be {KEY_MESSAGE}",
        **dict.fromkeys(_PROBABILITIES, _probability),
        "expansion_value": lambda v: _whole_units(v, MAX_WHOLE_AMOUNT),
        "risk_factors": _risk_factors,
    }
    for name, check in checks.items():
        problem = check(item[name]) if name in item else None
        if problem:
            errors.append(_item_error(index, name, "invalid", problem))
    return errors


def validate_forecast(body: Any) -> dict[str, Any]:
    """The cleaned forecast request with each line's customer primary key, or
    BulkValidationError listing every problem: body fields with `index` null, lines with
    their `index` and `field`, duplicate and unknown customers included."""
    if not isinstance(body, dict):
        raise batch_error("not_an_object", "The body must be a JSON object.")
    errors = [
        _item_error(None, str(name), "unknown_field", "Unknown field.")
        for name in sorted(body.keys() - _FORECAST_FIELDS, key=str)
    ]
    errors += [
        _item_error(None, name, "required", "This field is required.")
        for name in sorted(_FORECAST_FIELDS - body.keys())
    ]
    period = body.get("forecast_period")
    if "forecast_period" in body and not (
        isinstance(period, str) and fullmatch(QUARTER_PATTERN, period)
    ):
        errors.append(_item_error(None, "forecast_period", "invalid", QUARTER_MESSAGE))
    aggregate = body.get("aggregate_metrics")
    if "aggregate_metrics" in body:
        errors += _aggregate_errors(aggregate)
    lines = body.get("customer_forecasts")
    customer_pks: list[Any] = []
    if "customer_forecasts" in body:
        if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_FORECAST_CUSTOMERS:
            detail = f"A list of 1 to {MAX_FORECAST_CUSTOMERS} customer forecasts."
            errors.append(_item_error(None, "customer_forecasts", "invalid", detail))
            lines = []
        seen: dict[str, int] = {}
        valid: list[dict[str, Any]] = []
        for index, item in enumerate(lines):
            found = _line_errors(index, item)
            errors += found
            customer = item.get("customer_id") if isinstance(item, dict) else None
            if not any(e["field"] == "customer_id" for e in found) and customer is not None:
                first = seen.setdefault(customer, index)
                if first != index:
                    detail = f"Duplicate of item {first}: one line per customer."
                    errors.append(_item_error(index, "customer_id", "duplicate_key", detail))
                valid.append({"customer_id": customer} if first == index else {})
            else:
                valid.append({})
        customer_pks, unknown = CUSTOMER_REF.resolve(valid)
        errors += unknown
    refuse(errors)
    return {
        "period": period,
        "lines": [{"risk_factors": [], **line} for line in lines or ()],
        "customer_pks": customer_pks,
        "aggregate": aggregate,
    }


def _aggregate_errors(aggregate: Any) -> list[dict[str, Any]]:
    field = "aggregate_metrics"
    if not isinstance(aggregate, dict):
        return [_item_error(None, field, "invalid", "Must be a JSON object.")]
    errors = [
        _item_error(None, f"{field}.{name}", "unknown_field", "Unknown field.")
        for name in sorted(aggregate.keys() - _AGGREGATE_FIELDS, key=str)
    ]
    errors += [
        _item_error(None, f"{field}.{name}", "required", "This field is required.")
        for name in sorted(_AGGREGATE_FIELDS - aggregate.keys())
    ]
    checks: dict[str, Any] = {
        "total_forecasted_revenue": lambda v: _whole_units(v, MAX_FORECAST_TOTAL),
        "risk_adjusted_value": lambda v: _whole_units(v, MAX_FORECAST_TOTAL),
        "confidence_level": _probability,
    }
    for name, check in checks.items():
        problem = check(aggregate[name]) if name in aggregate else None
        if problem:
            errors.append(_item_error(None, f"{field}.{name}", "invalid", problem))
    return errors


# The forecast totals' columns hold 16 digits before the point.
MAX_FORECAST_TOTAL = Decimal(9_999_999_999_999_999)


def _item_error(index: int | None, field: str | None, code: str, detail: str) -> dict[str, Any]:
    return {"index": index, "field": field, "code": code, "detail": detail}
