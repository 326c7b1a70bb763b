"""The admin site as a CS manager meets it: "CS Hub", opening on the dashboard (the index),
with the app list below it. Installed as the default site (cockpit.apps.CockpitAdminConfig),
so every `admin.site.register` in the domains lands here."""

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from integrations import clock
from integrations.replica import replica_reads

from .charts import COLOURS, stacked_weeks
from .dashboard import build_dashboard
from .lookups import unanswerable
from .selection import foreign_ids


def dashboard_moment() -> tuple[date, datetime]:
    """The day the dashboard's figures are for, and the instant "overdue" is measured at."""
    return clock.today(), timezone.now()


class CockpitAdminSite(admin.AdminSite):
    site_header = "CS Hub"
    site_title = "CS Hub"
    index_title = "Dashboard"
    # The API and its docs are the product a visitor can use; there is no other public site.
    site_url = "/api/docs/"
    index_template = "admin/cockpit/dashboard.html"

    def _can_view(self, request: HttpRequest) -> Any:
        """label -> whether the viewer may open that model's admin list (registered here, and
        the view or change permission, as the admin itself decides)."""
        by_label = {m._meta.label_lower: ma for m, ma in self._registry.items()}

        def can_view(label: str) -> bool:
            model_admin = by_label.get(label)
            return model_admin is not None and model_admin.has_view_or_change_permission(request)

        return can_view

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        """Every admin page: a lookup the database would fail on (cockpit.lookups) gets the
        admin's own "invalid lookup" redirect, as a value it cannot convert does; an action
        POST selecting ids that are no ids of the list's model (cockpit.selection) is refused
        with a message and changes nothing."""
        inner = super().admin_view(view, cacheable)

        model_admin = getattr(view, "__self__", None)  # a ModelAdmin's own views

        @wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if unanswerable(dict(request.GET.lists())):
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
            selected = (
                request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
            )
            if (
                selected
                and isinstance(model_admin, admin.ModelAdmin)
                and self.has_permission(request)
                and foreign_ids(model_admin.model, selected)
            ):
                messages.error(request, "The selection holds ids of no record: nothing changed.")
                return HttpResponseRedirect(request.get_full_path())
            return inner(request, *args, **kwargs)

        return guarded

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> Any:
        """Django builds the app list twice per page (the nav sidebar's `available_apps` and
        the index's own list), checking every model's permissions each time: once per
        request is enough."""
        built: dict[str | None, Any] = request.__dict__.setdefault("_cockpit_app_lists", {})
        if app_label not in built:
            built[app_label] = super().get_app_list(request, app_label)
        return built[app_label]

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        as_of, now = dashboard_moment()
        # From the read replica where one is configured (README "Read replica"); the health
        # tile's remembered distribution is written and read on the primary.
        with replica_reads():
            dashboard = build_dashboard(as_of=as_of, now=now, can_view=self._can_view(request))
        context = {
            "dashboard": dashboard,
            "trend": stacked_weeks(dashboard.health.weeks),
            "grade_colours": COLOURS,
            **(extra_context or {}),
        }
        return super().index(request, context)
