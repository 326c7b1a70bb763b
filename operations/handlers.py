"""Outbox handlers owned by operations: automation rules, and delivered feedback → CSM task.

Both run inside the relay's claiming transaction, so their database effects commit with the
event's `done` mark (exactly once); both are keyed so a re-delivered event changes nothing.
"""

import logging
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer
from integrations.domain_errors import DomainError
from integrations.models import Event

from .choices import RunTrigger, TaskKind
from .models import AutomationRule, Task, WorkflowRun
from .workflows.engine import workflow_start
from .workflows.registry import runnable_steps
from .workflows.steps import add_business_days

logger = logging.getLogger(__name__)
MAX_COOLDOWN_HOURS = 24 * 366  # the model's cap too; older data is clamped, never overflows
RULE_CACHE_SECONDS = 5.0  # an admin's rule edit takes effect within this
_cache: dict[str, Any] = {"at": -RULE_CACHE_SECONDS, "by_type": {}}


def _rules_for(event_type: str) -> list[AutomationRule]:
    """Active rules by event type, re-read every few seconds: the handler sees every event
    (thousands per nightly recompute), and one query each would double the relay's cost."""
    now = time.monotonic()
    if now - _cache["at"] >= RULE_CACHE_SECONDS:
        by_type: dict[str, list[AutomationRule]] = {}
        for rule in AutomationRule.objects.filter(active=True):
            by_type.setdefault(rule.event_type, []).append(rule)
        _cache.update(at=now, by_type=by_type)
    rules: list[AutomationRule] = _cache["by_type"].get(event_type, [])
    return rules


def clear_rule_cache() -> None:
    _cache["at"] = -RULE_CACHE_SECONDS


def matches(conditions: dict[str, Any], data: dict[str, Any]) -> bool:
    """Every condition key must equal the event's value, or be one of a listed set."""
    for key, wanted in conditions.items():
        value = data.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def run_automation_rules(event: Event) -> None:
    if event.type.startswith("workflow.") or not event.customer_id:
        return  # workflows do not start workflows: no feedback loops
    rules = [r for r in _rules_for(event.type) if matches(r.conditions, event.data)]
    if not rules:
        return
    # Locking the customer serialises rule runs for them across relay workers, so two
    # events relayed at once cannot both pass the cool-down check.
    customer = Customer.objects.select_for_update().filter(customer_id=event.customer_id).first()
    if customer is None:
        return
    for rule in rules:
        try:
            with transaction.atomic():  # one broken rule must not fail the event for others
                _apply_rule(rule, customer, event)
        except DomainError as exc:  # a refusal (e.g. conditions not met), not a crash
            logger.info(
                "automation rule %s refused on event %s: %s: %s",
                rule.pk,
                event.event_id,
                exc.code,
                exc.text(),
            )
        except Exception:
            logger.exception("automation rule %s failed on event %s", rule.pk, event.event_id)


def _apply_rule(rule: AutomationRule, customer: Customer, event: Event) -> None:
    now = timezone.now()
    cooldown = timedelta(hours=min(rule.cooldown_hours, MAX_COOLDOWN_HOURS))
    if WorkflowRun.objects.filter(
        rule=rule, customer=customer, created_at__gte=now - cooldown
    ).exists():
        return  # cooling down: one run per customer per rule per cool-down
    steps = runnable_steps(rule.automation_steps)
    workflow_start(
        customer=customer,
        workflow_type=rule.workflow_type,
        trigger_conditions={},
        steps=steps,
        force=True,
        trigger=RunTrigger.RULE,
        rule=rule,
        requested_by=f"rule:{rule.pk}",
        evaluation={
            "conditions": [],
            "conditions_match": "all",
            "held": True,
            "evaluated_at": now.isoformat(),
            "event": {"event_id": event.event_id, "type": event.type, "data": event.data},
            "rule": {"id": rule.pk, "name": rule.name, "conditions": rule.conditions},
        },
    )


def feedback_delivered_task(event: Event) -> None:
    """Product delivered what the customer asked for: the CSM tells them."""
    data = event.data
    customer = (
        Customer.objects.select_related("success_manager")
        .filter(Q(customer_id=event.customer_id))
        .first()
    )
    if customer is None or not data.get("feedback_id"):
        return
    description = str(data.get("description", ""))[:80]
    Task.objects.get_or_create(
        task_id=f"fbd_{data['feedback_id']}"[:64],
        defaults={
            "customer": customer,
            "kind": TaskKind.EMAIL,
            "owner": customer.success_manager,
            "title": f"Tell {customer.name} it shipped: {description}"[:200],
            "due_at": add_business_days(timezone.now(), 2),
        },
    )
