"""The journey admin: stage configuration and templates editable, touchpoints read-only, the
lifecycle history on the customer page; the migration's defaults are there to edit."""

from typing import Any

import pytest
from django.utils import timezone

from customers.choices import LifecycleStage
from marketing.journey.services import journey_move
from marketing.migrations import __name__ as migrations_package
from marketing.models import JourneyStage, Touchpoint, TouchpointTemplate
from tests.admin_forms import admin_form_data, change_url
from tests.customers.factories import CustomerFactory

from .journey_support import configure_journey

pytestmark = pytest.mark.django_db

STAGES_ADMIN = "/admin/marketing/journeystage/"
TOUCHPOINTS_ADMIN = "/admin/marketing/touchpoint/"


def test_the_migration_seeds_every_stage_with_actions_and_templates() -> None:
    from importlib import import_module

    from django.apps import apps

    JourneyStage.objects.all().delete()  # as after a flush: the seed runs again
    import_module(f"{migrations_package}.0003_journey_defaults").seed_defaults(apps, None)
    stages = {s.stage: s for s in JourneyStage.objects.prefetch_related("templates")}
    assert set(stages) == {s.value for s in LifecycleStage}
    for stage in stages.values():
        assert stage.description, stage.stage
        assert stage.recommended_actions, stage.stage
    # Defaults never schedule a promotional touchpoint for a customer at risk or churned.
    kinds = {s: {t.kind for t in stages[s].templates.all()} for s in ("at_risk", "churned")}
    assert "promotional" not in kinds["at_risk"] | kinds["churned"]
    assert TouchpointTemplate.objects.filter(stage__stage="onboarding").count() == 3


def test_a_stage_and_its_templates_are_edited_in_the_admin(staff: Any) -> None:
    stages = configure_journey()
    adoption = stages["adoption"]
    url = change_url(adoption)
    data = admin_form_data(staff, url)
    data["description"] = "Edited"
    data["recommended_actions"] = '["Call the sponsor", "Run training"]'
    template = TouchpointTemplate.objects.get(name="Upgrade offer")
    index = next(k for k, v in data.items() if v == str(template.pk) and k.endswith("-id"))
    prefix = index.removesuffix("-id")
    data[f"{prefix}-delay_hours"] = "12"
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    adoption.refresh_from_db()
    template.refresh_from_db()
    assert adoption.description == "Edited"
    assert adoption.recommended_actions == ["Call the sponsor", "Run training"]
    assert template.delay_hours == 12


@pytest.mark.parametrize("actions", ['{"a": 1}', '["ok", 3]', '[""]', '"text"'])
def test_recommended_actions_must_be_a_list_of_texts(staff: Any, actions: str) -> None:
    adoption = configure_journey()["adoption"]
    url = change_url(adoption)
    data = admin_form_data(staff, url)
    data["recommended_actions"] = actions
    response = staff.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "A JSON list of non-empty texts" in response.content.decode()
    adoption.refresh_from_db()
    assert adoption.recommended_actions == ["Do adoption"]


def test_the_stage_list(staff: Any) -> None:
    configure_journey()
    response = staff.get(STAGES_ADMIN)
    assert response.status_code == 200
    assert "value_realization" in response.content.decode().lower().replace(" ", "_")


def test_touchpoints_are_listed_read_only_with_search_and_filters(staff: Any) -> None:
    configure_journey()
    customer = CustomerFactory.create(customer_id="cust_tp", lifecycle_stage="onboarding")
    journey_move(customer=customer, stage="adoption")
    touchpoint = Touchpoint.objects.get(name="Upgrade offer")
    for query in [
        {},
        {"q": "cust_tp"},
        {"status__exact": "scheduled"},
        {"kind__exact": "promotional"},
        {"stage__exact": "adoption"},
        {"channel__exact": "email"},
    ]:
        response = staff.get(TOUCHPOINTS_ADMIN, query)
        assert response.status_code == 200, query
        assert touchpoint.touchpoint_id in response.content.decode(), query
    assert (
        touchpoint.touchpoint_id
        not in staff.get(TOUCHPOINTS_ADMIN, {"q": "nobody"}).content.decode()
    )
    page = staff.get(change_url(touchpoint))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert staff.post(change_url(touchpoint), {}).status_code == 403
    assert staff.get(f"{TOUCHPOINTS_ADMIN}add/").status_code == 403


