"""Every handoff validation answers 400 in the documented shape with the field's path, and
creates nothing; a failure midway rolls the whole handoff back."""

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange, Milestone, Stakeholder, SuccessPlan
from finance.models import Contract
from integrations.models import Event
from operations.models import Task
from sales.models import Handoff
from sales.services import handoff as handoff_services
from tests.customers.factories import CustomerFactory, TeamMemberFactory
from tests.finance.factories import ContractFactory
from tests.support.errors import assert_error

from .helpers import URL, spec_request

pytestmark = pytest.mark.django_db

SPEC_URL = URL.format("cust_12345")


@pytest.fixture
def sarah(db: None) -> Any:
    return TeamMemberFactory.create(email="sarah.smith@company.com", capacity=50)


def nothing_created() -> None:
    for model in (Customer, Contract, Stakeholder, SuccessPlan, Milestone, Task, Handoff):
        assert not model.objects.exists(), model.__name__
    assert not LifecycleChange.objects.exists()
    assert not Event.objects.exists()


LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"  # 308 characters, valid

INVALID = [
    # (changes to the spec request, the error's attr, its code)
    (
        {"success_initiation__first_check_in": "2025-12-04"},
        "success_initiation.first_check_in",
        "check_in_before_onboarding",
    ),
    (
        {"success_initiation__success_manager": "nobody@company.com"},
        "success_initiation.success_manager",
        "unknown_team_member",
    ),
    (
        {"success_initiation__success_manager": "not an email"},
        "success_initiation.success_manager",
        "invalid",
    ),
    (
        {"success_initiation__onboarding_start": "05/12/2025"},
        "success_initiation.onboarding_start",
        "invalid",
    ),
    (
        {"success_initiation__onboarding_start": ...},
        "success_initiation.onboarding_start",
        "required",
    ),
    ({"handoff_data__contract_terms": "forever"}, "handoff_data.contract_terms", "invalid"),
    ({"handoff_data__contract_terms": "0_year"}, "handoff_data.contract_terms", "invalid"),
    ({"handoff_data__contract_terms": "3_year\n"}, "handoff_data.contract_terms", "invalid"),
    ({"handoff_data__deal_value": "150000"}, "handoff_data.deal_value", "invalid"),
    ({"handoff_data__deal_value": 150000.5}, "handoff_data.deal_value", "invalid"),
    ({"handoff_data__deal_value": True}, "handoff_data.deal_value", "invalid"),
    ({"handoff_data__deal_value": -1}, "handoff_data.deal_value", "min_value"),
    ({"handoff_data__deal_value": 10**30}, "handoff_data.deal_value", "max_value"),
    ({"handoff_data__deal_value": ...}, "handoff_data.deal_value", "required"),
    # 999,999,999,999 a month is 12 times that a year: more than the money columns hold.
    (
        {"handoff_data__deal_value": 999_999_999_999, "handoff_data__contract_terms": "monthly"},
        "handoff_data.deal_value",
        "max_value",
    ),
    ({"handoff_data__sales_notes": "a\x00b"}, "handoff_data.sales_notes", "invalid_characters"),
    ({"handoff_data__sales_notes": 12}, "handoff_data.sales_notes", "invalid"),
    ({"handoff_data__key_stakeholders": "john@x.io"}, None, "not_a_list"),
    (
        {"handoff_data__key_stakeholders": ["not-an-email"]},
        "handoff_data.key_stakeholders.0",
        "invalid",
    ),
    (
        {"handoff_data__key_stakeholders": ["a@x.io", "A@x.io"]},
        "handoff_data.key_stakeholders",
        "duplicate",
    ),
    ({"handoff_data__key_stakeholders": [f"p{n}@x.io" for n in range(51)]}, None, "max_length"),
    # A valid email longer than the stakeholder column (254): was a 500 (DataError) midway.
    (
        {"handoff_data__key_stakeholders": [LONG_EMAIL]},
        "handoff_data.key_stakeholders.0",
        "max_length",
    ),
    ({"handoff_data__success_criteria": ["Adoption Target"]}, None, "invalid"),
    (
        {"handoff_data__success_criteria": ["roi_target", "roi_target"]},
        "handoff_data.success_criteria",
        "duplicate",
    ),
    ({"handoff_data__success_criteria": [1]}, None, "invalid"),
    ({"handoff_data__surprise": 1}, "handoff_data.surprise", "unknown_field"),
    ({"handoff_data": "deal"}, None, "invalid"),
    ({"handoff_data": ...}, "handoff_data", "required"),
    ({"customer_id": "cust 1"}, "customer_id", "invalid"),
    ({"customer_id": "cust_99999"}, "customer_id", "customer_id_mismatch"),
    ({"segment": "galactic"}, "segment", "invalid_choice"),
    ({"seats": -5}, "seats", "min_value"),
    ({"name": "x" * 201}, "name", "max_length"),
    ({"extra": True}, "extra", "unknown_field"),
]


