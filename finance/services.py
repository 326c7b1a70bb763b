"""Writes for finance data: contracts, invoices, expansion opportunities and value records
ingested from the finance and CRM systems."""

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from integrations import events
from integrations.bulk import refuse
from integrations.clock import today
from integrations.ids import new_public_id
from integrations.money import whole_units
from integrations.upsert import BulkResult, upsert_models, upsert_rows
from integrations.writes import atomic_upsert, lock, serialize

from .bulk_schema import (
    CONTRACT_SCHEMA,
    INVOICE_SCHEMA,
    MAX_AMOUNT,
    MAX_FORECAST_TOTAL,
    OPPORTUNITY_SCHEMA,
    VALUE_RECORD_SCHEMA,
    validate_forecast,
)
from .choices import OpportunityStatus
from .models import (
    Contract,
    ExpansionOpportunity,
    Forecast,
    ForecastLine,
    Invoice,
    ValueRecord,
    annual_value_of,
    quarter_end,
)
from .read import arr
from .renewals.scoring import active_model, renewal_probabilities

CONTRACT_FIELDS = (
    "customer_id",
    "start_date",
    "end_date",
    "value",
    "term",
    "annual_value",
    "status",
)
INVOICE_FIELDS = ("customer_id", "issued_on", "due_on", "amount", "paid_at")
OPPORTUNITY_FIELDS = (
    "customer_id",
    "type",
    "product",
    "value",
    "probability",
    "expected_close",
    "expected_close_date",
    "status",
    "closed_value",
    "closed_on",
    "source",
)
VALUE_RECORD_FIELDS = ("customer_id", "date", "category", "amount", "evidence", "recorded_by")
_LEFT_OUT: Any = object()


def _rows(items: Sequence[dict[str, Any]], customer_pks: Sequence[int]) -> list[dict[str, Any]]:
    """Validated items as model values: `customer_id` becomes the customer's primary key, and
    contracts get their derived annual value."""
    rows = [{**item, "customer_id": pk} for item, pk in zip(items, customer_pks, strict=True)]
    for row in rows:
        if "term" in row:
            row["annual_value"] = annual_value_of(row["value"], row["term"])
    return rows


@transaction.atomic
def contract_save(*, data: Mapping[str, Any], contract: Contract | None = None) -> Contract:
    """One contract added or edited by hand (the admin). `data` holds model values (the
    customer and renewed_from as instances); for an existing contract only the changed
    fields, written on the locked row. The annual value is derived as ingestion derives it."""
    target = Contract() if contract is None else lock(contract, missing=Contract.DoesNotExist())
    for field, value in data.items():
        setattr(target, field, value)
    target.annual_value = annual_value_of(target.value, target.term)
    if contract is None:
        target.save()
    else:
        target.save(update_fields=[*data, "annual_value", "updated_at"])
    return target


