"""Every JSON field of every admin form refuses NUL and lone surrogates as a form error
(PostgreSQL refuses `\\u0000` in jsonb: the save was a 500, found on the journey stage's
recommended actions)."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

HOSTILE = ['["a\\u0000b"]', '{"k\\u0000": 1}', '{"k": ["x", {"y": "\\ud800"}]}']


def _json_fields() -> list[tuple[str, forms.Field]]:
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("json-sweep", "j@x.co", "pw")
    found: list[tuple[str, forms.Field]] = []
    for model, model_admin in admin.site._registry.items():
        form_classes = []
        if model_admin.has_change_permission(request) or model_admin.has_add_permission(request):
            form_classes.append(model_admin.get_form(request))
        for inline in model_admin.get_inline_instances(request):
            form_classes.append(inline.get_formset(request).form)
        for form_class in form_classes:
            for name, field in form_class.base_fields.items():
                if isinstance(field, forms.JSONField) and not field.disabled:
                    found.append((f"{model._meta.label}.{name}", field))
    return found


def _refusal(field: forms.Field, text: str) -> str | None:
    """The error code `field` gives `text`, or None when it accepts it."""
    try:
        field.clean(text)
    except forms.ValidationError as exc:
        return str(exc.code)
    return None


def test_every_admin_json_field_refuses_nul_and_surrogates() -> None:
    fields = _json_fields()
    assert "marketing.JourneyStage.recommended_actions" in {label for label, _ in fields}
    outcomes = {(label, text): _refusal(field, text) for label, field in fields for text in HOSTILE}
    assert {k: v for k, v in outcomes.items() if v != "invalid_characters"} == {}


def test_a_clean_json_value_is_not_refused_for_its_characters() -> None:
    for label, field in _json_fields():
        assert _refusal(field, '["plain", {"k": "v"}]') != "invalid_characters", label
