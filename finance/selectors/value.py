"""Value realisation of one customer (README, "Finance: value realisation")."""

from datetime import date
from decimal import Decimal
from typing import Any

from customers.models import Customer
from integrations.clock import DayWindow
from integrations.money import whole_units
from integrations.prepared import PreparedQuery
from integrations.rounding import round_half_up
from operations.read import intervention_dates

from ..choices import ContractStatus, PaymentStatus
from ..models import Contract, ValueRecord
from ..renewals.due import renewal_terms
from ..renewals.features import PaymentsOn
from ..renewals.scoring import RenewalProbability, active_model, renewal_probabilities

CHURN_PREVENTION_DAYS = 180
NO_ACTIVE_CONTRACT = "no active contract"
NO_ACTIVE_MODEL = "no renewal model version is active"
# finance.measures' finer bucket -> the spec's three payment states.
PAYMENT_STATE = {
    PaymentStatus.CURRENT: "current",
    PaymentStatus.OVERDUE_1_15: "overdue",
    PaymentStatus.OVERDUE_16_30: "overdue",
    PaymentStatus.OVERDUE_31_60: "delinquent",
    PaymentStatus.OVERDUE_60_PLUS: "delinquent",
}


# Read on every value read-out: compiled once per thread (integrations.prepared).
_CONTRACTS: PreparedQuery[Any] = PreparedQuery(
    lambda customer_pk: Contract.objects.filter(customer_id=customer_pk).values_list(
        "status", "start_date", "end_date", "value", "annual_value"
    ),
    customer_pk=int,
)
_RECORDS: PreparedQuery[Any] = PreparedQuery(
    lambda customer_pk, as_of: (
        ValueRecord.objects.filter(customer_id=customer_pk, date__lte=as_of)
        .order_by("date", "id")
        .values_list("date", "amount")
    ),
    customer_pk=int,
    as_of=date,
)


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


def _renewal(renewal: RenewalProbability | None, has_model: bool) -> dict[str, Any]:
    """The renewal model's probability for the customer's next-ending active contract, with
    what explains it; null with the reason without an active contract (or model version)."""
    reason = None if renewal else NO_ACTIVE_CONTRACT if has_model else NO_ACTIVE_MODEL
    return {
        "renewal_probability": renewal.probability if renewal else None,
        "renewal_probability_reason": reason,
        "renewal_model_version": renewal.model_version if renewal else None,
        "renewal_model_kind": renewal.model_kind if renewal else None,
        "renewal_contract_id": renewal.contract_id if renewal else None,
        "renewal_log_odds": renewal.log_odds if renewal else None,
        "renewal_intercept": renewal.intercept if renewal else None,
        "renewal_terms": renewal_terms(renewal) if renewal else None,
    }


def customer_value(customer: Customer, as_of: date) -> dict[str, Any]:
    """Value realisation, revenue attribution and financial health of one customer, from rows
    (README, "Finance: value realisation"). Six queries plus the renewal scoring's fixed
    number (less its segment and payment reads), whatever the customer's history."""
    from ..read import payment_status, revenue_and_pipeline

    pks = [customer.pk]
    contracts = _CONTRACTS.all(customer_pk=customer.pk)
    records = _RECORDS.all(customer_pk=customer.pk, as_of=as_of)
    revenue, pipelines = revenue_and_pipeline(pks, DayWindow(date.min, as_of))
    won, pipeline = revenue.get(customer.pk), pipelines.get(customer.pk)
    payment = payment_status(pks, as_of).get(customer.pk)
    interventions = intervention_dates(pks)[customer.pk].all
    spec = active_model()
    renewal = None
    if spec:
        # The scoring's segment and payment reads are the customer's row and the facts above.
        statuses = {customer.pk: payment.payment_status} if payment else {}
        renewal = renewal_probabilities(
            pks,
            as_of,
            spec,
            segments={customer.pk: customer.segment},
            payments=PaymentsOn(as_of, statuses),
        ).get(customer.pk)

    contracted = sum((c[3] for c in contracts if c[0] == ContractStatus.ACTIVE), Decimal(0))
    # Σ of the records just read (what `read.realized_value` sums in SQL): no statement more.
    realized_total = sum((amount for _, amount in records), Decimal(0))
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
            # No invoice is no evidence of paying on time: null with the reason, not "current".
            "payment_status": (
                PAYMENT_STATE[PaymentStatus(payment.payment_status)] if payment else None
            ),
            "payment_bucket": payment.payment_status if payment else None,
            "worst_days_overdue": payment.max_days_overdue if payment else None,
            "payment_reason": None if payment else "no invoices",
            **_renewal(renewal, spec is not None),
            "expansion_pipeline": whole_units(pipeline.open_value if pipeline else 0),
            "expansion_pipeline_weighted": whole_units(pipeline.weighted_value if pipeline else 0),
        },
    }
