"""Reads for handoffs: the baseline taken at handoff (through the lower apps' read APIs) and
the handoff read-out."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from customers import read as customers_read
from integrations.rounding import round_half_up
from product import read as product_read

from ..errors import HandoffNotFound
from ..models import Handoff


@dataclass(frozen=True, slots=True)
class Baseline:
    """The customer at handoff: seats, usage in the 30 days up to `as_of`, key-feature
    adoption then and the latest health score scored for a day on or before it."""

    as_of: date
    licensed_seats: int
    usage_events_30d: int
    peak_active_users_30d: int
    active_days_30d: int
    key_features_adopted: tuple[str, ...]
    key_features_total: int
    health_score: int | None
    health_grade: str
    health_as_of: date | None

    @property
    def seat_utilisation(self) -> float | None:
        """min(1, peak active users / licensed seats), as the product_usage measure reads it;
        None without licensed seats."""
        if not self.licensed_seats:
            return None
        return min(1.0, self.peak_active_users_30d / self.licensed_seats)

    @property
    def key_feature_adoption_rate(self) -> float | None:
        if not self.key_features_total:
            return None
        return len(self.key_features_adopted) / self.key_features_total

    @property
    def health_reason(self) -> str | None:
        return None if self.health_score is not None else "not scored on or before the day"


def baseline_at(*, customer_pk: int, licensed_seats: int, as_of: date) -> Baseline:
    """Four queries (usage, key features and their adoption, health)."""
    usage = product_read.usage_window([customer_pk], as_of).get(customer_pk)
    adoption = product_read.key_feature_adoption([customer_pk], as_of)[customer_pk]
    health = customers_read.latest_health_scores([customer_pk], as_of_until=as_of).get(customer_pk)
    return Baseline(
        as_of=as_of,
        licensed_seats=licensed_seats,
        usage_events_30d=usage.events if usage else 0,
        peak_active_users_30d=usage.peak_active_users if usage else 0,
        active_days_30d=usage.active_days if usage else 0,
        key_features_adopted=adoption.adopted,
        key_features_total=adoption.key_features,
        health_score=health.score if health else None,
        health_grade=health.grade if health else "",
        health_as_of=health.as_of if health else None,
    )


def baseline_fields(baseline: Baseline) -> dict[str, Any]:
    """The baseline as the handoff's columns (stored_baseline reads them back)."""
    return {
        "baseline_as_of": baseline.as_of,
        "baseline_licensed_seats": baseline.licensed_seats,
        "baseline_usage_events_30d": baseline.usage_events_30d,
        "baseline_peak_active_users_30d": baseline.peak_active_users_30d,
        "baseline_active_days_30d": baseline.active_days_30d,
        "baseline_key_features_adopted": list(baseline.key_features_adopted),
        "baseline_key_features_total": baseline.key_features_total,
        "baseline_health_score": baseline.health_score,
        "baseline_health_grade": baseline.health_grade,
        "baseline_health_as_of": baseline.health_as_of,
    }


def stored_baseline(handoff: Handoff) -> Baseline:
    return Baseline(
        as_of=handoff.baseline_as_of,
        licensed_seats=handoff.baseline_licensed_seats,
        usage_events_30d=handoff.baseline_usage_events_30d,
        peak_active_users_30d=handoff.baseline_peak_active_users_30d,
        active_days_30d=handoff.baseline_active_days_30d,
        key_features_adopted=tuple(handoff.baseline_key_features_adopted),
        key_features_total=handoff.baseline_key_features_total,
        health_score=handoff.baseline_health_score,
        health_grade=handoff.baseline_health_grade,
        health_as_of=handoff.baseline_health_as_of,
    )


def handoff_list() -> QuerySet[Handoff]:
    return Handoff.objects.select_related(
        "customer", "success_manager", "contract", "check_in_task", "check_in_task__owner"
    )


def handoff_get(customer_id: str) -> Handoff:
    try:
        return handoff_list().get(customer__customer_id=customer_id)
    except Handoff.DoesNotExist:
        raise HandoffNotFound() from None


def handoff_id_of(customer_pk: int) -> str | None:
    return (
        Handoff.objects.filter(customer_id=customer_pk).values_list("handoff_id", flat=True).first()
    )


@dataclass(frozen=True, slots=True)
class HandoffDocument:
    """What the API shows: the handoff with its plan (through customers.read)."""

    handoff: Handoff
    baseline: Baseline
    plan: customers_read.SuccessPlanView | None
    csm: customers_read.CsmLoad | None
    current: Baseline | None = None  # the same measures today (the GET read-out)


def handoff_document(handoff: Handoff, *, compare_on: date | None = None) -> HandoffDocument:
    """The handoff's row plus two queries for the plan and one for its CSM's load; with
    `compare_on`, four more for the same measures on that day (what changed since handoff)."""
    plans = customers_read.success_plans([handoff.plan_id] if handoff.plan_id else [])
    csm = handoff.success_manager
    loads = customers_read.team_member_loads([csm.email]) if csm else {}
    current = None
    if compare_on is not None:
        customer = handoff.customer
        current = baseline_at(
            customer_pk=customer.pk, licensed_seats=customer.licensed_seats, as_of=compare_on
        )
    return HandoffDocument(
        handoff=handoff,
        baseline=stored_baseline(handoff),
        plan=plans.get(handoff.plan_id) if handoff.plan_id else None,
        csm=loads.get(csm.email) if csm else None,
        current=current,
    )


def change(now: float | None, then: float | None) -> float | None:
    """now - then to 4 decimals; None when either is missing."""
    return None if now is None or then is None else round_half_up(now - then, 4)