@atomic_upsert
def contracts_ingest(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert contracts by contract_id, then link renewals, in one transaction.

    `renewed_from` names a contract that exists already or arrives in the same batch (else
    the item error `unknown_contract`). A reference to a contract that is new in this batch
    can only be resolved once that contract is inserted, so those links are written in a
    second pass. Every existing row that gains such a link changes, so it counts as updated;
    new rows count as created however many passes they take. A bounded number of queries
    for any batch size: customers, referenced contracts, and two upserts.
    """
    customer_pks = CONTRACT_SCHEMA.resolve(items)["customer_id"]  # and renewed_from: all
    batch_ids = {item["contract_id"] for item in items}
    referenced = {item["renewed_from"] for item in items if item.get("renewed_from")}
    known = dict(
        Contract.objects.filter(contract_id__in=batch_ids | referenced).values_list(
            "contract_id", "id"
        )
    )
    rows = _rows(items, customer_pks)

    first: list[dict[str, Any]] = []  # written now, links to known contracts resolved
    relinked: list[dict[str, Any]] = []  # existing rows that will point to a new contract
    links: list[dict[str, Any]] = []  # new rows that will point to a new contract
    for row in rows:
        values = dict(row)
        target = values.pop("renewed_from", _LEFT_OUT)
        if target is _LEFT_OUT:
            first.append(values)
        elif target is None or target in known:
            first.append({**values, "renewed_from_id": known.get(target) if target else None})
        elif row["contract_id"] in known:
            relinked.append({**values, "renewed_from": target})
        else:
            first.append(values)
            links.append({"contract_id": row["contract_id"], "renewed_from": target})
    fields = (*CONTRACT_FIELDS, "renewed_from_id")
    result = upsert_rows(Contract, first, key="contract_id", fields=fields)
    second = relinked + links
    if second:
        new_pks = dict(
            Contract.objects.filter(
                contract_id__in={r["renewed_from"] for r in second}
            ).values_list("contract_id", "id")
        )
        for row in second:
            row["renewed_from_id"] = new_pks[row.pop("renewed_from")]
        upsert_rows(Contract, second, key="contract_id", fields=fields)
    return BulkResult(
        created=result.created,
        updated=result.updated + len(relinked),
        unchanged=result.unchanged,
    )


@atomic_upsert
def invoices_ingest(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert invoices by invoice_id; rows whose values already match are left alone."""
    rows = _rows(items, INVOICE_SCHEMA.resolve(items)["customer_id"])
    return upsert_rows(Invoice, rows, key="invoice_id", fields=INVOICE_FIELDS)


@atomic_upsert
def opportunities_ingest(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert expansion opportunities by opportunity_id, and publish `opportunity.won` once
    for each that becomes won (created as won, or moved to won); a re-sent batch publishes
    nothing. The closing fields come with their status (bulk_schema): an item that sets the
    status clears the closing fields it leaves out, so an open row never keeps a won value."""
    rows = _rows(items, OPPORTUNITY_SCHEMA.resolve(items)["customer_id"])
    for row in rows:
        if "expected_close" in row:
            row["expected_close_date"] = quarter_end(row["expected_close"])
        if "status" in row:
            row.setdefault("closed_value", None)
            row.setdefault("closed_on", None)
    done = upsert_models(
        ExpansionOpportunity, rows, key="opportunity_id", fields=OPPORTUNITY_FIELDS
    )
    won = [o for o in done.created if o.status == OpportunityStatus.WON]
    won += [
        o for o, before in done.updated if "status" in before and o.status == OpportunityStatus.WON
    ]
    customer_ids = {item["opportunity_id"]: item["customer_id"] for item in items}
    events.publish_many(
        (
            "opportunity.won",
            customer_ids[o.opportunity_id],
            {
                "opportunity_id": o.opportunity_id,
                "type": o.type,
                "product": o.product,
                "closed_value": whole_units(o.closed_value),
                "source": o.source,
            },
        )
        for o in sorted(won, key=lambda o: o.opportunity_id)
    )
    return done.result


@atomic_upsert
def value_records_ingest(*, items: Sequence[dict[str, Any]]) -> BulkResult:
    """Upsert value records by record_id; rows whose values already match are left alone."""
    rows = _rows(items, VALUE_RECORD_SCHEMA.resolve(items)["customer_id"])
    return upsert_rows(ValueRecord, rows, key="record_id", fields=VALUE_RECORD_FIELDS)


_CENT = Decimal("0.01")
_VERSION_ATTEMPTS = 5


def _weighted(amount: Decimal, probability: float) -> Decimal:
    return (amount * Decimal(repr(probability))).quantize(_CENT, ROUND_HALF_UP)


def _out_of_range(rows: list[ForecastLine], total: Decimal) -> list[dict[str, Any]]:
    """Item errors for amounts the forecast's columns cannot hold: a customer's ARR (Σ of its
    active contracts, each up to MAX_AMOUNT) can exceed one column; the total, 10,000 lines."""
    errors = [
        {
            "index": row.position,
            "field": "customer_id",
            "code": "out_of_range",
            "detail": f"The customer's ARR ({row.arr}) is more than a forecast line holds "
            f"({MAX_AMOUNT}).",
        }
        for row in rows
        if row.arr > MAX_AMOUNT
    ]
    if not errors and total > MAX_FORECAST_TOTAL:
        detail = f"The computed total ({total}) is more than a forecast holds."
        errors.append(
            {"index": None, "field": "customer_forecasts", "code": "out_of_range", "detail": detail}
        )
    return errors


@transaction.atomic
def forecast_submit(*, body: Any, submitted_by: str = "") -> Forecast:
    """Record a new version of a quarter's forecast, recomputed from the database (README,
    "Finance: forecasts"). `body` is the request as sent: every problem (lines by `index`
    and `field`, unknown customers included) is refused at once (BulkValidationError). The
    version is max + 1 for the period: a concurrent submission taking the same number fails
    on the unique (period, version) index inside a savepoint and takes the next one."""
    clean = validate_forecast(body)
    period, lines, customer_pks = clean["period"], clean["lines"], clean["customer_pks"]
    aggregate = clean["aggregate"]
    arrs = arr(customer_pks)
    # What the model said at submission is stored: a later fit must not rewrite the check.
    spec = active_model()
    scores = renewal_probabilities(customer_pks, today(), spec) if spec else {}
    rows: list[ForecastLine] = []
    for position, (line, pk) in enumerate(zip(lines, customer_pks, strict=True)):
        customer_arr = arrs.get(pk, Decimal(0))
        scored = scores.get(pk)
        rows.append(
            ForecastLine(
                position=position,
                customer_id=pk,
                renewal_probability=line["renewal_probability"],
                expansion_probability=line["expansion_probability"],
                expansion_value=Decimal(line["expansion_value"]),
                risk_factors=list(line["risk_factors"]),
                arr=customer_arr,
                expected_renewal=_weighted(customer_arr, line["renewal_probability"]),
                expected_expansion=_weighted(
                    Decimal(line["expansion_value"]), line["expansion_probability"]
                ),
                model_renewal_probability=scored.probability if scored else None,
                model_version=spec.version if spec else None,
            )
        )
    renewal = sum((r.expected_renewal for r in rows), Decimal(0))
    expansion = sum((r.expected_expansion for r in rows), Decimal(0))
    refuse(_out_of_range(rows, renewal + expansion))
    values = {
        "period": period,
        "submitted_by": submitted_by,
        "submitted_total": Decimal(aggregate["total_forecasted_revenue"]),
        "submitted_risk_adjusted": Decimal(aggregate["risk_adjusted_value"]),
        "confidence_level": aggregate["confidence_level"],
        "expected_renewal": renewal,
        "expected_expansion": expansion,
        "total": renewal + expansion,
        "risk_adjusted": renewal + expansion,
    }
    # Submissions of one period take their numbers one at a time (until commit): with many at
    # once, a retry on the unique index alone could lose more races than it has attempts.
    serialize(f"finance.forecast:{period}")
    for attempt in range(_VERSION_ATTEMPTS):
        latest = Forecast.objects.filter(period=period).aggregate(v=Max("version"))["v"]
        try:
            with transaction.atomic():
                forecast = Forecast.objects.create(
                    forecast_id=new_public_id("fcst"), version=(latest or 0) + 1, **values
                )
            break
        except IntegrityError:
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
    for row in rows:
        row.forecast = forecast
    ForecastLine.objects.bulk_create(rows, batch_size=1000)
    events.publish(
        "forecast.submitted",
        data={
            "forecast_id": forecast.forecast_id,
            "forecast_period": period,
            "version": forecast.version,
            "customers": len(rows),
            "total_forecasted_revenue": int(forecast.total.quantize(0, ROUND_HALF_UP)),
        },
    )
    return forecast
