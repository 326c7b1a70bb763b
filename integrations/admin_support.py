"""What every domain admin shares: a service's refusal becomes a message, never a 500.

Admin saves go through the same services as the API. Forms check what they can up front and
show form errors; a refusal that can only be known inside the service (a state that changed
since the form was shown, a duplicate created meanwhile) arrives as the service's domain error.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .domain_errors import DomainError
from .validation import INVALID_CHARACTERS, INVALID_CHARACTERS_DETAIL, has_invalid_characters

STALE = "changed by someone else since you opened this page (now: {current}); reload"
# A post without the hidden initial values the page renders: any value differing from the
# current one is refused, the user's own edits included, since they cannot be told apart.
NO_INITIAL = (
    "the page is out of date: it did not send the values it showed, so this value (now: "
    "{current}) may be an old one; nothing was saved. Reload the page and make the change again"
)


class StaleGuard:
    """A change form that knows what the page showed. Each field renders its value as a hidden
    initial, so `changed_data` is what the user changed since the page was rendered (not a
    comparison with the row as it is now, which would resend every value someone else changed
    meanwhile), and a field the user changed that someone else also changed is refused.
    A post without those initials can only be compared with the row as it is now: a field
    equal to it is unchanged, any other is refused (NO_INITIAL), never written."""

    instance: Any
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: Any = self
        self.without_initial: set[str] = set()
        if not self.instance.pk:
            return
        for name, field in self.fields.items():
            field.show_hidden_initial = True
            hidden_widget = field.hidden_widget()
            # An empty list renders no hidden input at all: read as "showed nothing".
            if not form.is_bound or isinstance(hidden_widget, forms.MultipleHiddenInput):
                continue
            hidden = form.add_initial_prefix(name)
            if hidden_widget.value_omitted_from_data(form.data, form.files, hidden):
                # Not posted from the rendered page (a script, an old page): what it showed is
                # unknown, so Django compares with the row as it is now (see `clean`).
                field.show_hidden_initial = False
                self.without_initial.add(name)

    def clean(self) -> Any:
        data = super().clean()  # type: ignore[misc]
        form: Any = self
        if not self.instance.pk:
            return data
        for name in form.changed_data:
            bound, field = form[name], self.fields[name]
            current = getattr(self.instance, name, bound.initial)
            current = "—" if current is None else current
            if name in self.without_initial:
                # Differs from the row as it is now, and nothing tells whether the user changed
                # it or the page predates someone else's change: never write it.
                form.add_error(name, NO_INITIAL.format(current=current))
                continue
            shown = form._widget_data_value(field.hidden_widget(), bound.html_initial_name)
            if field.has_changed(bound.initial, shown):  # the row moved since the page
                form.add_error(name, STALE.format(current=current))
        return data


def stale_guarded(form: type[forms.BaseForm]) -> Any:
    """`form` with the StaleGuard."""
    return type(form.__name__, (StaleGuard, form), {})


class ServiceInline(admin.options.InlineModelAdmin):
    """An inline whose rows the parent admin saves through services: the same StaleGuard."""

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"form": stale_guarded(formset.form)})


class SafeJSONField(forms.JSONField):
    """Django's JSON form field lets the parser's RecursionError (a deeply nested value)
    through as a 500, and `"\\u0000"` (NUL, which PostgreSQL refuses in JSON: a 500 on save)
    or a lone surrogate into a string or key; here both are form errors."""

    def to_python(self, value: Any) -> Any:
        try:
            parsed = super().to_python(value)
        except RecursionError:
            raise ValidationError("Enter valid JSON (nested too deeply).", code="invalid") from None
        if _json_has_invalid_characters(parsed):
            raise ValidationError(
                f"Enter valid JSON: {INVALID_CHARACTERS_DETAIL}", code=INVALID_CHARACTERS
            )
        return parsed

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:  # re-shown as the text that was sent
            return forms.fields.InvalidJSONInput(data)


def _json_has_invalid_characters(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_invalid_characters(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# For a ModelAdmin that is not a ServiceAdmin: `formfield_overrides = JSON_FORM_FIELD`.
JSON_FORM_FIELD: dict[Any, dict[str, Any]] = {models.JSONField: {"form_class": SafeJSONField}}


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves call services: their domain errors roll the save back (the
    admin wraps it in a transaction) and come back as an error message on the same page.
    Its forms (change form and list_editable rows) send only what the user changed."""

    # Money fields: whole currency units, as the API takes them (README "Money"), never 12.50.
    money_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.money_fields:
            return forms.IntegerField(
                label=db_field.verbose_name.capitalize(),
                required=not db_field.blank,
                min_value=0,
                help_text=" ".join(filter(None, [db_field.help_text, "Whole currency units."])),
            )
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", SafeJSONField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        return stale_guarded(super().get_form(request, obj, change, **kwargs))

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        return stale_guarded(super().get_changelist_form(request, **kwargs))

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


