"""The team member list with the sign-in action: a CSM signs in as themselves (a staff
account in the "CS managers" group, linked to the member) and sees their own work queues."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from customers import services as customer_services
from customers.admin import TeamMemberAdmin
from customers.models import TeamMember
from integrations.domain_errors import DomainError

from ..access import cs_managers_group_ensure


class CockpitTeamMemberAdmin(TeamMemberAdmin):
    actions = [
        *TeamMemberAdmin.actions,  # type: ignore[misc]  # a class-level list here
        "create_sign_in",
    ]

    @admin.action(description="Create sign-in for selected team members", permissions=["add_user"])
    def create_sign_in(
        self, request: HttpRequest, queryset: QuerySet[TeamMember]
    ) -> TemplateResponse | None:
        group = cs_managers_group_ensure()
        created, refused = [], []
        for member in queryset:
            try:
                user, password = customer_services.team_member_sign_in_create(
                    member=member, groups=[group]
                )
            except DomainError as exc:
                refused.append((member.email, exc.text()))
                continue
            created.append((user.get_username(), password))
        for email, reason in refused:
            # Not "{email}: ...": the admin capitalises a message, and the address with it.
            self.message_user(request, f"No sign-in for {email}: {reason}", messages.WARNING)
        if not created:
            return None
        # Shown on this page only, never in a message (the message cookie would carry it).
        return TemplateResponse(
            request,
            "admin/cockpit/sign_ins_created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Sign-ins created",
                "created": created,
                "group": group.name,
            },
        )

    def has_add_user_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("auth.add_user")


admin.site.unregister(TeamMember)
admin.site.register(TeamMember, CockpitTeamMemberAdmin)
