"""Reads for finance data."""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)

from customers.models import Customer
from integrations.clock import DayWindow, quarter_bounds
from integrations.money import whole_units
from integrations.rounding import round_half_up
from operations.read import intervention_dates

from .choices import ContractStatus, PaymentStatus
from .errors import ForecastNotFound, NoForecastForPeriod, PeriodNotOver
from .models import Contract, ExpansionOpportunity, Forecast, ForecastLine, Invoice, ValueRecord


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


# --- forecasts (README, "Finance: forecasts") ----------------------------------------------

CONSISTENCY_TOLERANCE = Decimal("0.01")  # |submitted - computed| <= 1 % of submitted
MODEL_REASON = "no renewal model fitted yet"


def _with_lines(forecasts: QuerySet[Forecast]) -> QuerySet[Forecast]:
    lines = ForecastLine.objects.select_related("customer").only(
        *(f.name for f in ForecastLine._meta.concrete_fields if f.name != "customer"),
        "customer__customer_id",
    )
    return forecasts.prefetch_related(Prefetch("lines", queryset=lines))


def forecast_get(forecast_id: str) -> Forecast:
    """One forecast with its lines (two queries), or ForecastNotFound."""
    found = _with_lines(Forecast.objects.filter(forecast_id=forecast_id)).first()
    if found is None:
        raise ForecastNotFound()
    return found


def forecast_latest(period: str | None) -> Forecast:
    """The latest version for `period` (None: the most recently submitted forecast of any
    period), with its lines; NoForecastForPeriod when there is none."""
    if period is None:
        forecasts = Forecast.objects.order_by("-submitted_at", "-id")
    else:
        forecasts = Forecast.objects.filter(period=period).order_by("-version")
    found = _with_lines(forecasts).first()
    if found is None:
        raise NoForecastForPeriod()
    return found


def forecast_versions(period: str) -> list[dict[str, Any]]:
    """Every version of `period`, newest first: forecast_id, version, submitted_at."""
    rows = Forecast.objects.filter(period=period).order_by("-version")
    return [dict(row) for row in rows.values("forecast_id", "version", "submitted_at")]


def _comparison(submitted: Decimal, computed: Decimal) -> dict[str, Any]:
    difference = submitted - computed
    return {
        "submitted": submitted,
        "computed": computed,
        "difference": difference,
        "consistent": abs(difference) <= CONSISTENCY_TOLERANCE * submitted,
    }


def forecast_document(forecast: Forecast) -> dict[str, Any]:
    """The forecast as the API returns it (lines from `forecast_get`/`forecast_latest`)."""
    comparison = {
        "total_forecasted_revenue": _comparison(forecast.submitted_total, forecast.total),
        "risk_adjusted_value": _comparison(
            forecast.submitted_risk_adjusted, forecast.risk_adjusted
        ),
    }
    return {
        "forecast_id": forecast.forecast_id,
        "forecast_period": forecast.period,
        "version": forecast.version,
        "submitted_at": forecast.submitted_at,
        "customer_forecasts": [
            {
                "customer_id": line.customer.customer_id,
                "renewal_probability": line.renewal_probability,
                "expansion_probability": line.expansion_probability,
                "expansion_value": line.expansion_value,
                "risk_factors": line.risk_factors,
                "arr": line.arr,
                "expected_renewal_revenue": line.expected_renewal,
                "expected_expansion_revenue": line.expected_expansion,
                "model_renewal_probability": None,
                "model_reason": MODEL_REASON,
            }
            for line in forecast.lines.all()
        ],
        "aggregate_metrics": {
            "total_forecasted_revenue": forecast.submitted_total,
            "confidence_level": forecast.confidence_level,
            "risk_adjusted_value": forecast.submitted_risk_adjusted,
        },
        "computed_metrics": {
            "expected_renewal_revenue": forecast.expected_renewal,
            "expected_expansion_revenue": forecast.expected_expansion,
            "total_forecasted_revenue": forecast.total,
            "risk_adjusted_value": forecast.risk_adjusted,
        },
        "comparison": comparison,
        "consistent": all(c["consistent"] for c in comparison.values()),
    }