class VersionedModelAdmin(ServiceAdmin):
    """A versioned model with one active row (health model, expansion model): saves and the
    "make active" action go through the owning app's services, which a subclass calls in
    `save_version` (keyword `data`, `model`: None to create) and `activate_version`."""

    actions = ["activate"]
    # Defined by each subclass as methods calling its app's services.
    save_version: Callable[..., Any]
    activate_version: Callable[..., Any]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.save_version(
            data={f: form.cleaned_data[f] for f in form.changed_data}
            if change
            else form.cleaned_data,
            model=type(obj).objects.get(pk=obj.pk) if change else None,
        )
        copy_saved(saved, obj)

    @admin.action(description="Make the selected model the active one", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        chosen = queryset.order_by("-version").first()
        if chosen is None:
            return
        self.activate_version(model=chosen)
        self.message_user(request, f"Version {chosen.version} is now active.")


class IngestedAdmin(ServiceAdmin):
    """Rows the systems of record send by bulk ingestion (tickets, surveys, tasks, invoices,
    features, usage). An admin save is a one-item batch through the same upsert service, so
    it writes what ingestion would write: the item's natural key, the fields the service
    always needs (`always`), and the fields the form changed (`full_rows`: every field, for
    services that take whole rows, the others from the row as it is now). The natural key is
    fixed once the row exists. `ingest_service` is the upsert, called with the items."""

    ingest_service: Callable[..., Any]

    natural_key: tuple[str, ...] = ()
    always: tuple[str, ...] = ("customer",)
    full_rows = False
    # A form field holding a model instance → (item field, the instance's attribute).
    as_item: dict[str, tuple[str, str]] = {"customer": ("customer_id", "customer_id")}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, *self.natural_key) if obj else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        sent = [*self.natural_key, *self.always]
        sent += list(data) if self.full_rows or not change else form.changed_data
        # `obj` holds every posted value: what the user did not change comes from the row.
        current = type(obj)._default_manager.get(pk=obj.pk) if change else obj
        item: dict[str, Any] = {}
        for name in dict.fromkeys(sent):
            mine = name in data and (not change or name in form.changed_data)
            value = data[name] if mine else getattr(current, name)
            if name in self.as_item:
                name, attribute = self.as_item[name]
                value = None if value is None else getattr(value, attribute)
            item[name] = value
        type(self).ingest_service(items=[item])
        lookup = {name: getattr(obj, name) for name in self.natural_key}
        copy_saved(type(obj)._default_manager.get(**lookup), obj)


@checks.register(checks.Tags.admin)
def check_ingested_admins(**kwargs: Any) -> list[checks.CheckMessage]:
    """Every IngestedAdmin names its upsert service."""
    return [
        checks.Error(f"{type(model_admin).__name__} sets no `ingest_service`.", id="cs_hub.E001")
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, IngestedAdmin) and not hasattr(model_admin, "ingest_service")
    ]
