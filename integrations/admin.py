from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import ApiKey, Event, IdempotencyRecord


@admin.register(ApiKey)
class ApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "scopes", "throttle_rate")  # type: ignore[assignment]
    search_fields = ("name", "prefix")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "customer_id", "status", "attempts", "created_at"]
    list_filter = ["status", "type"]
    search_fields = ["event_id", "customer_id", "type"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Event._meta.fields]
    actions = ["retry_now"]

    @admin.action(description="Retry the selected events now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        updated = queryset.exclude(status=Event.Status.DONE).update(
            status=Event.Status.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{updated} event(s) queued for the relay.")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["client", "key", "method", "path", "state", "response_status", "created_at"]
    list_filter = ["state", "method"]
    search_fields = ["client", "key", "path"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]
