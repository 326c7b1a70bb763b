"""Who a CS manager is in the admin: the "CS managers" group and its permissions, and the
team member (CSM) a signed-in user is."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db import transaction
from django.db.models import Q

from customers import read as customers_read

CS_MANAGERS = "CS managers"
# What a CSM works with day to day: their accounts, plans and milestones, tasks, alerts,
# escalations and workflows (view and change; adding is ingestion's or the services' job).
VIEW_AND_CHANGE = {
    "customers": ["customer", "stakeholder", "successplan", "milestone"],
    "operations": ["task", "alert", "escalation"],
}
VIEW_ONLY = {
    "customers": ["teammember", "healthscore", "lifecyclechange"],
    "operations": ["supportticket", "surveyresponse", "workflowrun", "playbook"],
    "product": ["feedback", "feature"],
    "finance": [
        "contract",
        "invoice",
        "expansionopportunity",
        "valuerecord",
        "renewalmodelversion",
    ],
    # the customer 360 page links to these lists: a CSM following them met 403s
    "sales": ["expansionsnapshot"],
    "marketing": ["campaign", "campaignmember", "touchpoint"],
}


def _codenames() -> Q:
    query = Q(pk__in=[])
    for actions, models in (("view", "change"), VIEW_AND_CHANGE), (("view",), VIEW_ONLY):
        for app, names in models.items():
            codes = [f"{action}_{name}" for action in actions for name in names]
            query |= Q(content_type__app_label=app, codename__in=codes)
    return query


@transaction.atomic
def cs_managers_group_ensure() -> Group:
    """The group, created if missing, holding exactly the permissions above."""
    group, _ = Group.objects.get_or_create(name=CS_MANAGERS)
    group.permissions.set(Permission.objects.filter(_codenames()))
    return group


def signed_in_member(user: AbstractBaseUser | AnonymousUser) -> customers_read.TeamMemberRef | None:
    """The team member linked to `user`, or None."""
    if not user.is_authenticated:
        return None
    return customers_read.team_member_of_user(user.pk)