def _won_expansion(customer_pks: Sequence[int], period: str) -> dict[int, Decimal]:
    """Won expansion revenue per customer in `period`: the closed_value of opportunities won
    with closed_on in the quarter (customers without any are absent, i.e. 0)."""
    from .read import expansion_revenue  # read builds on these selectors: import when called

    won = expansion_revenue(customer_pks, DayWindow(*quarter_bounds(period)))
    return {pk: revenue.won_value for pk, revenue in won.items()}


def _error(forecast: Decimal, actual: Decimal) -> dict[str, Any]:
    absolute = abs(forecast - actual)
    percent = None if actual == 0 else float(absolute / actual * 100)
    return {"forecast": forecast, "actual": actual, "absolute_error": absolute, "percent": percent}


def forecast_accuracy(forecast: Forecast, today: date) -> dict[str, Any]:
    """Forecast vs actuals once the quarter is over (README, "Finance: forecasts"), in three
    queries: renewed ARR and renewal decisions of contracts ending in the quarter."""
    first, last = quarter_bounds(forecast.period)
    if today <= last:
        raise PeriodNotOver(last)
    lines = list(forecast.lines.all())
    pks = [line.customer_id for line in lines]
    decided = Contract.objects.filter(
        customer_id__in=pks,
        end_date__gte=first,
        end_date__lte=last,
        status__in=[ContractStatus.RENEWED, ContractStatus.CHURNED, ContractStatus.EXPIRED],
    ).values_list("customer_id", "status", "annual_value")
    renewed: dict[int, Decimal] = {}
    outcomes: list[tuple[int, int]] = []
    for customer_pk, status, annual_value in decided:
        outcome = int(status == ContractStatus.RENEWED)
        outcomes.append((customer_pk, outcome))
        if outcome:
            renewed[customer_pk] = renewed.get(customer_pk, Decimal(0)) + annual_value
    won = _won_expansion(pks, forecast.period)
    probability = {line.customer_id: line.renewal_probability for line in lines}
    customers = []
    for line in lines:
        renewed_revenue = renewed.get(line.customer_id, Decimal(0))
        won_revenue = won.get(line.customer_id, Decimal(0))
        customers.append(
            {
                "customer_id": line.customer.customer_id,
                "actual_renewed_revenue": renewed_revenue,
                "actual_expansion_revenue": won_revenue,
                **_error(
                    line.expected_renewal + line.expected_expansion,
                    renewed_revenue + won_revenue,
                ),
            }
        )
    brier = (
        sum((probability[pk] - outcome) ** 2 for pk, outcome in outcomes) / len(outcomes)
        if outcomes
        else None
    )
    return {
        "forecast_id": forecast.forecast_id,
        "forecast_period": forecast.period,
        "period_ends_on": last,
        "customers": customers,
        "total": _error(
            sum((c["forecast"] for c in customers), Decimal(0)),
            sum((c["actual"] for c in customers), Decimal(0)),
        ),
        "brier_score": brier,
        "decided_contracts": len(outcomes),
        "brier_reason": None if outcomes else "no renewal decided in the period",
    }


# Value realisation (README, "Finance: value realisation").
CHURN_PREVENTION_DAYS = 180
NO_RENEWAL_MODEL = "no renewal model fitted yet"
# finance.measures' finer bucket -> the spec's three payment states.
PAYMENT_STATE = {
    PaymentStatus.CURRENT: "current",
    PaymentStatus.OVERDUE_1_15: "overdue",
    PaymentStatus.OVERDUE_16_30: "overdue",
    PaymentStatus.OVERDUE_31_60: "delinquent",
    PaymentStatus.OVERDUE_60_PLUS: "delinquent",
}


def _months_between(first: date, last: date) -> int:
    """Whole calendar months from `first` to `last` (a month counts once its day is reached)."""
    months = (last.year - first.year) * 12 + last.month - first.month
    return max(0, months - (last.day < first.day))


