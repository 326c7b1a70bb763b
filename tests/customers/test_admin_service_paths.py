"""The customers admin writes through the same services as the API: the transition table
holds, a stage change writes history (source `admin`) and publishes its event, and the
stakeholder, team member and health model saves run the services' rules."""

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers import services
from customers.admin import CustomerForm
from customers.choices import StageChangeSource
from customers.models import (
    Customer,
    HealthModel,
    HealthScore,
    LifecycleChange,
    Stakeholder,
    TeamMember,
)
from integrations.models import Event
from tests.admin_forms import admin_form_data, change_url, recording
from tests.customers.factories import CustomerFactory, StakeholderFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def _new_customer(stage: str = "onboarding") -> Customer:
    return services.customer_create(
        data={
            "customer_id": "cust_adm",
            "name": "Acme",
            "segment": "enterprise",
            "lifecycle_stage": stage,
        }
    )


def test_an_illegal_stage_change_is_a_form_error_and_writes_nothing(staff: Any) -> None:
    customer = _new_customer()
    data = admin_form_data(staff, change_url(customer))
    response = staff.post(change_url(customer), {**data, "lifecycle_stage": "advocacy"})
    assert response.status_code == 200  # the form again
    errors = response.context["adminform"].form.errors
    assert "cannot move to 'advocacy'" in errors["lifecycle_stage"][0]
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "onboarding"
    assert LifecycleChange.objects.filter(customer=customer).count() == 1  # the creation
    assert not Event.objects.filter(type="customer.lifecycle_changed").exists()


