"""A team member's sign-in (TeamMember.user) is set on its admin page, through the team member
services; one user belongs to one member at most."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from customers import services
from customers.errors import UserLinkedElsewhere
from customers.models import TeamMember
from tests.admin_forms import admin_form_data, change_url
from tests.customers.factories import TeamMemberFactory

pytestmark = pytest.mark.django_db


def test_link_a_user_on_the_team_member_page(staff: Any) -> None:
    ana, bo = TeamMemberFactory.create(), TeamMemberFactory.create()
    user = get_user_model().objects.create_user(username="ana", password="x", is_staff=True)
    data = admin_form_data(staff, change_url(ana))
    response = staff.post(change_url(ana), {**data, "user": str(user.pk)})
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.user == user
    # the same user for another member: a form error, nothing written
    data = admin_form_data(staff, change_url(bo))
    response = staff.post(change_url(bo), {**data, "user": str(user.pk)})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert TeamMember.objects.get(pk=bo.pk).user is None
    # an unknown user id: a form error too
    response = staff.post(change_url(bo), {**data, "user": "999999"})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_the_services_refuse_a_user_linked_elsewhere() -> None:
    ana, bo = TeamMemberFactory.create(), TeamMemberFactory.create()
    user = get_user_model().objects.create_user(username="u", password="x")
    services.team_member_update(member=ana, data={"user": user})
    with pytest.raises(UserLinkedElsewhere):
        services.team_member_update(member=bo, data={"user": user})
    with pytest.raises(UserLinkedElsewhere):
        services.team_member_create(email="c@x.io", name="C", user=user)
    # unlinking: the user stays, the member has none
    services.team_member_update(member=ana, data={"user": None})
    ana.refresh_from_db()
    assert ana.user is None
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_deleting_the_user_keeps_the_member() -> None:
    member = TeamMemberFactory.create()
    user, _ = services.team_member_sign_in_create(member=member)
    user.delete()
    member.refresh_from_db()
    assert member.user is None