def _timeline(
    first_start: date | None, contracted: Decimal, records: list[tuple[date, Decimal]], as_of: date
) -> dict[str, Any]:
    if first_start is None:
        return {
            "realization_timeline": None,
            "realization_months": None,
            "reached": None,
            "timeline_reason": "no contract",
        }
    reached_on, running = None, Decimal(0)
    for day, amount in records:
        running += amount
        if contracted > 0 and running >= contracted:
            reached_on = day
            break
    months = _months_between(first_start, reached_on or as_of)
    return {
        "realization_timeline": f"{months}_months",
        "realization_months": months,
        "reached": reached_on is not None,
        "timeline_reason": None,
    }


def _prevented(end_date: date, interventions: tuple[date, ...]) -> bool:
    """A renewal decided within 180 days after (or on the day of) an at-risk intervention."""
    return any(0 <= (end_date - day).days <= CHURN_PREVENTION_DAYS for day in interventions)


def customer_value(customer: Customer, as_of: date) -> dict[str, Any]:
    """Value realisation, revenue attribution and financial health of one customer, from rows
    (README, "Finance: value realisation"). Eight queries whatever the customer's history."""
    from .read import expansion_revenue, open_pipeline, payment_status, realized_value

    pks = [customer.pk]
    contracts = list(
        Contract.objects.filter(customer_id=customer.pk).values_list(
            "status", "start_date", "end_date", "value", "annual_value"
        )
    )
    records = list(
        ValueRecord.objects.filter(customer_id=customer.pk, date__lte=as_of)
        .order_by("date", "id")
        .values_list("date", "amount")
    )
    realized = realized_value(pks, as_of).get(customer.pk)
    won = expansion_revenue(pks, DayWindow(date.min, as_of)).get(customer.pk)
    pipeline = open_pipeline(pks).get(customer.pk)
    payment = payment_status(pks, as_of).get(customer.pk)
    interventions = intervention_dates(pks)[customer.pk].all

    contracted = sum((c[3] for c in contracts if c[0] == ContractStatus.ACTIVE), Decimal(0))
    realized_total = realized.total if realized else Decimal(0)
    roi = round_half_up(realized_total / contracted * 100) if contracted > 0 else None
    first_start = min((c[1] for c in contracts), default=None)

    renewed = [(c[2], c[4]) for c in contracts if c[0] == ContractStatus.RENEWED]
    renewed_arr = sum((arr for _, arr in renewed), Decimal(0))
    churn_prevention = sum(
        (arr for end, arr in renewed if _prevented(end, interventions)), Decimal(0)
    )
    won_value = won.won_value if won else Decimal(0)
    cs_sourced = won.cs_sourced_value if won else Decimal(0)
    denominator = renewed_arr + won_value
    contribution = (
        round_half_up(min(Decimal(1), (churn_prevention + cs_sourced) / denominator), 2)
        if denominator > 0
        else None
    )
    bucket = payment.payment_status if payment else PaymentStatus.CURRENT
    return {
        "customer_id": customer.customer_id,
        "as_of": as_of,
        "value_realization": {
            "contracted_value": whole_units(contracted),
            "realized_value": whole_units(realized_total),
            "roi_percentage": roi,
            "roi_reason": None if roi is not None else "nothing contracted",
            **_timeline(first_start, contracted, records, as_of),
        },
        "revenue_attribution": {
            "success_contribution": contribution,
            "success_contribution_reason": (
                None if contribution is not None else "no renewed ARR and no won expansion"
            ),
            "churn_prevention_value": whole_units(churn_prevention),
            "expansion_revenue": whole_units(won_value),
            "parts": {
                "churn_prevention_value": whole_units(churn_prevention),
                "cs_sourced_expansion": whole_units(cs_sourced),
                "renewed_arr": whole_units(renewed_arr),
                "won_expansion": whole_units(won_value),
            },
        },
        "financial_health": {
            "payment_status": PAYMENT_STATE[PaymentStatus(bucket)],
            "payment_bucket": bucket,
            "worst_days_overdue": payment.max_days_overdue if payment else 0,
            "renewal_probability": None,
            "renewal_probability_reason": NO_RENEWAL_MODEL,
            "expansion_pipeline": whole_units(pipeline.open_value if pipeline else 0),
            "expansion_pipeline_weighted": whole_units(pipeline.weighted_value if pipeline else 0),
        },
    }
