"""Reads for finance data."""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    DateField,
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

from integrations.clock import DayWindow, quarter_bounds

from ..choices import ContractStatus
from ..errors import ForecastNotFound, NoForecastForPeriod, PeriodNotOver
from ..models import Contract, ExpansionOpportunity, Forecast, ForecastLine, Invoice, ValueRecord


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


def next_renewal_date(outer_ref: str, as_of: date) -> Subquery:
    """The end date of the customer's next active contract to end on or after `as_of` (the
    contract the renewal model scores, `renewals.scoring`); NULL without one."""
    upcoming = Contract.objects.filter(
        customer_id=OuterRef(outer_ref), status=ContractStatus.ACTIVE, end_date__gte=as_of
    ).order_by("end_date", "contract_id")
    return Subquery(upcoming.values("end_date")[:1], output_field=DateField())


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
DISAGREEMENT = Decimal("0.25")  # |submitted - model| at or above this is flagged
NO_CONTRACT_REASON = "no active contract at submission: the model had nothing to score"
NO_MODEL_REASON = "no renewal model version was active at submission"


def _model_check(line: ForecastLine) -> dict[str, Any]:
    """The model's renewal probability stored at submission beside the submitted one; a
    disagreement is |submitted - model| >= 0.25, compared as written (0.95 vs 0.7 is 0.25)."""
    model = line.model_renewal_probability
    if model is None:
        return {
            "model_renewal_probability": None,
            "model_version": line.model_version,
            "model_reason": NO_CONTRACT_REASON if line.model_version else NO_MODEL_REASON,
            "disagreement": None,
        }
    gap = abs(Decimal(repr(line.renewal_probability)) - Decimal(repr(model)))
    return {
        "model_renewal_probability": model,
        "model_version": line.model_version,
        "model_reason": None,
        "disagreement": gap >= DISAGREEMENT,
    }


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
    lines = [
        {
            "customer_id": line.customer.customer_id,
            "renewal_probability": line.renewal_probability,
            "expansion_probability": line.expansion_probability,
            "expansion_value": line.expansion_value,
            "risk_factors": line.risk_factors,
            "arr": line.arr,
            "expected_renewal_revenue": line.expected_renewal,
            "expected_expansion_revenue": line.expected_expansion,
            **_model_check(line),
        }
        for line in forecast.lines.all()
    ]
    return {
        "forecast_id": forecast.forecast_id,
        "forecast_period": forecast.period,
        "version": forecast.version,
        "submitted_at": forecast.submitted_at,
        "customer_forecasts": lines,
        "disagreements": sum(1 for line in lines if line["disagreement"]),
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
    from ..read import expansion_revenue  # read builds on these selectors: import when called

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
