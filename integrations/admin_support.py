"""What every domain admin shares: a service's refusal becomes a message, never a 500.

Admin saves go through the same services as the API. Forms check what they can up front and
show form errors; a refusal that can only be known inside the service (a state that changed
since the form was shown, a duplicate created meanwhile) arrives as the service's domain error.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from rest_framework.exceptions import APIException


def error_text(exc: APIException) -> str:
    """A domain error's detail as one line (details may be strings, lists or dicts)."""
    detail: Any = exc.detail
    if isinstance(detail, dict):
        return "; ".join(f"{field}: {error_text(APIException(d))}" for field, d in detail.items())
    if isinstance(detail, list):
        return " ".join(str(d) for d in detail)
    return str(detail)


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves call services: their domain errors roll the save back (the
    admin wraps it in a transaction) and come back as an error message on the same page."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except APIException as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except APIException as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def copy_saved(saved: Any, obj: Any) -> None:
    """Make the admin's instance the row a service saved (the admin keeps using `obj` for
    inlines, the log and the redirect)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db
