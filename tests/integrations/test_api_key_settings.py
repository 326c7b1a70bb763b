"""API key settings: the admin form and `manage.py create_api_key` refuse the same things
through one function (validate_key_settings); scopes are ticked, never typed JSON; the
library's own, always-empty API key admin is gone."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from integrations import keys
from integrations.admin import ApiKeyForm
from integrations.keys import InvalidKeySettings, expiry_in_days, validate_key_settings
from integrations.models import ApiKey

pytestmark = pytest.mark.django_db

ADD = "admin:integrations_apikey_add"


def _form(**overrides: Any) -> dict[str, Any]:
    return {"name": "crm", "scopes": ["customers:read"], "throttle_rate": "", **overrides}


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"scopes": ["customers:admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"throttle_rate": "0/min"}, "throttle_rate"),
        ({"throttle_rate": "00/min"}, "throttle_rate"),
        ({"throttle_rate": "10/week"}, "throttle_rate"),
        ({"throttle_rate": "10/min\n"}, "throttle_rate"),
        ({"throttle_rate": "fast"}, "throttle_rate"),
        ({"name": " "}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"expiry_date": timezone.now() + timedelta(days=3651)}, "expiry_date"),
    ],
)
def test_the_shared_validation_refuses(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidKeySettings) as caught:
        validate_key_settings(**{"name": "k", "scopes": ["customers:read"], **settings})
    assert list(caught.value.errors) == [field]


def test_the_shared_validation_accepts_and_normalises() -> None:
    soon = timezone.now() + timedelta(days=3649)
    result = validate_key_settings(
        name=" crm ",
        scopes=["product:write", "customers:read", "customers:read"],
        throttle_rate="600/min",
        expiry_date=soon,
    )
    assert (result.name, result.scopes, result.throttle_rate, result.expiry_date) == (
        "crm",
        ["customers:read", "product:write"],
        "600/min",
        soon,
    )
    for rate in ("1/sec", "5/s", "100/hour", "7/h", "9/day", "3/d", "60/m"):
        assert validate_key_settings(name="k", scopes=["sales:read"], throttle_rate=rate)


@pytest.mark.parametrize("days", [0, -1, 3651, 99999999, 10**12])
def test_expiry_in_days_is_bounded_before_any_date_arithmetic(days: int) -> None:
    with pytest.raises(InvalidKeySettings) as caught:
        expiry_in_days(days)
    assert "positive number of days" in caught.value.errors["expiry_date"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires-in-days", "99999999"], "--expires-in-days: Must be a positive"),
        (["--expires-in-days", "3651"], "--expires-in-days"),
        (["--rate", "0/min"], "--rate: A rate such as 600/min"),
        (["--rate", "5/week"], "--rate"),
        (["--scopes", "customers:read,nope:write"], "--scopes: Unknown scope"),
    ],
)
def test_the_cli_refuses_with_a_clear_command_error(args: list[str], message: str) -> None:
    base = {"--name": "k", "--scopes": "customers:read"}
    argv = [part for flag, value in base.items() if flag not in args for part in (flag, value)]
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *argv, *args)
    assert not ApiKey.objects.exists()


def test_the_cli_and_the_admin_call_the_same_function(
    staff: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    calls: list[str] = []
    real = keys.validate_key_settings

    def spy(**kwargs: Any) -> keys.KeySettings:
        calls.append(kwargs["name"])
        return real(**kwargs)

    monkeypatch.setattr("integrations.admin.validate_key_settings", spy)
    monkeypatch.setattr(
        "integrations.management.commands.create_api_key.validate_key_settings", spy
    )
    call_command("create_api_key", "--name", "cli", "--scopes", "*", "--expires-in-days", "90")
    staff.post(reverse(ADD), _form(name="admin"))
    assert calls == ["cli", "admin"]
    cli_key = ApiKey.objects.get(name="cli")
    assert cli_key.expiry_date is not None
    assert cli_key.expiry_date - timezone.now() > timedelta(days=89)


def test_admin_scopes_are_checkboxes_of_the_known_scopes(staff: Any) -> None:
    page = staff.get(reverse(ADD)).content.decode()
    assert 'type="checkbox" name="scopes" value="customers:read"' in page
    assert 'type="checkbox" name="scopes" value="webhooks:write"' in page
    assert '<textarea name="scopes"' not in page
    response = staff.post(reverse(ADD), _form(scopes=["customers:read", "finance:write"]))
    assert response.status_code == 302
    key = ApiKey.objects.get()
    assert key.scopes == ["customers:read", "finance:write"]


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"scopes": ["customers:admin"]}, "scopes", "Select a valid choice"),
        ({"scopes": '["customers:read"]'}, "scopes", "Select a valid choice"),  # typed JSON
        ({"scopes": []}, "scopes", "required"),
        ({"throttle_rate": "0/min"}, "throttle_rate", "N from 1"),
        ({"expiry_date_0": "9999-12-31", "expiry_date_1": "00:00:00"}, "expiry_date", "3650"),
    ],
)
def test_the_admin_form_refuses(
    staff: Any, overrides: dict[str, Any], field: str, text: str
) -> None:
    response = staff.post(reverse(ADD), _form(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert text in " ".join(errors[field])
    assert not ApiKey.objects.exists()


def test_the_admin_form_checks_an_edit_too() -> None:
    key, _ = ApiKey.objects.create_key(name="k", scopes=["customers:read"])
    form = ApiKeyForm(instance=key, data=_form(throttle_rate="0/day"))
    assert not form.is_valid()
    assert "throttle_rate" in form.errors


def test_the_librarys_empty_api_key_admin_is_gone(staff: Any) -> None:
    assert not admin.site.is_registered(APIKey)
    assert admin.site.is_registered(ApiKey)
    with pytest.raises(NoReverseMatch):
        reverse("admin:rest_framework_api_key_apikey_changelist")
    index = staff.get(reverse("admin:index")).content.decode()
    assert index.count(">API keys<") == 1
