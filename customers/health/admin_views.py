"""Health in the admin: the snapshot list's "latest per customer" filter, a snapshot's
components and reasons, and the "rescore everyone now" pages of the health model admin.
Mixed into customers/admin.py's ModelAdmins; writes go through the health services."""

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import HealthGrade, HealthModel, HealthRecomputeRun, HealthScore
from .reasons import component_rows, health_reasons
from .rescore import health_rescore_start, live_customer_count
from .services import active_health_model

GRADE_COLOURS: dict[str, str] = {
    HealthGrade.CRITICAL: "#ba2121",
    HealthGrade.AT_RISK: "#b36200",
    HealthGrade.HEALTHY: "#2e7d32",
}
# An unfinished run younger than this blocks a second one (an older one is taken as dead).
RUN_STALE_AFTER = timedelta(hours=2)
REFRESH_SECONDS = 2
TEMPLATES = "admin/customers/healthmodel"


def grade_badge(grade: str | None) -> SafeString:
    if not grade:
        return format_html("{}", "—")
    colour = GRADE_COLOURS.get(grade, "#555")
    return format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
        colour,
        str(grade).replace("_", " "),
    )


class SnapshotShowFilter(admin.SimpleListFilter):
    """Show: latest per customer (the default) or all snapshots (the history)."""

    title = "show"
    parameter_name = "show"
    ALL = "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(self.ALL, "All snapshots")]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() != self.ALL,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Latest per customer",
        }
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All snapshots",
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[HealthScore]) -> Any:
        if self.value() == self.ALL:
            return queryset
        # The flagged rows (HealthScore.is_latest, a partial index), not a subquery per
        # customer: 451 ms at 10,000 customers before the flag.
        return queryset.filter(is_latest=True)


class ModelVersionFilter(admin.SimpleListFilter):
    """By the health model version that scored the snapshot. The choices are the health
    models' versions (a few rows), not the versions found among the snapshots: that was a
    DISTINCT over every snapshot on each view of the list (~75 ms at 10,000 customers)."""

    title = "model version"
    parameter_name = "model_version"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        versions = HealthModel.objects.order_by("version").values_list("version", flat=True)
        return [(str(v), str(v)) for v in versions]

    def queryset(self, request: HttpRequest, queryset: QuerySet[HealthScore]) -> Any:
        value = self.value()
        if value is None:
            return queryset
        try:
            version = int(value)
        except ValueError:  # the changelist's "incorrect lookup" (?e=1), not a 500
            raise IncorrectLookupParameters(f"model_version={value!r}") from None
        return queryset.filter(model_version=version)


class HealthScoreDisplay:
    """The snapshot admin's columns and read-only detail."""

    @admin.display(description="customer", ordering="customer__name")
    def customer_name(self, obj: HealthScore) -> str:
        return obj.customer.name

    @admin.display(description="customer id", ordering="customer__customer_id")
    def customer_key(self, obj: HealthScore) -> str:
        return obj.customer.customer_id

    @admin.display(description="grade", ordering="grade")
    def grade_badge(self, obj: HealthScore) -> SafeString:
        return grade_badge(obj.grade)

    @admin.display(description="why (top reasons)")
    def reasons_list(self, obj: HealthScore) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/customers/healthscore/reasons.html",
                {"reasons": health_reasons(obj.components or {})},
            )
        )

    @admin.display(description="components")
    def components_table(self, obj: HealthScore) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/customers/healthscore/components.html",
                {"rows": component_rows(obj.components or {})},
            )
        )


def unfinished_run() -> HealthRecomputeRun | None:
    since = timezone.now() - RUN_STALE_AFTER
    return HealthRecomputeRun.objects.filter(finished_at=None, created_at__gte=since).first()


class HealthRescoreViews:
    """`rescore/` asks to confirm and queues the rescore; `rescore/<run>/` shows progress."""

    admin_site: Any
    opts: Any
    message_user: Any
    has_change_permission: Any
    has_view_permission: Any

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("rescore/", wrap(self.rescore_view), name="customers_healthmodel_rescore"),
            path(
                "rescore/<int:run_pk>/",
                wrap(self.rescore_progress_view),
                name="customers_healthmodel_rescore_progress",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def offer_rescore(self, request: HttpRequest, model: HealthModel) -> None:
        if model.active:
            self.message_user(
                request,
                format_html(
                    'Version {} is active and scores from the next run on. <a href="{}">Rescore '
                    "every customer now</a>.",
                    model.version,
                    reverse("admin:customers_healthmodel_rescore"),
                ),
            )
        else:
            self.message_user(
                request,
                f"Version {model.version} is not active: make it active to score with it.",
                messages.WARNING,
            )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        latest = HealthRecomputeRun.objects.first()
        context = {**(extra_context or {}), "rescore_run": latest}
        return super().changelist_view(request, context)  # type: ignore[misc]

    def rescore_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        running = unfinished_run()
        if request.method == "POST":
            if running is None:
                running = health_rescore_start(requested_by=request.user.get_username())
                self.message_user(request, f"Rescoring {running.total:,} customers.")
            else:
                self.message_user(request, "A rescore is already running.", messages.WARNING)
            return HttpResponseRedirect(
                reverse("admin:customers_healthmodel_rescore_progress", args=[running.pk])
            )
        model = active_health_model()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Rescore every customer now?",
            "model": model,
            "customers": live_customer_count(),
            "running": running,
        }
        return TemplateResponse(request, f"{TEMPLATES}/rescore_confirm.html", context)

    def rescore_progress_view(self, request: HttpRequest, run_pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(HealthRecomputeRun, pk=run_pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Rescoring" if run.finished_at is None else "Rescore finished",
            "run": run,
            "refresh": REFRESH_SECONDS if run.finished_at is None else None,
        }
        return TemplateResponse(request, f"{TEMPLATES}/rescore_progress.html", context)
