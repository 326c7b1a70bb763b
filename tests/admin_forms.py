"""Post admin forms as a browser would: start from what the page renders, change some fields."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.forms import BoundField, CheckboxInput, Form
from django.test import Client
from django.urls import reverse


def _field_data(field: BoundField, initial: bool = False) -> dict[str, Any]:
    """What the browser posts for `field`, or for its hidden initial (`initial`)."""
    value = field.value()
    widget = field.field.hidden_widget() if initial else field.field.widget
    name = field.html_initial_name if initial else field.html_name
    if getattr(field.field, "disabled", False):
        return {}
    if isinstance(value, datetime):
        day, time = value.date().isoformat(), value.strftime("%H:%M:%S")
        return {f"{name}_0": day, f"{name}_1": time}
    if isinstance(widget, CheckboxInput):
        return {name: "on"} if value else {}
    if value is None:
        return {name: ""}
    if isinstance(value, list | tuple):
        return {name: [str(v) for v in value]}
    return {name: widget.format_value(value) or ""}


def _form_data(form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in form.fields:
        data.update(_field_data(form[name]))
        if form.fields[name].show_hidden_initial:
            data.update(_field_data(form[name], initial=True))
    return data


def admin_form_data(client: Client, url: str) -> dict[str, Any]:
    """The POST data of the admin page at `url` as rendered: main form and inline formsets."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def recording(real: Callable[..., Any], calls: list[Any], pick: Callable[[Any], Any]) -> Any:
    """`real` (a keyword-only service), noting pick(kwargs) of each call in `calls`."""

    def wrapper(**kwargs: Any) -> Any:
        calls.append(pick(kwargs))
        return real(**kwargs)

    return wrapper


def change_url(obj: Any) -> str:
    """The admin change page of a model instance."""
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
