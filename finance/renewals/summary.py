"""The renewal-risk summary (README, "The admin: the CS dashboard"): the totals and top rows of
`renewals_due` for one window, precomputed. Scoring every renewal in 90 days live costs a few
hundred milliseconds at 10,000 customers, and exact invalidation would have to follow
contracts, usage, health, invoices, escalations, stakeholders, segments and the model; so the
summary is counted by beat every few minutes (`finance.refresh_renewal_risk_summary`) and by a
read that finds it too old, for another day or for another active model version, and it says
when it was counted. The live list (`renewals_due`) stays the exact one."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from integrations.replica import primary_reads

from ..models import RenewalRiskSummary
from .due import DueRenewal, renewals_due
from .scoring import ModelSpec, active_model

TOP_ROWS = 10  # what the dashboard's tile shows (cockpit.dashboard.RENEWAL_ROWS)
DEFAULT_WINDOWS = (90,)  # the dashboard's window (cockpit.dashboard.RENEWAL_DAYS)


@dataclass(frozen=True, slots=True)
class RiskRow:
    customer_pk: int
    customer_name: str
    contract_id: str
    end_date: date
    days_to_end: int
    arr: Decimal
    probability: float
    arr_at_risk: Decimal


@dataclass(frozen=True, slots=True)
class RiskSummary:
    as_of: date
    days: int
    model_version: int | None  # None: no renewal model is active (nothing scored)
    renewals: int
    arr: Decimal
    arr_at_risk: Decimal
    top: tuple[RiskRow, ...]  # the largest ARR at risk first, at most TOP_ROWS
    computed_at: datetime

    @property
    def no_active_model(self) -> bool:
        return self.model_version is None


def _row(due: DueRenewal) -> RiskRow:
    return RiskRow(
        customer_pk=due.customer_pk,
        customer_name=due.customer_name,
        contract_id=due.contract_id,
        end_date=due.end_date,
        days_to_end=due.days_to_end,
        arr=due.arr,
        probability=due.renewal.probability,
        arr_at_risk=due.arr_at_risk,
    )


def _document(row: RiskRow) -> dict[str, Any]:
    # Decimals as strings and dates in ISO form: read back exactly.
    return {
        **asdict(row),
        "end_date": row.end_date.isoformat(),
        "arr": str(row.arr),
        "arr_at_risk": str(row.arr_at_risk),
    }


def _from_document(doc: dict[str, Any]) -> RiskRow:
    return RiskRow(
        **{
            **doc,
            "end_date": date.fromisoformat(doc["end_date"]),
            "arr": Decimal(doc["arr"]),
            "arr_at_risk": Decimal(doc["arr_at_risk"]),
        }
    )


def _from_stored(stored: RenewalRiskSummary) -> RiskSummary:
    return RiskSummary(
        as_of=stored.as_of,
        days=stored.days,
        model_version=stored.model_version,
        renewals=stored.renewals,
        arr=stored.arr,
        arr_at_risk=stored.arr_at_risk,
        top=tuple(_from_document(doc) for doc in stored.top),
        computed_at=stored.computed_at,
    )


def no_model_summary(as_of: date, days: int) -> RiskSummary:
    return RiskSummary(as_of, days, None, 0, Decimal(0), Decimal(0), (), timezone.now())


def count_summary(as_of: date, days: int, spec: ModelSpec) -> RiskSummary:
    """`renewals_due` totalled: the same rows, the same rounding. Ten queries."""
    due = renewals_due(as_of=as_of, days=days, spec=spec)
    return RiskSummary(
        as_of=as_of,
        days=days,
        model_version=spec.version,
        renewals=len(due),
        arr=sum((row.arr for row in due), Decimal(0)),
        arr_at_risk=sum((row.arr_at_risk for row in due), Decimal(0)),
        top=tuple(_row(row) for row in due[:TOP_ROWS]),
        computed_at=timezone.now(),
    )


def store(summary: RiskSummary) -> None:
    """Upsert the window's one row. One query (INSERT ... ON CONFLICT (days) DO UPDATE)."""
    assert summary.model_version is not None
    RenewalRiskSummary.objects.bulk_create(
        [
            RenewalRiskSummary(
                days=summary.days,
                as_of=summary.as_of,
                model_version=summary.model_version,
                renewals=summary.renewals,
                arr=summary.arr,
                arr_at_risk=summary.arr_at_risk,
                top=[_document(row) for row in summary.top],
                computed_at=summary.computed_at,
            )
        ],
        update_conflicts=True,
        unique_fields=["days"],
        update_fields=[
            "as_of",
            "model_version",
            "renewals",
            "arr",
            "arr_at_risk",
            "top",
            "computed_at",
        ],
    )


def stored_summary(
    *, as_of: date, days: int, version: int, max_age_seconds: int
) -> RiskSummary | None:
    """The stored summary when it is for `as_of`, for model `version` and younger than
    `max_age_seconds`; else None. One query."""
    stored = RenewalRiskSummary.objects.filter(days=days).first()
    if stored is None or stored.as_of != as_of or stored.model_version != version:
        return None
    if timezone.now() - stored.computed_at >= timedelta(seconds=max_age_seconds):
        return None
    return _from_stored(stored)


def renewal_risk_summary(*, as_of: date, days: int, max_age_seconds: int) -> RiskSummary:
    """The renewals due in (as_of, as_of + days] totalled, with the TOP_ROWS largest ARR at
    risk: the stored summary while valid (the model and one query), else counted live and
    stored (the model, 11 queries and the upsert). `max_age_seconds` <= 0 always counts live
    and stores nothing (the tests' setting: live numbers, the live query count). Read and
    written on the primary also in a replica scope: a lagging replica's row would be counted
    again and written back over the fresher one."""
    spec = active_model()
    if spec is None:
        return no_model_summary(as_of, days)
    if max_age_seconds <= 0:
        return count_summary(as_of, days, spec)
    with primary_reads():
        found = stored_summary(
            as_of=as_of, days=days, version=spec.version, max_age_seconds=max_age_seconds
        )
        if found is not None:
            return found
        counted = count_summary(as_of, days, spec)
        store(counted)
    return counted
