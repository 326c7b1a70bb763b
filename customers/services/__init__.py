"""Writes for the CS core. Keyword-only, typed, atomic; events go through the outbox.

One module per concept; callers import from here (`from customers import services`)."""

from .customers import (
    CUSTOMER_FIELDS,
    allowed_next_stages,
    customer_change_stage,
    customer_create,
    customer_update,
    customers_bulk_upsert,
)
from .plans import milestone_update, milestones_add, success_plan_create
from .stakeholders import (
    STAKEHOLDER_FIELDS,
    stakeholder_create,
    stakeholder_delete,
    stakeholder_update,
    stakeholders_add,
)
from .team import team_member_create, team_member_sign_in_create, team_member_update

__all__ = [
    "CUSTOMER_FIELDS",
    "STAKEHOLDER_FIELDS",
    "allowed_next_stages",
    "customer_change_stage",
    "customer_create",
    "customer_update",
    "customers_bulk_upsert",
    "milestone_update",
    "milestones_add",
    "stakeholder_create",
    "stakeholder_delete",
    "stakeholder_update",
    "stakeholders_add",
    "success_plan_create",
    "team_member_create",
    "team_member_sign_in_create",
    "team_member_update",
]
