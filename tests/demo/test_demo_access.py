"""`make run` prints the same admin password, API key and CSM sign-in each time (kept in an
ignored local file, mode 0600); whatever the database no longer accepts is made anew."""

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from customers.models import TeamMember
from integrations.models import ApiKey
from tests.customers.factories import TeamMemberFactory

pytestmark = pytest.mark.django_db


def _run(path: Path, capsys: Any) -> dict[str, str]:
    call_command("demo_access", "--state-file", str(path), "--base-url", "http://h:1/")
    out = capsys.readouterr().out
    admin = re.search(r"user admin  password (\S+)", out)
    key = re.search(r"API key:  (\S+)", out)
    csm = re.search(r"CSM: .* user (\S+)  password (\S+)", out)
    assert admin
    assert key
    found = {"out": out, "password": admin[1], "key": key[1]}
    if csm:
        found |= {"csm_user": csm[1], "csm_password": csm[2]}
    return found


def _key_works(key: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client.get("/api/v1/customers").status_code == 200


def test_the_same_access_twice_and_both_work(tmp_path: Path, capsys: Any) -> None:
    TeamMemberFactory.create(email="first@company.com")
    TeamMemberFactory.create(email="second@company.com")
    path = tmp_path / ".run" / "demo-access.json"
    first, second = _run(path, capsys), _run(path, capsys)
    for name in ("password", "key", "csm_user", "csm_password"):
        assert first[name] == second[name], name
    assert "API docs: http://h:1/api/docs/" in second["out"]
    assert second["csm_user"] == "first@company.com"
    assert _key_works(second["key"])
    assert Client().login(username="admin", password=second["password"])
    csm = Client()
    assert csm.login(username=second["csm_user"], password=second["csm_password"])
    assert csm.get("/admin/cockpit/my/tasks/").context["member"].email == "first@company.com"
    assert ApiKey.objects.filter(revoked=False).count() == 1  # nothing revoked or added
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["api_key"] == second["key"]


def test_a_revoked_or_deleted_key_is_replaced_and_said_so(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "access.json"
    first = _run(path, capsys)
    ApiKey.objects.update(revoked=True)
    second = _run(path, capsys)
    assert "the stored key was revoked or deleted" in second["out"]
    assert second["key"] != first["key"]
    assert _key_works(second["key"])
    assert not _key_works(first["key"])
    ApiKey.objects.all().delete()
    third = _run(path, capsys)
    assert third["key"] != second["key"]
    assert _key_works(third["key"])


def test_a_reset_database_gets_new_passwords_and_says_so(tmp_path: Path, capsys: Any) -> None:
    TeamMemberFactory.create(email="first@company.com")
    path = tmp_path / "access.json"
    first = _run(path, capsys)
    # as after a reset: the users and the CSM's link are gone, the file is not
    TeamMember.objects.update(user=None)
    get_user_model().objects.all().delete()
    second = _run(path, capsys)
    assert "admin: the user was missing" in second["out"]
    assert "sign-in created" in second["out"]
    assert second["password"] != first["password"]
    assert Client().login(username="admin", password=second["password"])
    assert Client().login(username=second["csm_user"], password=second["csm_password"])


def test_a_damaged_file_is_replaced(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "access.json"
    path.write_text("{not json")
    found = _run(path, capsys)
    assert "CSM:" not in found["out"]  # no team member yet: no CSM sign-in
    assert Client().login(username="admin", password=found["password"])
    assert _key_works(found["key"])
