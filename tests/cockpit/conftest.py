"""A CSM who signs in as themselves: a team member with a sign-in in the CS managers group."""

from typing import Any

import pytest
from django.test import Client

from cockpit.access import cs_managers_group_ensure
from customers import services as customer_services
from customers.models import TeamMember
from tests.customers.factories import TeamMemberFactory


def signed_in(member: TeamMember) -> Client:
    user, _ = customer_services.team_member_sign_in_create(
        member=member, groups=[cs_managers_group_ensure()]
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def csm(db: None) -> TeamMember:
    return TeamMemberFactory.create(email="ana@company.com", name="Ana")


@pytest.fixture
def other_csm(db: None) -> TeamMember:
    return TeamMemberFactory.create(email="bo@company.com", name="Bo")


@pytest.fixture
def csm_client(csm: TeamMember) -> Any:
    return signed_in(csm)
