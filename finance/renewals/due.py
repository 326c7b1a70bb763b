"""Renewals due (README, "Finance: renewals due and calibration"): active contracts ending in
the next N days with the renewal model's probability and the ARR it puts at risk.

The model scores each customer's next-ending active contract (`scoring`), so the list holds
one row per customer: that contract, when it ends inside the window. A customer with a second
active contract in the window is listed with the earlier one only (the later one is scored
once the first has been decided). Set-based: one query for the contracts, the scoring's fixed
number per batch (a page stops scoring once it is settled), and one for the health of the
page shown."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q

from customers.read import latest_health_scores
from integrations.clock import DayWindow

from ..choices import ContractStatus
from ..errors import NoActiveRenewalModel
from ..models import Contract
from .scoring import (
    ModelSpec,
    NextContract,
    RenewalProbability,
    active_model,
    score_next_contracts,
)

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class DueRenewal:
    customer_pk: int
    customer_id: str
    customer_name: str
    segment: str
    csm_email: str | None
    csm_name: str | None
    contract_id: str
    end_date: date
    days_to_end: int
    arr: Decimal  # the contract's annual_value
    arr_at_risk: Decimal  # arr x (1 - probability), half-up to the cent
    renewal: RenewalProbability

    @property
    def sort_key(self) -> tuple[int, str]:
        """ARR at risk, largest first (in cents, so the key is exact), then contract_id."""
        return (-int(self.arr_at_risk * 100), self.contract_id)


def arr_at_risk(arr: Decimal, probability: float) -> Decimal:
    """arr x (1 - p), half-up to the cent (p taken at its shortest repr, as published)."""
    return (arr * (1 - Decimal(repr(probability)))).quantize(_CENT, ROUND_HALF_UP)


def due_window(as_of: date, days: int) -> DayWindow:
    """The days (as_of, as_of + days]: ending today is not "due within", it is due."""
    return DayWindow(as_of + timedelta(days=1), as_of + timedelta(days=days))


# A page is settled by scoring the renewals in ARR order (see `renewals_due`): the first
# batch covers a first page of 100 at 10,000 customers (220 of 3,430 renewals in 90 days had
# to be scored there); each further batch is four times the last.
FIRST_BATCH = 256
BATCH_GROWTH = 4


def renewals_due(
    *,
    as_of: date,
    days: int,
    segment: str | None = None,
    csm: str | None = None,
    min_arr: Decimal | None = None,
    max_probability: float | None = None,
    spec: ModelSpec | None = None,
    enough: Callable[[list[DueRenewal]], bool] | None = None,
) -> list[DueRenewal]:
    """Every customer's next-ending active contract that ends in (as_of, as_of + days],
    scored as of `as_of`, filtered, ordered by ARR at risk (largest first), then contract_id.
    `csm` is the CSM's email, matched case-insensitively; `min_arr` and `max_probability`
    are inclusive bounds. NoActiveRenewalModel when no version is active.

    With `enough` (monotone: true of a prefix, true of any longer one), the answer may be a
    prefix of that list, exactly its first rows, once `enough` holds for it. ARR at risk =
    ARR x (1 - p) never exceeds the ARR (p >= 0), so the renewals are scored in batches,
    largest ARR first, and a scored row whose ARR at risk is above every unscored ARR can
    be preceded by no unscored row: a first page of 100 scores a few hundred renewals, not
    thousands. Queries: the model (none when the caller passes the active `spec`), the
    contracts with their customers and CSMs, and the scoring's seven feature reads per batch."""
    spec = spec or active_model()
    if spec is None:
        raise NoActiveRenewalModel()
    active = Contract.objects.filter(status=ContractStatus.ACTIVE, end_date__gte=as_of)
    # The customer's next-ending active contract (scoring's order: end_date, then
    # contract_id) is the one with no active contract before it: the window's other
    # contracts are left out in the query, before the filters, so a filtered-out next
    # contract never lets a later one take its place.
    before_it = active.filter(customer_id=OuterRef("customer_id")).filter(
        Q(end_date__lt=OuterRef("end_date"))
        | Q(end_date=OuterRef("end_date"), contract_id__lt=OuterRef("contract_id"))
    )
    contracts = active.filter(due_window(as_of, days).dates("end_date")).filter(~Exists(before_it))
    if segment is not None:
        contracts = contracts.filter(customer__segment=segment)
    if csm is not None:
        contracts = contracts.filter(customer__success_manager__email__iexact=csm)
    if min_arr is not None:
        contracts = contracts.filter(annual_value__gte=min_arr)
    rows = list(contracts.order_by().values_list(*_ROW))
    # The bound of a row's ARR at risk: its ARR (0 for a negative one, which no writer
    # accepts: ARR x (1 - p) lies between it and 0).
    rows.sort(key=lambda row: (-max(row[9], 0), row[7]))
    due: list[DueRenewal] = []
    start, batch = 0, FIRST_BATCH if enough is not None else len(rows)
    while start < len(rows):
        part = rows[start : start + batch]
        start += len(part)
        due.extend(_scored(part, as_of, spec, max_probability))
        due.sort(key=lambda row: row.sort_key)
        if enough is not None and start < len(rows):
            bound = max(rows[start][9], 0)  # the largest ARR not scored yet
            settled = [row for row in due if row.arr_at_risk > bound]  # a prefix of `due`
            if enough(settled):
                return settled
        batch *= BATCH_GROWTH
    return due