@pytest.mark.parametrize(("changes", "attr", "code"), INVALID)
def test_invalid_handoffs_are_400_and_create_nothing(
    api: APIClient, sarah: Any, changes: dict[str, Any], attr: str | None, code: str
) -> None:
    response = api.post(SPEC_URL, spec_request(**changes), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert code in [e["code"] for e in errors], errors
    if attr is not None:
        assert attr in [e["attr"] for e in errors], errors
    nothing_created()


def test_an_inactive_csm_is_400(api: APIClient) -> None:
    TeamMemberFactory.create(email="sarah.smith@company.com", active=False)
    response = api.post(SPEC_URL, spec_request(), format="json")
    assert_error(response, 400, "inactive_team_member", "success_initiation.success_manager")
    nothing_created()


def test_a_body_that_is_not_an_object_is_400(api: APIClient, sarah: Any) -> None:
    bodies: list[Any] = [[], "text", 12, None]
    for body in bodies:
        response = api.post(SPEC_URL, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert api.post(SPEC_URL, "{", content_type="application/json").status_code == 400
    nothing_created()


def test_a_contract_of_another_customer_fails_midway_and_rolls_everything_back(
    api: APIClient, sarah: Any
) -> None:
    """The customer is created first; the contract step then refuses: nothing remains."""
    ContractFactory.create(
        customer=CustomerFactory.create(customer_id="other"), contract_id="ctr_other"
    )
    before = Event.objects.count()
    body = spec_request(handoff_data__contract_id="ctr_other")
    response = api.post(SPEC_URL, body, format="json")
    assert_error(response, 400, "contract_of_another_customer", "handoff_data.contract_id")
    assert not Customer.objects.filter(customer_id="cust_12345").exists()
    assert Contract.objects.count() == 1
    assert not Stakeholder.objects.exists()
    assert Event.objects.count() == before


@pytest.mark.parametrize("step", ["task_create", "customer_change_stage", "events"])
def test_a_failure_in_a_later_step_leaves_nothing_half_created(
    sarah: Any, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """Forced failures after the customer, contract, stakeholders and plan were written."""

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("forced")

    targets = {
        "task_create": (handoff_services.operations_services, "task_create"),
        "customer_change_stage": (handoff_services.customer_services, "customer_change_stage"),
        "events": (handoff_services.events, "publish"),
    }
    module, name = targets[step]
    monkeypatch.setattr(module, name, boom)
    request = handoff_services.handoff_request(
        {
            "customer_id": "cust_12345",
            "handoff_data": {
                "deal_value": 150000,
                "contract_terms": "3_year",
                "key_stakeholders": ["john.doe@company.com"],
                "success_criteria": ["adoption_target"],
            },
            "success_initiation": {
                "onboarding_start": date(2025, 12, 5),
                "first_check_in": date(2025, 12, 12),
                "success_manager": "sarah.smith@company.com",
            },
        }
    )
    with pytest.raises(RuntimeError, match="forced"):
        handoff_services.handoff_complete(request=request)
    nothing_created()


def test_a_racing_handoff_that_made_the_named_contract_first_is_400_not_500(
    api: APIClient, sarah: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two handoffs of different customers naming one new contract_id: both find it missing,
    the second insert hits the unique contract_id (was an IntegrityError, a 500). Simulated
    by hiding the other customer's contract from the first look-up."""
    ContractFactory.create(
        customer=CustomerFactory.create(customer_id="other"), contract_id="ctr_new"
    )
    real = handoff_services.finance_read.contract_refs
    looks: list[str] = []

    def first_misses(ids: Any) -> Any:
        looks.append("look")
        return {} if len(looks) == 1 else real(ids)

    monkeypatch.setattr(handoff_services.finance_read, "contract_refs", first_misses)
    body = spec_request(handoff_data__contract_id="ctr_new")
    response = api.post(SPEC_URL, body, format="json")
    assert_error(response, 400, "contract_of_another_customer", "handoff_data.contract_id")
    assert not Customer.objects.filter(customer_id="cust_12345").exists()
    assert Contract.objects.count() == 1
