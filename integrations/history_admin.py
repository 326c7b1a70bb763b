"""The "History" page of a tracked record's admin (README "History"): every version with who
made it (user or API client) and the field changes. Staff with view permission see it;
only superusers may revert, and a revert is an ordinary admin save of the version's values:
the admin's own form validates them (a customer's lifecycle transition table, a health
model's weights) and its `save_model` writes them through the model's service."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_history_manager_for_model

from .domain_errors import DomainError

# Set on the request while the history form view renders a version: every field read-only.
SHOWING_VERSION = "_history_version_fields"
BIGGEST = 2**63  # ids at or beyond it overflow the database's integer


class HistoryAdmin(SimpleHistoryAdmin):
    """Mixed in first: `class CustomerAdmin(HistoryAdmin, ServiceAdmin)`."""

    # "Changed by" names the user, or the API key of a change made through the API.
    object_history_list_template = "admin/history/object_history_list.html"
    # False where the admin edits nothing by hand (webhook endpoints: the API checks URLs).
    revertable = True

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        return (
            self.revertable and bool(user.is_superuser) and self.has_change_permission(request, obj)
        )

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.has_change_history_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = getattr(request, SHOWING_VERSION, None)
        if shown is not None:
            return shown
        return super().get_readonly_fields(request, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._check_id(object_id)
        return super().history_view(request, object_id, extra_context)

    def _check_id(self, object_id: str, version_id: str = "0") -> None:
        """A malformed id in the URL is a 404, never a ValueError from the lookup (a 500)."""
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        too_big = isinstance(pk, int) and abs(pk) >= BIGGEST
        # "²".isdigit() holds but int("²") raises; int() refuses over 4300 digits.
        digits = len(version_id) <= 19 and version_id.isascii() and version_id.isdigit()
        if too_big or not digits:
            raise Http404
        if int(version_id) >= BIGGEST:
            raise Http404

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._check_id(object_id, version_id)
        if request.method == "POST":
            if not self.has_change_history_permission(request):
                raise PermissionDenied
            return self._revert(request, unquote(object_id), version_id)
        # A version is shown, not edited: a revert applies its stored values as they are.
        current = self.get_object(request, unquote(object_id))
        fields = list(self.get_fields(request, current)) if current is not None else []
        setattr(request, SHOWING_VERSION, fields)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _revert(self, request: HttpRequest, object_id: str, version_id: str) -> HttpResponse:
        opts = self.model._meta
        history = get_history_manager_for_model(self.model)
        record = get_object_or_404(
            history.model, **{opts.pk.attname: object_id, "history_id": version_id}
        )
        info = (self.admin_site.name, opts.app_label, opts.model_name)
        back = reverse("{}:{}_{}_simple_history".format(*info), args=(object_id, version_id))
        current = self.get_object(request, object_id)
        if current is None:
            self.message_user(request, "Deleted records cannot be reverted.", messages.ERROR)
            return HttpResponseRedirect(back)
        form_class = self.get_form(request, current, change=True)
        data = version_data(form_class, shown=record.instance, current=current)
        form = form_class(data, {}, instance=current)
        when = f"{record.history_date:%Y-%m-%d %H:%M:%S %Z}"
        if not form.is_valid():
            problems = "; ".join(
                f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()
            )
            self.message_user(request, f"Not reverted: {problems}", messages.ERROR)
            return HttpResponseRedirect(back)
        change_url = reverse("{}:{}_{}_change".format(*info), args=(object_id,))
        if not form.changed_data:
            self.message_user(request, f"Nothing to revert: it already matches {when}.")
            return HttpResponseRedirect(change_url)
        # Read by integrations.history into every history row this revert writes.
        request.history_change_reason = f"reverted to the version of {when}"  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                obj = self.save_form(request, form, change=True)
                self.save_model(request, obj, form, change=True)
                form.save_m2m()
        except DomainError as exc:
            self.message_user(request, f"Not reverted: {exc.text()}", messages.ERROR)
            return HttpResponseRedirect(back)
        self.log_change(request, obj, f"Reverted {', '.join(form.changed_data)} to {when}.")
        self.message_user(request, f"Reverted {', '.join(form.changed_data)} to {when}.")
        return HttpResponseRedirect(change_url)


def version_data(form_class: type[forms.BaseForm], *, shown: Any, current: Any) -> dict[str, Any]:
    """The POST an admin change page would send to turn `current` into `shown`: each field's
    value from `shown`, and the hidden initial values (what the page "showed", which the
    ServiceAdmin stale check compares) from `current`."""
    data: dict[str, Any] = {}
    for bound in form_class(instance=shown):  # type: ignore[call-arg]
        _put(data, bound.field.widget, bound.html_name, bound.value())
    for bound in form_class(instance=current):  # type: ignore[call-arg]
        _put(data, bound.field.hidden_widget(), bound.html_initial_name, bound.value())
    return data


def _put(data: dict[str, Any], widget: Any, name: str, value: Any) -> None:
    if isinstance(widget, forms.MultiWidget):  # the admin's split date and time
        multi: Any = widget
        parts: Any = value if isinstance(value, list | tuple) else multi.decompress(value)
        for suffix, part in zip(multi.widgets_names, parts, strict=False):
            data[name + suffix] = part
        return
    data[name] = value
