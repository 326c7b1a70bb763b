"""Writes for CSMs (team members)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from integrations.writes import create_unique, lock, save_changes

from ..errors import (
    TeamMemberAlreadyExists,
    TeamMemberNotFound,
)
from ..models import TeamMember


@transaction.atomic
def team_member_create(
    *, email: str, name: str, capacity: int = 50, skills: Iterable[str] = (), active: bool = True
) -> TeamMember:
    return create_unique(
        TeamMember,
        key={"email": email.strip().lower()},
        conflict=TeamMemberAlreadyExists(),
        name=name,
        capacity=capacity,
        skills=_clean_skills(skills),
        active=active,
    )


@transaction.atomic
def team_member_update(*, member: TeamMember, data: Mapping[str, Any]) -> TeamMember:
    """PATCH semantics on the locked row: only the given fields are written."""
    lock(member, missing=TeamMemberNotFound())
    values = {f: data[f] for f in ("name", "capacity", "active") if f in data}
    if "skills" in data:
        values["skills"] = _clean_skills(data["skills"])
    save_changes(member, values)
    return member


def _clean_skills(skills: Iterable[str]) -> list[str]:
    return sorted({s.strip().lower() for s in skills if s.strip()})