_ROW = (
    "pk",
    "customer_id",
    "customer__customer_id",
    "customer__name",
    "customer__segment",
    "customer__success_manager__email",
    "customer__success_manager__name",
    "contract_id",
    "end_date",
    "annual_value",
)


def _scored(
    rows: Sequence[tuple[Any, ...]], as_of: date, spec: ModelSpec, max_probability: float | None
) -> list[DueRenewal]:
    """`rows` (`_ROW` tuples) scored, those above `max_probability` left out."""
    scores = score_next_contracts(
        {row[1]: NextContract(row[0], row[7], row[8]) for row in rows},
        as_of,
        spec,
        segments={row[1]: row[4] for row in rows},
    )
    due = []
    for _, pk, customer_id, name, seg, email, csm_name, contract_id, end, arr in rows:
        scored = scores[pk]
        if max_probability is not None and scored.probability > max_probability:
            continue
        due.append(
            DueRenewal(
                customer_pk=pk,
                customer_id=customer_id,
                customer_name=name,
                segment=seg,
                csm_email=email,
                csm_name=csm_name,
                contract_id=contract_id,
                end_date=end,
                days_to_end=(end - as_of).days,
                arr=arr,
                arr_at_risk=arr_at_risk(arr, scored.probability),
                renewal=scored,
            )
        )
    return due


def renewal_terms(renewal: RenewalProbability) -> list[dict[str, Any]]:
    """The terms as the API shows them: what each feature added to the log-odds."""
    return [
        {
            "feature": term.feature,
            "value": term.value,
            "coefficient": term.coefficient,
            "mean": term.mean,
            "scale": term.scale,
            "contribution": term.contribution,
        }
        for term in renewal.terms
    ]


def due_documents(page: list[DueRenewal]) -> list[dict[str, Any]]:
    """The rows of one page as the API returns them, with each customer's latest health
    (score and grade; null without a snapshot). One query."""
    health = latest_health_scores([row.customer_pk for row in page])
    documents = []
    for row in page:
        snapshot = health.get(row.customer_pk)
        documents.append(
            {
                "customer_id": row.customer_id,
                "customer_name": row.customer_name,
                "segment": row.segment,
                "contract_id": row.contract_id,
                "end_date": row.end_date,
                "days_to_end": row.days_to_end,
                "arr": row.arr,
                "renewal_probability": row.renewal.probability,
                "arr_at_risk": row.arr_at_risk,
                "model_version": row.renewal.model_version,
                "model_kind": row.renewal.model_kind,
                "log_odds": row.renewal.log_odds,
                "intercept": row.renewal.intercept,
                "terms": renewal_terms(row.renewal),
                "health_score": snapshot.score if snapshot else None,
                "health_grade": snapshot.grade if snapshot else None,
                "csm": (
                    {"email": row.csm_email, "name": row.csm_name}
                    if row.csm_email is not None
                    else None
                ),
            }
        )
    return documents
