"""Lifecycle determination from the customer signals (README, "Marketing: health read-out,
lifecycle and segments"). The rules, in precedence order; the first one met is the stage:

1. churned — status churned.
2. at_risk — latest health graded critical, or health declining: direction declining (30-day
   change ≤ −5; the read-out's trend falls back to the weekly slope) or a drop of ≥ 15 points
   in 30 days.
3. onboarding — handoff, onboarding start or first contract start within the last 90 days (or
   still to come).
4. renewal — an active contract ends today or within the next 90 days.
5. expansion — the latest nightly expansion readiness is ready.
6. advocacy — promoter NPS (≥ 50 over the last 180 days) and a healthy grade.
7. value_realization — key features ≥ 50 % adopted and health not declining.
8. adoption — otherwise.

Every rule is evaluated and reported (met or not, with a reason carrying the numbers), then
compared with the stage recorded in customers: whether they differ and whether customers'
transition table (`customers.choices.ALLOWED_TRANSITIONS`) allows the move.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from customers.choices import ALLOWED_TRANSITIONS, CustomerStatus, LifecycleStage
from customers.models import HealthGrade
from integrations.rounding import round_half_up

from .signals import (
    DECLINE_POINTS,
    DIRECTION_BAND,
    LOW_ADOPTION_BELOW,
    NPS_DAYS,
    ONBOARDING_DAYS,
    PROMOTER_NPS_AT,
    RENEWAL_DAYS,
    CustomerSignals,
    customer_signals,
)

STAGE_GROUPS = ("lifecycle", "health", "adoption", "renewal", "expansion", "onboarding", "nps")
S = LifecycleStage


@dataclass(frozen=True, slots=True)
class RuleCheck:
    stage: str
    met: bool
    reason: str


@dataclass(frozen=True, slots=True)
class StageDetermination:
    stage: str
    rules: tuple[RuleCheck, ...]
    recorded_stage: str | None
    recorded_since: datetime | None
    allowed_from_recorded: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return self.recorded_stage is not None and self.stage != self.recorded_stage

    @property
    def transition_allowed(self) -> bool | None:
        """Whether customers' table allows recorded → determined; None when they agree."""
        return self.stage in self.allowed_from_recorded if self.differs else None


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if abs(n) == 1 else 's'}"


def _days(n: int) -> str:
    return plural(n, "day")


def _churned(s: CustomerSignals) -> tuple[bool, str]:
    status = s.lifecycle.status if s.lifecycle else None
    return status == CustomerStatus.CHURNED, f"status {status or 'unknown'}"


def _at_risk(s: CustomerSignals) -> tuple[bool, str]:
    h = s.health
    if h is None:
        return False, "no health snapshot"
    change = "no snapshot near 30 days ago" if h.change_30d is None else f"{h.change_30d:+d}"
    facts = f"score {h.score}, grade {h.grade}, 30-day change {change}"
    why = []
    if h.grade == HealthGrade.CRITICAL:
        why.append("grade critical")
    if h.declining:
        basis = "the weekly slope" if h.basis == "slope" else f"a change ≤ −{DIRECTION_BAND}"
        why.append(f"direction declining (by {basis})")
    if h.dropped:
        why.append(f"a drop of ≥ {DECLINE_POINTS} points in 30 days")
    if why:
        return True, f"{'; '.join(why)} ({facts})"
    return False, f"not critical and not declining ({facts}, direction {h.direction or 'unknown'})"


def _onboarding(s: CustomerSignals) -> tuple[bool, str]:
    o = s.onboarding
    started = o.started_on if o else None
    if o is None or started is None:
        return False, "no handoff and no contract"
    named = [
        (o.handoff_on, "handed off"),
        (o.onboarding_start, "onboarding start"),
        (o.first_contract_start, "first contract start"),
    ]
    what = next(label for day, label in named if day == started)
    ago = (s.as_of - started).days
    when = f"in {_days(-ago)}" if ago < 0 else f"{_days(ago)} ago"
    return o.recent, f"{what} {started} ({when}; window {ONBOARDING_DAYS} days)"


def _renewal(s: CustomerSignals) -> tuple[bool, str]:
    r = s.renewal
    if r is None:
        return False, f"no active contract ends within {RENEWAL_DAYS} days"
    return True, f"contract {r.contract_id} ends {r.end_date} (in {_days(r.days_left)})"


def _expansion(s: CustomerSignals) -> tuple[bool, str]:
    e = s.expansion
    if e is None:
        return False, "expansion readiness not scored yet"
    state = "ready" if e.ready else "not ready"
    return e.ready, f"expansion readiness {e.score}, {state} (nightly run of {e.as_of})"


def _advocacy(s: CustomerSignals) -> tuple[bool, str]:
    n, h = s.nps, s.health
    grade = h.grade if h else "none"
    if n is None or n.nps is None:
        return False, f"no NPS answers in {NPS_DAYS} days (grade {grade})"
    promoter = f"≥ {PROMOTER_NPS_AT}" if n.promoter else f"< {PROMOTER_NPS_AT}"
    facts = f"NPS {n.nps:g} over {plural(n.responses, 'answer')} in {NPS_DAYS} days ({promoter})"
    return n.promoter and grade == HealthGrade.HEALTHY, f"{facts}, grade {grade}"


def _value_realization(s: CustomerSignals) -> tuple[bool, str]:
    a = s.adoption
    if a is None or a.share is None:
        return False, "no key features in the catalogue"
    pct = round_half_up(100 * a.share)
    facts = f"{len(a.adopted)} of {a.key_features} key features adopted ({pct}%)"
    declining = s.health is not None and s.health.declining
    met = not a.low and not declining
    limit = f"{'≥' if not a.low else '<'} {LOW_ADOPTION_BELOW:.0%}"
    return met, f"{facts}, {limit}{'; health declining' if declining else ''}"


def _adoption(s: CustomerSignals) -> tuple[bool, str]:
    return True, "the default stage"


RULES: tuple[tuple[str, Callable[[CustomerSignals], tuple[bool, str]]], ...] = (
    (S.CHURNED, _churned),
    (S.AT_RISK, _at_risk),
    (S.ONBOARDING, _onboarding),
    (S.RENEWAL, _renewal),
    (S.EXPANSION, _expansion),
    (S.ADVOCACY, _advocacy),
    (S.VALUE_REALIZATION, _value_realization),
    (S.ADOPTION, _adoption),
)


def determine_stage(signals: CustomerSignals) -> StageDetermination:
    """The stage the rules give for one customer's signals (holding STAGE_GROUPS)."""
    checks = tuple(RuleCheck(str(stage), *rule(signals)) for stage, rule in RULES)
    stage = next(check.stage for check in checks if check.met)
    position = signals.lifecycle
    recorded = position.stage if position else None
    return StageDetermination(
        stage=stage,
        rules=checks,
        recorded_stage=recorded,
        recorded_since=position.since if position else None,
        allowed_from_recorded=tuple(str(s) for s in ALLOWED_TRANSITIONS.get(recorded or "", ())),
    )


def determine_stages(customer_pks: Sequence[int], as_of: date) -> dict[int, StageDetermination]:
    """Every asked customer's determined stage as of `as_of`, set-based: the STAGE_GROUPS
    signals in a fixed number of queries (marketing.signals.signals), then the rules."""
    signals = customer_signals(customer_pks, as_of, STAGE_GROUPS)
    return {pk: determine_stage(s) for pk, s in signals.items()}