def test_a_legal_stage_change_writes_history_and_the_event(staff: Any) -> None:
    customer = _new_customer()
    data = admin_form_data(staff, change_url(customer))
    response = staff.post(
        change_url(customer), {**data, "lifecycle_stage": "adoption", "licensed_seats": "42"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.lifecycle_stage, customer.licensed_seats) == ("adoption", 42)
    last = LifecycleChange.objects.filter(customer=customer).latest("changed_at")
    assert (last.from_stage, last.to_stage, last.source) == (
        "onboarding",
        "adoption",
        StageChangeSource.ADMIN,
    )
    event = Event.objects.get(type="customer.lifecycle_changed")
    assert event.customer_id == "cust_adm"
    assert event.data["source"] == "admin"
    assert event.data["to_stage"] == "adoption"


def test_only_the_changed_fields_are_written(staff: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    customer = _new_customer()
    seen: list[dict[str, Any]] = []
    real = services.customer_update

    def spy(**kwargs: Any) -> Customer:
        seen.append(dict(kwargs["data"]))
        return real(**kwargs)

    monkeypatch.setattr(services, "customer_update", spy)
    data = admin_form_data(staff, change_url(customer))
    staff.post(change_url(customer), {**data, "segment": "small_business"})
    assert seen == [{"segment": "small_business"}]


def test_a_refusal_inside_the_service_is_a_message_not_a_500(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer churns the customer between the form's check and the save: the
    service re-checks against the stored stage and refuses (409 in the API)."""
    customer = _new_customer()
    url = change_url(customer)
    data = admin_form_data(staff, url)
    checked = CustomerForm.clean_lifecycle_stage

    def check_then_race(form: CustomerForm) -> str:
        stage = checked(form)  # onboarding → adoption: allowed
        services.customer_change_stage(
            customer=Customer.objects.get(pk=customer.pk),
            to_stage="churned",
            source="api",
            reason="meanwhile",
        )
        return stage

    monkeypatch.setattr(CustomerForm, "clean_lifecycle_stage", check_then_race)
    response = staff.post(url, {**data, "lifecycle_stage": "adoption"})
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("cannot move to 'adoption'" in m for m in messages)
    # nothing of the refused save remains (the simulated writer shares the admin's
    # transaction here, so it is rolled back with it)
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "onboarding"
    assert not LifecycleChange.objects.filter(to_stage="adoption").exists()
    assert not Event.objects.filter(type="customer.lifecycle_changed").exists()


def test_adding_a_customer_goes_through_customer_create(staff: Any) -> None:
    csm = TeamMemberFactory.create(email="csm@vendor.example")
    data = admin_form_data(staff, reverse("admin:customers_customer_add"))
    response = staff.post(
        reverse("admin:customers_customer_add"),
        {
            **data,
            "customer_id": "cust_new",
            "name": "New Co",
            "segment": "mid_market",
            "licensed_seats": "10",
            "status": "active",
            "lifecycle_stage": "onboarding",
            "success_manager": str(csm.pk),
            "stakeholders-TOTAL_FORMS": "1",
            "stakeholders-0-email": "Champion@Client.Example",
            "stakeholders-0-name": "Cham",
            "stakeholders-0-is_champion": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(customer_id="cust_new")
    assert customer.success_manager == csm
    created = LifecycleChange.objects.get(customer=customer)
    assert (created.to_stage, created.source) == ("onboarding", "admin")
    assert Event.objects.filter(type="customer.created", customer_id="cust_new").exists()
    # the inline stakeholder went through stakeholder_create (which lower-cases the email)
    assert customer.stakeholders.get().email == "champion@client.example"


def _named(name: str) -> Any:
    return lambda kwargs: name


def test_stakeholder_inline_and_admin_saves_use_the_services(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = _new_customer()
    person = StakeholderFactory.create(customer=customer, email="a@client.example", role="CTO")
    calls: list[str] = []
    for name in ("stakeholder_update", "stakeholder_create", "stakeholder_delete"):
        monkeypatch.setattr(services, name, recording(getattr(services, name), calls, _named(name)))
    data = admin_form_data(staff, change_url(customer))
    staff.post(change_url(customer), {**data, "stakeholders-0-role": "CEO"})
    person.refresh_from_db()
    assert person.role == "CEO"
    data = admin_form_data(staff, change_url(person))
    response = staff.post(change_url(person), {**data, "name": "Ann", "email": "x@evil.example"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.email) == ("Ann", "a@client.example")  # email is the key
    data = admin_form_data(staff, change_url(customer))
    staff.post(change_url(customer), {**data, "stakeholders-0-DELETE": "on"})
    assert not Stakeholder.objects.exists()
    assert calls == ["stakeholder_update", "stakeholder_update", "stakeholder_delete"]


def test_team_member_saves_use_the_services(staff: Any) -> None:
    add = reverse("admin:customers_teammember_add")
    response = staff.post(
        add,
        {
            "email": "New.CSM@Vendor.Example",
            "name": "New",
            "capacity": "30",
            "skills": "Enterprise, onboarding,",
            "active": "on",
        },
    )
    assert response.status_code == 302
    member = TeamMember.objects.get()
    # team_member_create's rules: lower-cased email, skills normalised and sorted
    assert (member.email, member.skills) == ("new.csm@vendor.example", ["enterprise", "onboarding"])
    # the same email again is refused by the form, not a 500
    again = staff.post(add, {"email": "new.csm@vendor.example", "name": "x", "capacity": "1"})
    assert again.status_code == 200
    assert TeamMember.objects.count() == 1
    # the editable capacity column saves only the capacity, through team_member_update
    changelist = reverse("admin:customers_teammember_changelist")
    response = staff.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(member.pk),
            "form-0-capacity": "12",
            "initial-form-0-capacity": "30",  # as the list showed it
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.capacity, member.skills) == (12, ["enterprise", "onboarding"])


def test_health_model_versioning_is_the_service(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from customers import admin as customers_admin
    from customers.health import services as health_services

    calls: list[Any] = []
    real = health_services.health_model_save
    monkeypatch.setattr(
        customers_admin,
        "health_model_save",
        recording(real, calls, lambda kw: kw["model"]),
    )
    model = HealthModel.objects.get(active=True)
    customer = CustomerFactory.create()
    HealthScore.objects.create(
        customer=customer,
        computed_at="2026-06-01T00:00:00Z",
        as_of="2026-06-01",
        score=50,
        grade="at_risk",
        model_version=model.version,
    )
    weights = dict.fromkeys(model.weights, 1.0)
    data = admin_form_data(staff, change_url(model))
    response = staff.post(change_url(model), {**data, "weights": json.dumps(weights)})
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = HealthModel.objects.get(active=True)
    assert new.version == model.version + 1
    assert new.weights == weights
    old = HealthModel.objects.get(pk=model.pk)
    assert (old.weights, old.active) == (model.weights, False)
    assert calls == [model]
    # an unused model is edited in place
    data = admin_form_data(staff, change_url(new))
    response = staff.post(change_url(new), {**data, "weights": json.dumps(weights), "name": "x"})
    assert HealthModel.objects.count() == 2
    assert HealthModel.objects.get(pk=new.pk).name == "x"


@pytest.mark.parametrize(
    ("weights", "error"),
    [
        ('{"nope": 1}', "Unknown measure(s): nope"),
        ('{"support": -1}', "must be a number >= 0"),
        ('{"support": "high"}', "must be a number >= 0"),
        ('{"support": 0}', "At least one weight"),
        ("[1, 2]", "An object of measure"),
    ],
)
def test_health_model_weights_are_checked(staff: Any, weights: str, error: str) -> None:
    model = HealthModel.objects.get(active=True)
    data = admin_form_data(staff, change_url(model))
    response = staff.post(change_url(model), {**data, "weights": weights})
    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors["weights"])


def test_deleting_stakeholders_in_the_admin_uses_the_service(
    staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = _new_customer()
    people = StakeholderFactory.create_batch(2, customer=customer)
    calls: list[str] = []
    monkeypatch.setattr(
        services,
        "stakeholder_delete",
        recording(services.stakeholder_delete, calls, lambda kw: kw["stakeholder"].email),
    )
    response = staff.post(
        reverse("admin:customers_stakeholder_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in people], "post": "yes"},
    )
    assert response.status_code == 302
    assert sorted(calls) == sorted(p.email for p in people)
    assert not Stakeholder.objects.exists()
