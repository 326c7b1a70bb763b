"""An edited prior stays within bounds that scoring can publish: a coefficient of 1e30 was
accepted and made every scored endpoint (renewals, value, forecast) a 500; the admin form
refuses malformed input without saving."""

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from finance.errors import RenewalPriorInvalid
from finance.models import RenewalModelVersion
from finance.renewals.prior import PRIOR_INTERCEPT, PRIOR_TERMS, prior_problems
from finance.renewals.scoring import renewal_probabilities
from finance.renewals.services import renewal_prior_update
from tests.admin_forms import admin_form_data, change_url
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory

pytestmark = pytest.mark.django_db


def terms(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**t, **changes.get(str(t["feature"]), {})} for t in PRIOR_TERMS]


@pytest.mark.parametrize(
    ("intercept", "given", "problem"),
    [
        (51.0, terms(), ("intercept", "The intercept must be within ±50.")),
        (
            1.0,
            terms(health_score={"coefficient": 1e30}),
            ("terms", "health_score: coefficient must be within ±50."),
        ),
        (
            1.0,
            terms(days_to_end={"mean": -1e7}),
            ("terms", "days_to_end: mean must be within ±1e+06."),
        ),
        (
            1.0,
            terms(seat_utilisation={"scale": 1e-300}),
            ("terms", "seat_utilisation: scale must be from 1e-06 to 1e+06."),
        ),
    ],
)
def test_out_of_bounds_priors_are_refused(intercept: Any, given: Any, problem: Any) -> None:
    assert prior_problems(intercept, given) == [problem]
    with pytest.raises(RenewalPriorInvalid):
        renewal_prior_update(intercept=intercept, terms=given)
    prior = RenewalModelVersion.objects.get(version=1)
    assert (prior.intercept, prior.terms) == (PRIOR_INTERCEPT, [dict(t) for t in PRIOR_TERMS])


def test_the_largest_allowed_prior_still_scores() -> None:
    # Every bound at once, and a contract ending in 2999: the contributions stay publishable.
    customer = CustomerFactory.create()
    ContractFactory.create(
        customer=customer, start_date=date(2026, 1, 1), end_date=date(2999, 12, 31)
    )
    edge = {"coefficient": -50.0, "mean": 1e6, "scale": 1e-6}
    renewal_prior_update(intercept=50.0, terms=terms(days_to_end=edge, health_score=edge))
    scored = renewal_probabilities([customer.pk], date(2026, 6, 1))[customer.pk]
    days = (date(2999, 12, 31) - date(2026, 6, 1)).days
    # days_to_end: -50 x (days - 1e6) / 1e-6; health is missing (no snapshot): contributes 0.
    expected = -50.0 * (days - 1e6) / 1e-6
    assert scored.terms[7].contribution == pytest.approx(expected)
    assert scored.probability == 1.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("intercept", "abc"), ("intercept", "1e309"), ("terms", "[{"), ("terms", '"x"')],
)
def test_the_admin_form_refuses_malformed_input(staff: Any, field: str, value: str) -> None:
    prior = RenewalModelVersion.objects.get(version=1)
    url = change_url(prior)
    response = staff.post(url, {**admin_form_data(staff, url), field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    prior.refresh_from_db()
    assert prior.intercept == PRIOR_INTERCEPT


def test_the_admin_refuses_a_huge_coefficient_and_value_still_answers(
    api: APIClient, staff: Any
) -> None:
    customer = CustomerFactory.create(customer_id="cust_edge")
    ContractFactory.create(customer=customer, value=Decimal(1000))
    prior = RenewalModelVersion.objects.get(version=1)
    url = change_url(prior)
    data = admin_form_data(staff, url)
    edited = terms(health_score={"coefficient": 1e30})
    response = staff.post(url, {**data, "terms": json.dumps(edited)})
    assert (
        "health_score: coefficient must be within ±50."
        in (response.context["adminform"].form.errors["terms"])
    )
    assert api.get("/api/v1/cs-finance/value/cust_edge").status_code == 200
