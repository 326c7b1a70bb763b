from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .events import events_retry
from .history_admin import HistoryAdmin
from .keys import InvalidKeySettings, validate_key_settings
from .models import ApiKey, Event, IdempotencyRecord
from .scopes import ALL_SCOPES

# The library registers its own APIKey model, which this project never uses (ApiKey carries
# scopes): a second, always-empty "API keys" entry in the admin.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


class ApiKeyForm(forms.ModelForm):
    """Scopes are ticked from the known ones, never typed; every setting is checked by
    validate_key_settings, as `manage.py create_api_key` checks it."""

    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="What the key may do: <domain>:read or <domain>:write.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "throttle_rate", "expiry_date", "revoked"]

    def clean(self) -> Any:
        data = super().clean() or {}
        instance = self.instance
        try:
            settings = validate_key_settings(
                name=data.get("name", instance.name) or "",
                scopes=data.get("scopes", instance.scopes),
                throttle_rate=data.get("throttle_rate", instance.throttle_rate) or "",
                expiry_date=data.get("expiry_date", instance.expiry_date),
            )
        except InvalidKeySettings as exc:
            for field, message in exc.errors.items():
                if field not in self.errors:  # else its own message already says why
                    self.add_error(field if field in self.fields else None, message)
            return data
        for field in ("name", "scopes", "throttle_rate"):
            if field in data:
                data[field] = getattr(settings, field)
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(HistoryAdmin, APIKeyModelAdmin):
    form = ApiKeyForm
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

    @admin.action(description="Retry the selected events now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        updated = events_retry(event_pks=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{updated} event(s) queued for the relay.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # events are published by the services, never typed in


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["client", "key", "method", "path", "state", "response_status", "created_at"]
    list_filter = ["state", "method"]
    search_fields = ["client", "key", "path"]
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the API's idempotency layer only
