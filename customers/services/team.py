"""Writes for CSMs (team members)."""

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction

from integrations.writes import create_unique, lock, save_changes

from ..errors import (
    SignInTaken,
    TeamMemberAlreadyExists,
    TeamMemberHasSignIn,
    TeamMemberNotFound,
    UserLinkedElsewhere,
)
from ..models import TeamMember


@transaction.atomic
def team_member_create(
    *,
    email: str,
    name: str,
    capacity: int = 50,
    skills: Iterable[str] = (),
    active: bool = True,
    user: User | None = None,
) -> TeamMember:
    if user is not None and TeamMember.objects.filter(user=user).exists():
        raise UserLinkedElsewhere()
    return create_unique(
        TeamMember,
        key={"email": email.strip().lower()},
        conflict=TeamMemberAlreadyExists(),
        name=name,
        capacity=capacity,
        skills=_clean_skills(skills),
        active=active,
        user=user,
    )


@transaction.atomic
def team_member_update(*, member: TeamMember, data: Mapping[str, Any]) -> TeamMember:
    """PATCH semantics on the locked row: only the given fields are written."""
    lock(member, missing=TeamMemberNotFound())
    values = {f: data[f] for f in ("name", "capacity", "active", "user") if f in data}
    if "skills" in data:
        values["skills"] = _clean_skills(data["skills"])
    user = values.get("user")
    if user is not None and _linked_elsewhere(user, member):
        raise UserLinkedElsewhere()
    save_changes(member, values)
    return member


def _linked_elsewhere(user: User, member: TeamMember) -> bool:
    return TeamMember.objects.filter(user=user).exclude(pk=member.pk).exists()


@transaction.atomic
def team_member_sign_in_create(
    *, member: TeamMember, groups: Sequence[Group] = ()
) -> tuple[User, str]:
    """A staff account for the CSM (username = their email) in `groups`, linked to them.
    Returns the user and its temporary password, which is shown once and never stored."""
    lock(member, missing=TeamMemberNotFound())
    if member.user_id is not None:
        raise TeamMemberHasSignIn()
    users = get_user_model()
    if users._default_manager.filter(username__iexact=member.email).exists():
        raise SignInTaken()
    password = secrets.token_urlsafe(12)
    user = users._default_manager.create_user(
        username=member.email,
        email=member.email,
        password=password,
        first_name=member.name[:150],
        is_staff=True,
    )
    user.groups.add(*groups)
    save_changes(member, {"user": user})
    return user, password


def _clean_skills(skills: Iterable[str]) -> list[str]:
    return sorted({s.strip().lower() for s in skills if s.strip()})
