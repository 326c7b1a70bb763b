"""What every domain admin shares: a service's refusal becomes a message, never a 500.

Admin saves go through the same services as the API. Forms check what they can up front and
show form errors; a refusal that can only be known inside the service (a state that changed
since the form was shown, a duplicate created meanwhile) arrives as the service's domain error.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .domain_errors import DomainError


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
        except DomainError as exc:
            self.message_user(request, exc.text(), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.text(), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def copy_saved(saved: Any, obj: Any) -> None:
    """Make the admin's instance the row a service saved (the admin keeps using `obj` for
    inlines, the log and the redirect)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class IngestedAdmin(ServiceAdmin):
    """Rows the systems of record send by bulk ingestion (tickets, surveys, tasks, invoices,
    features, usage). An admin save is a one-item batch through the same upsert service, so
    it writes what ingestion would write: the item's natural key, the fields the service
    always needs (`always`), and the fields the form changed (`full_rows`: every field, for
    services that take whole rows). The natural key is fixed once the row exists."""

    natural_key: tuple[str, ...] = ()
    always: tuple[str, ...] = ("customer",)
    full_rows = False
    # A form field holding a model instance → (item field, the instance's attribute).
    as_item: dict[str, tuple[str, str]] = {"customer": ("customer_id", "customer_id")}

    def ingest(self, items: list[dict[str, Any]]) -> Any:
        raise NotImplementedError

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, *self.natural_key) if obj else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        sent = [*self.natural_key, *self.always]
        sent += list(data) if self.full_rows or not change else form.changed_data
        item: dict[str, Any] = {}
        for name in dict.fromkeys(sent):
            value = data[name] if name in data else getattr(obj, name)
            if name in self.as_item:
                name, attribute = self.as_item[name]
                value = None if value is None else getattr(value, attribute)
            item[name] = value
        self.ingest([item])
        lookup = {name: getattr(obj, name) for name in self.natural_key}
        copy_saved(type(obj)._default_manager.get(**lookup), obj)
