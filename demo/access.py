"""The demo's sign-ins, stable across restarts of one checkout: the admin password, a
full-scope API key and a CSM's sign-in are kept in an ignored local file (mode 0600) and
re-used while the database still accepts them; whatever the database no longer knows (a
reset database, a revoked or deleted key, a changed password) is made anew, and said so."""

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from cockpit.access import cs_managers_group_ensure
from customers import services as customer_services
from customers.models import TeamMember
from integrations.models import ApiKey
from integrations.scopes import ALL_SCOPES

DEMO_KEY_NAME = "demo (make run)"
ADMIN = "admin"


def default_state_file() -> Path:
    return Path(settings.BASE_DIR) / ".run" / "demo-access.json"


@dataclass
class Access:
    admin_password: str
    api_key: str
    csm_username: str | None = None
    csm_password: str | None = None
    notes: list[str] = field(default_factory=list)  # what was (re)created, and why


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, access: Access) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "admin_password": access.admin_password,
        "api_key": access.api_key,
        "csm_username": access.csm_username,
        "csm_password": access.csm_password,
    }
    # Created 0600 from the start: the secrets are never readable by others, even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle, indent=2)
    os.chmod(path, 0o600)


def _password(user: User, stored: Any, who: str, notes: list[str]) -> str:
    """The stored password if it still signs `user` in; otherwise a new one."""
    if isinstance(stored, str) and stored and user.check_password(stored):
        return stored
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.save(update_fields=["password"])
    reason = "new" if not stored else "the stored one no longer signs in (database reset?)"
    notes.append(f"{who}: new password ({reason}).")
    return password


def _admin(stored: Any, notes: list[str]) -> str:
    user, created = get_user_model()._default_manager.get_or_create(
        username=ADMIN, defaults={"email": "admin@example.com"}
    )
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created and stored:
        notes.append("admin: the user was missing (database reset?); created again.")
    return _password(user, stored, "admin", notes)


def _api_key(stored: Any, notes: list[str]) -> str:
    if isinstance(stored, str) and stored:
        try:
            # Usable keys only: neither revoked nor expired.
            key: Any = ApiKey.objects.get_from_key(stored)
        except ApiKey.DoesNotExist:
            notes.append("API key: the stored key was revoked or deleted; a new one.")
        else:
            if sorted(key.scopes) != sorted(ALL_SCOPES):  # scopes added since: all of them
                key.scopes = list(ALL_SCOPES)
                key.save(update_fields=["scopes"])
            return stored
    else:
        notes.append("API key: new.")
    _, raw = ApiKey.objects.create_key(name=DEMO_KEY_NAME, scopes=list(ALL_SCOPES))
    return raw


def _csm(state: dict[str, Any], notes: list[str]) -> tuple[str | None, str | None]:
    """The first demo CSM signs in as themselves (a CS managers sign-in): None without one."""
    member = TeamMember.objects.filter(active=True).select_related("user").order_by("pk").first()
    if member is None:
        return None, None
    if member.user is None:
        user, password = customer_services.team_member_sign_in_create(
            member=member, groups=[cs_managers_group_ensure()]
        )
        notes.append(f"CSM {member.email}: sign-in created.")
        return user.get_username(), password
    user = member.user
    if not user.is_active or not user.is_staff:
        user.is_active = user.is_staff = True
        user.save(update_fields=["is_active", "is_staff"])
    stored = state.get("csm_password") if state.get("csm_username") == user.username else None
    return user.get_username(), _password(user, stored, f"CSM {member.email}", notes)


def demo_access(path: Path) -> Access:
    """The demo's access, re-used from `path` where still valid, and written back to it."""
    state = _load(path)
    notes: list[str] = []
    access = Access(
        admin_password=_admin(state.get("admin_password"), notes),
        api_key=_api_key(state.get("api_key"), notes),
    )
    access.csm_username, access.csm_password = _csm(state, notes)
    access.notes = notes
    _save(path, access)
    return access