def test_the_customer_page_shows_the_lifecycle_history(staff: Any) -> None:
    configure_journey()
    customer = CustomerFactory.create(lifecycle_stage="onboarding")
    journey_move(customer=customer, stage="adoption", reason="kick-off done", now=timezone.now())
    page = staff.get(change_url(customer)).content.decode()
    assert "kick-off done" in page


# --- F1: the attack pass (issue 14): admin JSON with NUL, deletions ----------------------


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ('["a\\u0000b"]', "must not contain NUL"),
        ('["a\\tb"]', "control character"),
        ("[]", "1 to 20 actions (got 0)"),
        (str([f"action {i}" for i in range(21)]).replace("'", '"'), "1 to 20 actions (got 21)"),
        ('["' + "x" * 301 + '"]', "longer than 300 characters"),
        ("", "A JSON list of non-empty texts"),
    ],
)
def test_recommended_actions_are_1_to_20_short_clean_texts(
    staff: Any, actions: str, message: str
) -> None:
    adoption = configure_journey()["adoption"]
    url = change_url(adoption)
    data = admin_form_data(staff, url)
    data["recommended_actions"] = actions
    response = staff.post(url, data)
    assert response.status_code == 200  # the form again, with the error (was a 500 for NUL)
    assert message in response.content.decode()
    adoption.refresh_from_db()
    assert adoption.recommended_actions == ["Do adoption"]


def test_twenty_actions_of_300_characters_are_saved(staff: Any) -> None:
    adoption = configure_journey()["adoption"]
    url = change_url(adoption)
    data = admin_form_data(staff, url)
    actions = [f"{i:02d}" + "x" * 298 for i in range(20)]
    data["recommended_actions"] = str(actions).replace("'", '"')
    assert staff.post(url, data).status_code == 302
    adoption.refresh_from_db()
    assert adoption.recommended_actions == actions


def test_journey_stages_and_touchpoints_cannot_be_deleted(staff: Any) -> None:
    stages = configure_journey()
    customer = CustomerFactory.create(customer_id="cust_del", lifecycle_stage="onboarding")
    journey_move(customer=customer, stage="adoption")
    touchpoint = Touchpoint.objects.filter(customer=customer).first()
    assert touchpoint is not None
    adoption = stages["adoption"]
    for obj, changelist in [(adoption, STAGES_ADMIN), (touchpoint, TOUCHPOINTS_ADMIN)]:
        delete_url = change_url(obj).removesuffix("change/") + "delete/"
        assert staff.get(delete_url).status_code == 403
        assert staff.post(delete_url, {"post": "yes"}).status_code == 403
        # No "delete selected" action on the list; posting it anyway deletes nothing.
        page = staff.get(changelist)
        assert "delete_selected" not in page.content.decode()
        staff.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert 'class="deletelink"' not in staff.get(change_url(adoption)).content.decode()


def test_a_template_can_still_be_removed_inline(staff: Any) -> None:
    adoption = configure_journey()["adoption"]
    template = TouchpointTemplate.objects.get(name="Upgrade offer")
    url = change_url(adoption)
    data = admin_form_data(staff, url)
    index = next(k for k, v in data.items() if v == str(template.pk) and k.endswith("-id"))
    data[f"{index.removesuffix('-id')}-DELETE"] = "on"
    assert staff.post(url, data).status_code == 302
    assert not TouchpointTemplate.objects.filter(pk=template.pk).exists()
