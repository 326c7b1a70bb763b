"""The nightly lifecycle determination applied (marketing.journey.lifecycle): a customer whose
determined stage differs moves there through journey_move (source system, the rules as the
reason, history and touchpoints) when the transition table allows it; otherwise it is left
alone and counted; the setting switches the task off."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings

from customers.models import Customer, LifecycleChange
from marketing.journey.lifecycle import lifecycle_apply_determined
from marketing.models import Touchpoint
from marketing.tasks import apply_lifecycle_stages
from tests.customers.factories import CustomerFactory
from tests.marketing.journey_support import configure_journey
from tests.marketing.support import AS_OF, at, expansion, snapshot

pytestmark = pytest.mark.django_db
NOW = at(AS_OF, 3)


def _customers() -> dict[str, Customer]:
    configure_journey()
    made = {
        # critical health: at_risk; adoption -> at_risk is allowed
        "critical": CustomerFactory.create(customer_id="critical", lifecycle_stage="adoption"),
        # expansion ready: expansion; value_realization -> expansion is allowed
        "ready": CustomerFactory.create(customer_id="ready", lifecycle_stage="value_realization"),
        # expansion ready too, but onboarding -> expansion is not in the table
        "stuck": CustomerFactory.create(customer_id="stuck", lifecycle_stage="onboarding"),
        # no data: the default stage, adoption, as recorded
        "agrees": CustomerFactory.create(customer_id="agrees", lifecycle_stage="adoption"),
        # churned: not an active customer, never determined here
        "gone": CustomerFactory.create(
            customer_id="gone", status="churned", lifecycle_stage="churned"
        ),
    }
    snapshot(made["critical"], 40, "critical")
    expansion(made["ready"], 74, True)
    expansion(made["stuck"], 80, True)
    snapshot(made["gone"], 30, "critical")
    return made


def _stages() -> dict[str, str]:
    return dict(Customer.objects.values_list("customer_id", "lifecycle_stage"))


def test_allowed_moves_are_made_with_history_and_touchpoints() -> None:
    _customers()
    result = lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    assert result.checked == 4  # the active ones
    assert sorted(result.moved) == ["critical", "ready"]
    assert result.not_allowed == ["stuck"]
    assert result.changed_meanwhile == []
    assert _stages() == {
        "critical": "at_risk",
        "ready": "expansion",
        "stuck": "onboarding",
        "agrees": "adoption",
        "gone": "churned",
    }
    changes = {
        c.customer.customer_id: c for c in LifecycleChange.objects.select_related("customer")
    }
    assert set(changes) == {"critical", "ready"}
    critical = changes["critical"]
    assert (critical.from_stage, critical.to_stage, critical.source) == (
        "adoption",
        "at_risk",
        "system",
    )
    assert critical.changed_at == NOW
    assert critical.reason == (
        "lifecycle determination → at_risk (churned: status active; at_risk: grade critical "
        "(score 40, grade critical, 30-day change no snapshot near 30 days ago))"
    )
    assert changes["ready"].reason.startswith("lifecycle determination → expansion (churned: ")
    assert "expansion: expansion readiness 74, ready" in changes["ready"].reason
    # the entered stages' templates (journey_support.TEMPLATES), scheduled by the move
    touchpoints = sorted(
        Touchpoint.objects.values_list("customer__customer_id", "name", "status", "scheduled_for")
    )
    assert touchpoints == [
        ("critical", "Check-in call", "scheduled", NOW),
        ("ready", "Premium overview", "scheduled", NOW),
    ]


def test_a_second_run_moves_nobody() -> None:
    _customers()
    lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    again = lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    assert again.moved == []
    assert again.not_allowed == ["stuck"]
    assert LifecycleChange.objects.count() == 2


def test_queries_are_fixed_plus_one_move_per_changed_customer(
    django_assert_max_num_queries: Any,
) -> None:
    made = _customers()
    # nobody differs but `stuck` (not allowed): the fixed part only
    Customer.objects.filter(pk__in=[made["critical"].pk, made["ready"].pk]).delete()
    with django_assert_max_num_queries(FIXED) as fixed:
        lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    base = len(fixed.captured_queries)
    for n in range(3):
        c = CustomerFactory.create(customer_id=f"more_{n}", lifecycle_stage="adoption")
        snapshot(c, 35, "critical")
    with django_assert_max_num_queries(base + 3 * PER_MOVE):
        result = lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    assert len(result.moved) == 3


FIXED = 10  # the active customers, the determination's groups, the customer_ids
PER_MOVE = 21  # savepoint, the lock, journey_move (history, change, event, touchpoints), the
# customer's historical row (django-simple-history)


def test_the_task_runs_it_unless_switched_off(settings: Any) -> None:
    _customers()
    settings.CS_HUB_AUTO_LIFECYCLE = False
    assert apply_lifecycle_stages() == {
        "checked": 0,
        "moved": 0,
        "not_allowed": 0,
        "changed_meanwhile": 0,
    }
    assert _stages()["critical"] == "adoption"
    assert not LifecycleChange.objects.exists()
    settings.CS_HUB_AUTO_LIFECYCLE = True
    counts = apply_lifecycle_stages()
    assert counts["moved"] == 2
    assert counts["not_allowed"] == 1
    assert _stages()["critical"] == "at_risk"


def test_the_beat_runs_it_nightly_after_the_expansion_scoring() -> None:
    assert django_settings.CS_HUB_AUTO_LIFECYCLE is True  # the default
    beat = django_settings.CELERY_BEAT_SCHEDULE
    entry = beat["apply-lifecycle-stages-nightly"]
    assert entry["task"] == "marketing.apply_lifecycle_stages"
    scoring = beat["score-expansion-nightly"]["schedule"]
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {0})
    assert (scoring.hour, scoring.minute) == ({2}, {30})


def test_a_refused_move_leaves_that_customer_alone_and_the_run_goes_on() -> None:
    """A stage change recorded after the run's clock (a move made while the run went on) makes
    that customer's move a 400 occurred_before_last_change: counted, not fatal."""
    made = _customers()
    LifecycleChange.objects.create(
        customer=made["critical"],
        from_stage="",
        to_stage="adoption",
        source="api",
        changed_at=NOW + timedelta(minutes=1),
    )
    result = lifecycle_apply_determined(as_of=AS_OF, now=NOW)
    assert result.changed_meanwhile == ["critical"]
    assert result.moved == ["ready"]
    assert _stages()["critical"] == "adoption"
    assert _stages()["ready"] == "expansion"
