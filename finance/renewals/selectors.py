"""Reads of the renewal model (README, "Finance: renewal model"): one query each."""

from dataclasses import dataclass
from datetime import date

from ..choices import ContractStatus
from ..models import Contract, RenewalModelEvaluation, RenewalModelVersion

# Fewer resolved renewals than this: no fit; the documented prior stays in use.
MIN_RESOLVED_RENEWALS = 200

# A resolved renewal: renewed (1), or lost (churned or expired, 0).
OUTCOMES = {ContractStatus.RENEWED: 1, ContractStatus.CHURNED: 0, ContractStatus.EXPIRED: 0}


@dataclass(frozen=True, slots=True)
class Outcome:
    contract_pk: int
    customer_pk: int
    end_date: date  # the decision date
    label: int  # 1 renewed, 0 churned or expired


def resolved_renewals(as_of: date) -> list[Outcome]:
    """Contracts decided by `as_of` (end_date <= as_of), time-ordered by (end_date, pk)."""
    rows = (
        Contract.objects.filter(status__in=list(OUTCOMES), end_date__lte=as_of)
        .order_by("end_date", "pk")
        .values_list("pk", "customer_id", "end_date", "status")
    )
    return [
        Outcome(pk, customer, end, OUTCOMES[ContractStatus(s)]) for pk, customer, end, s in rows
    ]


def resolved_renewal_count(as_of: date | None = None) -> int:
    """How many renewals have resolved (by `as_of`, when given)."""
    found = Contract.objects.filter(status__in=list(OUTCOMES))
    return (found if as_of is None else found.filter(end_date__lte=as_of)).count()


def active_model_version() -> RenewalModelVersion | None:
    """The version that scores renewals (None only if an admin left none active)."""
    return RenewalModelVersion.objects.filter(is_active=True).first()


def latest_evaluation(version: RenewalModelVersion | int) -> RenewalModelEvaluation | None:
    """The version's most recent hold-out evaluation (`version`: a row or its number)."""
    found = RenewalModelEvaluation.objects.order_by("-evaluated_at", "-pk")
    if isinstance(version, RenewalModelVersion):
        return found.filter(model_version=version).first()
    return found.filter(model_version__version=version).first()
