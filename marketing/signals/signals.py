"""Customer signals as of a day, set-based (README, "Marketing: health read-out, lifecycle and
segments"): for any set of customer pks, each asked signal group read from the lower apps'
read APIs in a fixed number of queries, whatever the number of customers. Only the groups
asked for are read, so an audience over one segment pays for that segment's groups alone.

Groups and their queries: `segment` 1, `lifecycle` 1 (status, recorded stage and since when),
`health` 2, `adoption` 2, `engagement` 1, `renewal` 1, `expansion` 1, `onboarding` 2, `nps` 1,
`interventions` 1. Pairs asked together cost less (`_Reads._pairs`): `expansion` and
`onboarding`'s handoff one query fewer; for up to PREPARE_UP_TO_IDS customers (a read-out's),
`adoption` and `engagement` one fewer, `renewal` and `onboarding`'s first contract one fewer.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from customers import read as customers_read
from finance import read as finance_read
from integrations.clock import days_window, local_day
from integrations.rounding import round_half_up
from operations import read as operations_read
from product import read as product_read
from sales import read as sales_read

# --- thresholds (README, "Marketing: health read-out, lifecycle and segments") --------------
DIRECTION_BAND = customers_read.STABLE_BAND  # ±5 points over 30 days: the trend's band
DECLINE_POINTS = customers_read.DECLINE_POINTS  # a 15-point drop in 30 days: the decline event
LOW_ADOPTION_BELOW = 0.5  # key features adopted ÷ key features below this share
LOW_ENGAGEMENT_RATIO = 0.7  # usage events of the last 30 days below 70 % of the 30 before
RENEWAL_DAYS = 90  # an active contract ends today or within the next 90 days
ONBOARDING_DAYS = 90  # handoff, onboarding start or first contract start in the last 90 days
NPS_DAYS = 180  # NPS answers of the last 180 days
PROMOTER_NPS_AT = 50  # NPS (% promoters − % detractors) at or above: a promoter customer
DETRACTOR_NPS_BELOW = 0  # NPS below: a detractor customer

GROUPS = (
    "segment",
    "lifecycle",
    "health",
    "adoption",
    "engagement",
    "renewal",
    "expansion",
    "onboarding",
    "nps",
    "interventions",
)


@dataclass(frozen=True, slots=True)
class HealthSignal:
    """The latest snapshot and its 30-day change; `direction` from the change with the trend's
    ±5 band (None without a snapshot near 30 days ago, unless the read-out's trend supplied
    one from the weekly slope: `basis`)."""

    score: int
    grade: str
    computed_at: datetime
    as_of: date
    change_30d: int | None
    direction: str | None
    basis: str | None

    @property
    def declining(self) -> bool:
        return self.direction == "declining"

    @property
    def dropped(self) -> bool:
        """A drop of DECLINE_POINTS or more against the snapshot ~30 days earlier."""
        return self.change_30d is not None and self.change_30d <= -DECLINE_POINTS


# The trend direction of a 30-day change: customers' one definition (the risk list's arrow and
# trend filter use it too).
direction_of = customers_read.change_direction


@dataclass(frozen=True, slots=True)
class AdoptionSignal:
    adopted: tuple[str, ...]
    key_features: int

    @property
    def share(self) -> float | None:
        """Key features adopted ÷ key features; None without key features."""
        return len(self.adopted) / self.key_features if self.key_features else None

    @property
    def low(self) -> bool:
        return self.share is not None and self.share < LOW_ADOPTION_BELOW


@dataclass(frozen=True, slots=True)
class EngagementSignal:
    events_last_30d: int
    events_prior_30d: int

    @property
    def ratio(self) -> float | None:
        return product_read.usage_ratio(self.events_last_30d, self.events_prior_30d)

    @property
    def low(self) -> bool:
        """No events in the last 30 days, or fewer than 70 % of the 30 days before."""
        if self.events_last_30d == 0:
            return True
        ratio = self.ratio
        return ratio is not None and ratio < LOW_ENGAGEMENT_RATIO


@dataclass(frozen=True, slots=True)
class RenewalSignal:
    """The first active contract ending within RENEWAL_DAYS (None in `renewal`: none)."""

    contract_id: str
    end_date: date
    days_left: int
    annual_value: int


@dataclass(frozen=True, slots=True)
class OnboardingSignal:
    handoff_on: date | None  # the local day of the handoff
    onboarding_start: date | None  # the handoff's onboarding start
    first_contract_start: date | None
    as_of: date

    @property
    def started_on(self) -> date | None:
        """The latest of the three start days (the freshest start), None without any."""
        days = [d for d in (self.handoff_on, self.onboarding_start, self.first_contract_start) if d]
        return max(days) if days else None

    @property
    def recent(self) -> bool:
        """A start within the last ONBOARDING_DAYS days, or one still to come."""
        started = self.started_on
        if started is None:
            return False
        return started > self.as_of or started in days_window(self.as_of, ONBOARDING_DAYS)


@dataclass(frozen=True, slots=True)
class NpsSignal:
    responses: int
    promoters: int
    detractors: int

    @property
    def nps(self) -> float | None:
        if not self.responses:
            return None
        return round_half_up(100 * (self.promoters - self.detractors) / self.responses, 1)

    @property
    def promoter(self) -> bool:
        nps = self.nps
        return nps is not None and nps >= PROMOTER_NPS_AT

    @property
    def detractor(self) -> bool:
        nps = self.nps
        return nps is not None and nps < DETRACTOR_NPS_BELOW


@dataclass(frozen=True, slots=True)
class CustomerSignals:
    """One customer's signals as of a day. A group not asked for is None and named in neither
    `asked`; an asked group without data is None too (`renewal`: no contract due, `health`: no
    snapshot, `expansion`: never scored); `adoption`, `engagement`, `onboarding`, `nps`,
    `interventions` are always filled when asked (zeros)."""

    as_of: date
    asked: frozenset[str]
    segment: str | None = None
    lifecycle: customers_read.LifecyclePosition | None = None
    health: HealthSignal | None = None
    adoption: AdoptionSignal | None = None
    engagement: EngagementSignal | None = None
    renewal: RenewalSignal | None = None
    expansion: sales_read.ExpansionReadiness | None = None
    onboarding: OnboardingSignal | None = None
    nps: NpsSignal | None = None
    interventions: operations_read.OpenInterventions | None = None


def customer_signals(
    customer_pks: Sequence[int], as_of: date, groups: Collection[str] = GROUPS
) -> dict[int, CustomerSignals]:
    """Every asked customer's signals of the asked `groups` as of `as_of` (queries: the module
    docstring). Unknown group names raise ValueError (a programming error)."""
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown signal groups: {sorted(unknown)}")
    asked = frozenset(groups)
    pks = list(customer_pks)
    if not pks:
        return {}
    read = _Reads(pks, as_of, asked)
    return {
        pk: CustomerSignals(
            as_of=as_of,
            asked=asked,
            segment=read.segments.get(pk),
            lifecycle=read.lifecycle.get(pk),
            health=read.health.get(pk),
            adoption=read.adoption.get(pk),
            engagement=read.engagement(pk),
            renewal=read.renewal.get(pk),
            expansion=read.expansion.get(pk),
            onboarding=read.onboarding(pk),
            nps=read.nps(pk),
            interventions=read.interventions.get(pk),
        )
        for pk in pks
    }


class _Reads:
    """The asked groups' reads, one per group (an unasked group reads nothing); two asked groups
    from one app's tables are read together (`_pairs`)."""

    def __init__(self, pks: list[int], as_of: date, asked: frozenset[str]) -> None:
        self.as_of, self.asked = as_of, asked
        self.segments = customers_read.customer_segments(pks) if "segment" in asked else {}
        self.lifecycle = customers_read.lifecycle_positions(pks) if "lifecycle" in asked else {}
        self.health = _health(pks, as_of) if "health" in asked else {}
        self._pairs(pks, as_of, asked)
        window = days_window(as_of, NPS_DAYS)
        self.surveys = (
            operations_read.survey_summaries(pks, window=window) if "nps" in asked else {}
        )
        self.interventions = (
            operations_read.open_interventions(pks) if "interventions" in asked else {}
        )

    def _pairs(self, pks: list[int], as_of: date, asked: frozenset[str]) -> None:
        """Adoption and engagement (usage), renewal and onboarding's first contract (contracts),
        expansion and onboarding's handoff: each pair in one query fewer when both are asked
        (issue 17: the marketing read-out's statements), else each group's own read."""
        adoption: Mapping[int, product_read.KeyFeatureAdoption] = {}
        if {"adoption", "engagement"} <= asked:
            usage = product_read.adoption_and_usage(pks, as_of)
            adoption = {pk: both.adoption for pk, both in usage.items()}
            self.usage = {pk: u.usage for pk, u in usage.items() if u.usage is not None}
        else:
            if "adoption" in asked:
                adoption = product_read.key_feature_adoption(pks, as_of)
            self.usage = product_read.usage_totals(pks, as_of) if "engagement" in asked else {}
        self.adoption = {
            pk: AdoptionSignal(a.adopted, a.key_features) for pk, a in adoption.items()
        }

        # The days as_of .. as_of + RENEWAL_DAYS: the contract reads take (after, until].
        due = days_window(as_of + timedelta(days=RENEWAL_DAYS), RENEWAL_DAYS + 1)
        after, until = due.prior().last_day, due.last_day
        ending: Mapping[int, tuple[finance_read.ContractEnding, ...]] = {}
        if {"renewal", "onboarding"} <= asked:
            dates = finance_read.contract_dates(pks, after=after, until=until)
            ending, self.first_contracts = dates.ending, dates.first_starts
        else:
            if "renewal" in asked:
                ending = finance_read.contracts_ending(pks, after=after, until=until)
            self.first_contracts = (
                finance_read.first_contract_starts(pks) if "onboarding" in asked else {}
            )
        self.renewal = {pk: _renewal(contracts[0], as_of) for pk, contracts in ending.items()}

        if {"expansion", "onboarding"} <= asked:
            sales = sales_read.readiness_and_handoffs(pks)
            self.expansion = {pk: s.readiness for pk, s in sales.items() if s.readiness}
            self.handoffs = {pk: s.handoff for pk, s in sales.items() if s.handoff}
        else:
            self.expansion = sales_read.expansion_readiness(pks) if "expansion" in asked else {}
            self.handoffs = sales_read.handoff_dates(pks) if "onboarding" in asked else {}

    def engagement(self, pk: int) -> EngagementSignal | None:
        if "engagement" not in self.asked:
            return None
        usage = self.usage.get(pk)
        if usage is None:
            return EngagementSignal(0, 0)
        return EngagementSignal(usage.events_last_30d, usage.events_prior_30d)

    def onboarding(self, pk: int) -> OnboardingSignal | None:
        if "onboarding" not in self.asked:
            return None
        handoff = self.handoffs.get(pk)
        return OnboardingSignal(
            handoff_on=local_day(handoff.completed_at) if handoff else None,
            onboarding_start=handoff.onboarding_start if handoff else None,
            first_contract_start=self.first_contracts.get(pk),
            as_of=self.as_of,
        )

    def nps(self, pk: int) -> NpsSignal | None:
        if "nps" not in self.asked:
            return None
        summary = self.surveys.get(pk)
        if summary is None:
            return NpsSignal(0, 0, 0)
        return NpsSignal(summary.nps_responses, summary.promoters, summary.detractors)


def _health(pks: list[int], as_of: date) -> dict[int, HealthSignal]:
    changes = customers_read.health_changes(pks, as_of_until=as_of)
    return {pk: health_signal(change) for pk, change in changes.items()}


def health_signal(change: customers_read.HealthChange) -> HealthSignal:
    latest, delta = change.latest, change.change_30d
    return HealthSignal(
        score=latest.score,
        grade=latest.grade,
        computed_at=latest.computed_at,
        as_of=latest.as_of,
        change_30d=delta,
        direction=direction_of(delta),
        basis=None if delta is None else "change_30d",
    )


def _renewal(contract: finance_read.ContractEnding, as_of: date) -> RenewalSignal:
    return RenewalSignal(
        contract.contract_id,
        contract.end_date,
        (contract.end_date - as_of).days,
        round_half_up(contract.annual_value),
    )
