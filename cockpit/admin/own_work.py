"""A CSM acts on their own work only: tasks they own, alerts and escalations on the accounts
they manage or assigned to them (the work queues' definitions, `operations.read`). They still
see every row; a manager (who may change team members, as for the queues' `?member=`) and
staff without a team member act on any. Without this the task, alert and escalation lists
let a CSM complete or resolve another CSM's work, which "My tasks" refuses."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from customers import read as customers_read
from operations.admin import AlertAdmin, EscalationAdmin, TaskAdmin
from operations.models import Alert, Escalation, Task

from ..access import signed_in_member


def _scoped_member(request: HttpRequest) -> customers_read.TeamMemberRef | None:
    """The CSM whose own work bounds what `request.user` may change, or None (no bound)."""
    if request.user.has_perm("customers.change_teammember"):
        return None
    return signed_in_member(request.user)


class OwnWorkMixin:
    """`mine(member)`: the rows a CSM may change; the change form is read-only elsewhere and
    a bulk action leaves the other selected rows alone, saying how many."""

    message_user: Any
    noun: str
    mine: Callable[[customers_read.TeamMemberRef], Q]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed: bool = super().has_change_permission(request, obj)  # type: ignore[misc]
        member = _scoped_member(request) if allowed and obj is not None else None
        if member is None:
            return allowed
        # The admin's own queryset (no model manager from the cockpit): one query.
        return self.get_queryset(request).filter(self.mine(member), pk=obj.pk).exists()  # type: ignore[attr-defined]

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        member = _scoped_member(request)
        if member is not None:
            chosen = queryset
            if request.POST.get("select_across", "0") == "0":
                chosen = queryset.filter(pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
            others = chosen.exclude(self.mine(member)).count()
            if others:
                self.message_user(
                    request,
                    f"{others} selected {self.noun}{'' if others == 1 else 's'} not yours: "
                    "left unchanged (a manager acts on another CSM's work).",
                    messages.WARNING,
                )
            queryset = queryset.filter(self.mine(member))
        return super().response_action(request, queryset)  # type: ignore[misc]


class OwnTaskAdmin(OwnWorkMixin, TaskAdmin):
    noun = "task"

    @staticmethod
    def mine(member: customers_read.TeamMemberRef) -> Q:
        return Q(owner_id=member.pk)


class OwnAlertAdmin(OwnWorkMixin, AlertAdmin):
    noun = "alert"

    @staticmethod
    def mine(member: customers_read.TeamMemberRef) -> Q:
        return Q(customer__success_manager_id=member.pk) | Q(owner_id=member.pk)


class OwnEscalationAdmin(OwnWorkMixin, EscalationAdmin):
    noun = "escalation"

    @staticmethod
    def mine(member: customers_read.TeamMemberRef) -> Q:
        return Q(customer__success_manager_id=member.pk) | Q(owner_email__iexact=member.email)


for _model, _admin in (
    (Task, OwnTaskAdmin),
    (Alert, OwnAlertAdmin),
    (Escalation, OwnEscalationAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, _admin)
