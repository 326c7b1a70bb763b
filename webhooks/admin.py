"""Webhooks in the admin: endpoints (the secret is never shown; they are created through the
API, which checks the URL), deliveries with filters and a replay action, and a banner over the
endpoints while any is disabled."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from integrations.domain_errors import DomainError
from integrations.history_admin import HistoryAdmin

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import endpoints, replay

SHOWN_ENDPOINT_FIELDS = (
    "endpoint_id",
    "owner",
    "url",
    "description",
    "event_types",
    "enabled",
    "disabled_reason",
    "disabled_at",
    "failing_since",
    "previous_secret_expires_at",
    "created_at",
    "updated_at",
)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(HistoryAdmin, admin.ModelAdmin):
    list_display = ["endpoint_id", "url", "owner", "enabled", "disabled_reason", "failing_since"]
    list_filter = ["enabled", "disabled_reason"]
    search_fields = ["endpoint_id", "url", "description"]
    fields = SHOWN_ENDPOINT_FIELDS  # never `secret` nor `previous_secret`
    readonly_fields = SHOWN_ENDPOINT_FIELDS
    actions = ["enable", "disable"]
    revertable = False  # nothing here is edited by hand: the API checks a changed URL

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # POST /api/v1/webhooks/endpoints checks the URL and shows the secret once

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        disabled = WebhookEndpoint.objects.filter(enabled=False).exclude(disabled_reason="")
        count = disabled.count()
        if count:
            messages.warning(
                request,
                f"{count} endpoint(s) disabled after failures (410 Gone or 5 days failing); "
                "filter by 'disabled reason', fix the receiver, then enable and replay.",
            )
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # get_object: a malformed id in the URL ("abc") is "no such endpoint", not a 500.
        endpoint = self.get_object(request, unquote(object_id))
        if endpoint is not None and not endpoint.enabled:
            reason = endpoint.get_disabled_reason_display() or "by its owner"
            messages.warning(request, f"This endpoint is disabled: {reason}.")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Enable the selected endpoints", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoints.endpoint_update(endpoint=endpoint, data={"enabled": True})
        self.message_user(request, "Enabled; replay what they missed from their deliveries.")

    @admin.action(description="Disable the selected endpoints", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoints.endpoint_update(endpoint=endpoint, data={"enabled": False})
        self.message_user(request, "Disabled.")


ATTEMPT_FIELDS = ("attempted_at", "succeeded", "status_code", "latency_ms", "error_class", "error")


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    ordering = ["-attempted_at"]
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "delivery_id",
        "endpoint",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "endpoint__enabled", "event__type", "last_status_code"]
    search_fields = ["delivery_id", "event__event_id", "endpoint__endpoint_id", "endpoint__url"]
    list_select_related = ["endpoint", "event"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Replay the selected deliveries (same webhook-id)", permissions=["change"]
    )
    def replay_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done, refused = 0, []
        for delivery in queryset.select_related("endpoint"):
            try:
                replay.delivery_replay(delivery=delivery)
                done += 1
            except DomainError as exc:
                refused.append(f"{delivery.delivery_id}: {exc.text()}")
        self.message_user(request, f"{done} delivery(ies) queued.")
        if refused:
            self.message_user(request, "; ".join(refused[:10]), level=messages.WARNING)
