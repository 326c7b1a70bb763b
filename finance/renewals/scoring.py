"""Scoring with explained terms: apply a model version to feature rows."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Term:
    feature: str
    value: float | None  # None: no data; imputed at the mean (contribution 0)
    coefficient: float
    mean: float
    scale: float
    contribution: float  # to the log-odds: coefficient x (value - mean) / scale


@dataclass(frozen=True, slots=True)
class RenewalProbability:
    probability: float  # 0..1, 4 decimals (half-up)
    log_odds: float
    intercept: float
    terms: tuple[Term, ...]
    model_version: int
    model_kind: str  # "prior" | "fitted"
    contract_id: str  # the contract scored: the customer's next active contract to end
    end_date: date
    as_of: date


def renewal_probabilities(
    customer_pks: Sequence[int], as_of: date
) -> dict[int, RenewalProbability]:
    """For each customer with an active contract: the active model version's probability that
    its next-ending active contract renews, with the terms. A fixed number of queries."""
    raise NotImplementedError  # helper M
