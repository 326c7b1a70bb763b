"""Scoring with explained terms: apply a model version to point-in-time feature rows.

log-odds = intercept + Σ coefficient x (value - mean) / scale; a missing value is imputed at
its mean (contribution 0); probability = 1 / (1 + e^-log-odds), published to 4 decimals."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from integrations.idarray import IdArray
from integrations.job_memory import job_memory
from integrations.prepared import PreparedQuery
from integrations.rounding import round_half_up

from ..choices import ContractStatus
from ..models import Contract, RenewalModelVersion
from .features import FeatureRow, Observation, PaymentsOn, feature_rows


@dataclass(frozen=True, slots=True)
class TermSpec:
    feature: str
    coefficient: float
    mean: float
    scale: float


@dataclass(frozen=True, slots=True)
class ModelSpec:
    version: int
    kind: str  # "prior" | "fitted"
    intercept: float
    terms: tuple[TermSpec, ...]

    @classmethod
    def of(cls, row: RenewalModelVersion) -> "ModelSpec":
        return cls(row.version, row.kind, float(row.intercept), term_specs(row.terms))


def term_specs(terms: Sequence[Mapping[str, Any]]) -> tuple[TermSpec, ...]:
    return tuple(
        TermSpec(str(t["feature"]), float(t["coefficient"]), float(t["mean"]), float(t["scale"]))
        for t in terms
    )


@dataclass(frozen=True, slots=True)
class Term:
    feature: str
    value: float | None  # None: no data; imputed at the mean (contribution 0)
    coefficient: float
    mean: float
    scale: float
    contribution: float  # to the log-odds: coefficient x (value - mean) / scale, 4 decimals


@dataclass(frozen=True, slots=True)
class Explained:
    log_odds: float  # unrounded: what the probability is computed from
    probability: float  # unrounded
    terms: tuple[Term, ...]


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow at either end."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def log_odds_of(spec: ModelSpec, row: FeatureRow) -> float:
    """intercept + Σ coefficient x (value - mean) / scale, unrounded; a missing value adds 0.
    The same float operations in the same order as `explain`, so the two never differ."""
    log_odds = spec.intercept
    for t in spec.terms:
        value = row.get(t.feature)
        log_odds += 0.0 if value is None else t.coefficient * (value - t.mean) / t.scale
    return log_odds


def explain(spec: ModelSpec, row: FeatureRow) -> Explained:
    log_odds = spec.intercept
    terms = []
    for t in spec.terms:
        value = row.get(t.feature)
        contribution = 0.0 if value is None else t.coefficient * (value - t.mean) / t.scale
        log_odds += contribution
        # + 0.0: a zero coefficient below the mean rounds to -0.0, published as "-0.0".
        published = round_half_up(contribution, 4) + 0.0
        terms.append(Term(t.feature, value, t.coefficient, t.mean, t.scale, published))
    return Explained(log_odds, sigmoid(log_odds), tuple(terms))


@dataclass(frozen=True, slots=True)
class RenewalProbability:
    probability: float  # 0..1, 4 decimals (half-up)
    raw_log_odds: float  # unrounded: what the probability was computed from
    intercept: float
    model_version: int
    model_kind: str  # "prior" | "fitted"
    contract_id: str  # the contract scored: the customer's next active contract to end
    end_date: date
    as_of: date
    features: FeatureRow = field(repr=False)  # the values scored, as of `as_of`
    spec: ModelSpec = field(repr=False)  # the version that scored them

    @property
    def log_odds(self) -> float:
        """4 decimals (half-up), rounded when asked: a list of thousands sorts by the
        probability and shows one page's log-odds."""
        return round_half_up(self.raw_log_odds, 4) + 0.0

    @property
    def terms(self) -> tuple[Term, ...]:
        """What each feature added to the log-odds, built when asked: a list of thousands
        shows one page's terms, and publishing every term of every row (a half-up rounding
        each) cost more than the rest of the scoring."""
        return explain(self.spec, self.features).terms


# Read on every value read-out: compiled once per thread (integrations.prepared); the rows
# themselves are read each time, so an activation or a new contract is seen at once.
_ACTIVE_VERSION: PreparedQuery[Any] = PreparedQuery(
    lambda: RenewalModelVersion.objects.filter(is_active=True)
)
_NEXT_CONTRACTS: PreparedQuery[Any] = PreparedQuery(
    lambda pks, as_of: (
        Contract.objects.filter(
            customer_id__in=pks, status=ContractStatus.ACTIVE, end_date__gte=as_of
        )
        .order_by("customer_id", "end_date", "contract_id")
        .values_list("pk", "customer_id", "contract_id", "end_date")
    ),
    pks=IdArray,
    as_of=date,
)


def active_model() -> ModelSpec | None:
    """The active version (the admin chooses it; migration 0007 seeds the prior). One query."""
    row = _ACTIVE_VERSION.first()
    return None if row is None else ModelSpec.of(row)


def renewal_probabilities(
    customer_pks: Sequence[int],
    as_of: date,
    spec: ModelSpec | None = None,
    *,
    segments: Mapping[int, str] | None = None,
    payments: PaymentsOn | None = None,
) -> dict[int, RenewalProbability]:
    """For each customer with an active contract ending on or after `as_of`: the active model
    version's probability that its next-ending active contract renews, with the terms. Ten
    queries (one for the contracts, one for the model, eight for the features; one fewer each
    for the customers' `segments` and their `payments` on `as_of` when the caller read them),
    whatever the number of customers; none without an active model or contract."""
    rows = _NEXT_CONTRACTS.all(pks=IdArray(customer_pks), as_of=as_of) if customer_pks else []
    next_contract: dict[int, NextContract] = {}
    for pk, customer_pk, contract_id, end_date in rows:
        next_contract.setdefault(customer_pk, NextContract(pk, contract_id, end_date))
    if not next_contract:
        return {}
    spec = spec or active_model()
    if spec is None:
        return {}
    with job_memory(len(next_contract)):
        return score_next_contracts(next_contract, as_of, spec, segments, payments)


@dataclass(frozen=True, slots=True)
class NextContract:
    """A customer's next-ending active contract (the one the model scores)."""

    pk: int
    contract_id: str
    end_date: date


def score_next_contracts(
    next_contract: Mapping[int, NextContract],
    as_of: date,
    spec: ModelSpec,
    segments: Mapping[int, str] | None = None,
    payments: PaymentsOn | None = None,
) -> dict[int, RenewalProbability]:
    """`renewal_probabilities` for callers that already read each customer's next-ending
    active contract ({customer pk: it}) and perhaps the customers' segments and payment
    statuses: the feature reads alone (eight queries; one fewer for each of those given)."""
    if not next_contract:
        return {}
    observations = [
        Observation(c.pk, customer_pk, as_of, c.end_date)
        for customer_pk, c in next_contract.items()
    ]
    features = feature_rows(observations, segments=segments, payments=payments)
    result: dict[int, RenewalProbability] = {}
    for customer_pk, c in next_contract.items():
        row = features[c.pk]
        log_odds = log_odds_of(spec, row)
        result[customer_pk] = RenewalProbability(
            probability=round_half_up(sigmoid(log_odds), 4),
            raw_log_odds=log_odds,
            intercept=spec.intercept,
            model_version=spec.version,
            model_kind=spec.kind,
            contract_id=c.contract_id,
            end_date=c.end_date,
            as_of=as_of,
            features=row,
            spec=spec,
        )
    return result
