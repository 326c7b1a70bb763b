"""A CSM's work queues in the admin: "My accounts", "My tasks" (overdue first, completed
from the page) and "My alerts". "My" is the team member linked to the signed-in user
(TeamMember.user); a user who may change team members (a manager) can open anyone's queue
with `?member=<id>`. Each page reads through the domains' read modules in a fixed number of
queries, whatever the number of rows."""

from typing import Any

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from customers import read as customers_read
from integrations.domain_errors import DomainError
from integrations.replica import replica_reads
from operations import read as operations_read
from operations import services as operations_services
from operations.admin import complete_tasks_message

from .access import signed_in_member

BIGGEST = 2**63
LIMIT = 200  # rows shown; the count says how many there are, the admin list has them all


def _is_id(text: str) -> bool:
    """ASCII digits within the database's integer: `"²".isdigit()` holds but `int("²")` fails,
    int() refuses over 4300 digits, and an id beyond 2**63 would overflow SQLite."""
    return len(text) <= 19 and text.isascii() and text.isdigit() and int(text) < BIGGEST


def _member(request: HttpRequest) -> customers_read.TeamMemberRef | None:
    """The queue's owner: `?member=` for a manager, otherwise the signed-in CSM."""
    asked = request.GET.get("member")
    if asked is None:
        return signed_in_member(request.user)
    if not request.user.has_perm("customers.change_teammember"):
        raise Http404("Only a manager opens another member's queue.")
    if not _is_id(asked):
        raise Http404("No such team member.")
    found = customers_read.team_member_ref(int(asked))
    if found is None:
        raise Http404("No such team member.")
    return found


def _render(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    return TemplateResponse(
        request,
        f"admin/cockpit/{template}",
        {**admin.site.each_context(request), "title": title, **context},
    )


def my_accounts(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    with replica_reads():  # README "Read replica": a read-only page
        total, rows = (
            (0, [])
            if member is None
            else customers_read.accounts_managed_by(member.pk, limit=LIMIT)
        )
    return _render(
        request, "my_accounts.html", "My accounts", member=member, total=total, accounts=rows
    )


def my_tasks(request: HttpRequest) -> HttpResponse:
    # On the primary: the page completes tasks, and the list after that must not show them.
    member = _member(request)
    if request.method == "POST" and member is not None:
        return _complete(request, member)
    total, overdue, rows = (
        (0, 0, [])
        if member is None
        else operations_read.open_tasks_owned_by(member.pk, now=timezone.now(), limit=LIMIT)
    )
    return _render(
        request,
        "my_tasks.html",
        "My tasks",
        member=member,
        total=total,
        overdue=overdue,
        tasks=rows,
        can_complete=request.user.has_perm("operations.change_task"),
    )


def _complete(request: HttpRequest, member: customers_read.TeamMemberRef) -> HttpResponse:
    """Complete the ticked tasks, only those the queue's owner owns (the same service as the
    task list's action)."""
    if not request.user.has_perm("operations.change_task"):
        raise Http404("You may not change tasks.")
    pks = [int(pk) for pk in request.POST.getlist("task") if _is_id(pk)]
    if not pks:
        messages.warning(request, "No tasks selected.")
    else:
        try:
            done = operations_services.tasks_complete(
                task_pks=pks, now=timezone.now(), owner_pk=member.pk
            )
        except DomainError as exc:
            messages.error(request, exc.text())
        else:
            text, level = complete_tasks_message(done)
            messages.add_message(request, level, text)
    return HttpResponseRedirect(request.get_full_path())


def my_alerts(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    with replica_reads():  # README "Read replica": a read-only page
        alerts, escalations = (
            ([], [])
            if member is None
            else operations_read.open_incidents_for(member.pk, member.email, limit=LIMIT)
        )
    return _render(
        request,
        "my_alerts.html",
        "My alerts",
        member=member,
        alerts=alerts,
        escalations=escalations,
        alert_list=reverse("admin:operations_alert_changelist"),
        escalation_list=reverse("admin:operations_escalation_changelist"),
    )
