"""The renewal model in the admin: versions with their latest hold-out scores, the prior edited
through renewal_prior_update (its refusals shown on the form), fitted versions read-only, and
"Make active" through renewal_model_activate."""

import json
from typing import Any

import pytest
from django.urls import reverse

from finance.models import RenewalModelVersion
from finance.renewals import admin as renewals_admin
from finance.renewals.services import renewal_model_activate, renewal_model_fit
from tests.admin_forms import admin_form_data, change_url, recording
from tests.finance.renewals.outcomes import FIT_DAY, build_outcomes

pytestmark = pytest.mark.django_db

LIST = reverse("admin:finance_renewalmodelversion_changelist")


def prior() -> RenewalModelVersion:
    return RenewalModelVersion.objects.get(version=1)


def test_the_list_shows_latest_holdout_scores_without_a_query_per_row(
    staff: Any, django_assert_max_num_queries: Any
) -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    with django_assert_max_num_queries(12):
        response = staff.get(LIST)
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [r.version for r in rows] == [3, 2, 1]
    v2 = rows[1]
    assert v2.latest_brier == v2.evaluations.get().brier_score
    # The prior was scored by both runs: the latest evaluation is shown.
    assert rows[2].latest_brier == rows[2].evaluations.order_by("-pk").first().brier_score
    html = response.content.decode()
    assert f"{v2.latest_brier:.4f}" in html
    assert f"{v2.trained_from} … {v2.trained_until}" in html


def test_editing_the_prior_goes_through_the_service(staff: Any, monkeypatch: Any) -> None:
    calls: list[Any] = []
    real = renewals_admin.renewal_prior_update
    monkeypatch.setattr(
        renewals_admin, "renewal_prior_update", recording(real, calls, lambda kw: kw["intercept"])
    )
    url = change_url(prior())
    data = admin_form_data(staff, url)
    terms = json.loads(data["terms"])
    terms[0]["coefficient"] = 1.1
    response = staff.post(url, {**data, "intercept": "1.25", "terms": json.dumps(terms)})
    assert response.status_code == 302
    assert calls == [1.25]
    saved = prior()
    assert saved.intercept == 1.25
    assert saved.terms[0] == {
        "feature": "health_score",
        "coefficient": 1.1,
        "mean": 70.0,
        "scale": 15.0,
    }


def test_a_bad_prior_shows_the_service_rules_on_the_form(staff: Any) -> None:
    url = change_url(prior())
    data = admin_form_data(staff, url)
    terms = json.loads(data["terms"])
    terms[0]["scale"] = 0
    bad = {**data, "intercept": "1.5", "terms": json.dumps([*terms[:-1], terms[0]])}
    response = staff.post(url, bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["terms"] == [
        "Missing feature(s): segment_small_business.",
        "Repeated feature(s): health_score.",
        "health_score: scale must be greater than 0.",
        "health_score: scale must be greater than 0.",
    ]
    assert prior().terms[0]["scale"] == 15.0  # nothing saved


def test_a_fitted_version_is_read_only(staff: Any) -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    fitted = RenewalModelVersion.objects.get(version=2)
    url = change_url(fitted)
    page = staff.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<th>coefficient (per standard unit)</th>" in html  # the terms as a table
    assert "<td>health_score</td>" in html
    assert "[0.9, 1.0]" in html  # the calibration table of its evaluation
    before = fitted.intercept
    assert staff.post(url, {"intercept": "9"}).status_code == 403
    fitted.refresh_from_db()
    assert fitted.intercept == before


def test_make_active(staff: Any) -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    v2 = RenewalModelVersion.objects.get(version=2)
    response = staff.post(LIST, {"action": "make_active", "_selected_action": [v2.pk]}, follow=True)
    assert "Version 2 is now active." in response.content.decode()
    assert list(RenewalModelVersion.objects.filter(is_active=True).values_list("version")) == [(2,)]
    both = [v2.pk, prior().pk]
    response = staff.post(LIST, {"action": "make_active", "_selected_action": both}, follow=True)
    assert "Select exactly one version to make active." in response.content.decode()
    assert RenewalModelVersion.objects.get(is_active=True).version == 2
    renewal_model_activate(version=1)
    assert RenewalModelVersion.objects.get(is_active=True).version == 1


def test_the_make_active_button_on_a_version_page(staff: Any) -> None:
    build_outcomes(221)
    renewal_model_fit(as_of=FIT_DAY, activate="never")
    v2 = RenewalModelVersion.objects.get(version=2)
    button = reverse("admin:finance_renewalmodelversion_make_active", args=[v2.pk])
    page = staff.get(change_url(v2)).content.decode()  # read-only, but still a form with a token
    assert f'formaction="{button}"' in page
    assert "csrfmiddlewaretoken" in page
    assert staff.get(button).status_code == 405  # a change is a POST
    response = staff.post(button, follow=True)
    assert response.redirect_chain == [(change_url(v2), 302)]
    html = response.content.decode()
    assert "Version 2 is now active." in html
    assert "Yes: this version scores renewals." in html
    assert RenewalModelVersion.objects.get(is_active=True).version == 2
    # The prior's page (an editable form) carries the button too.
    assert "Make active</button>" in staff.get(change_url(prior())).content.decode()


def test_the_button_needs_the_change_permission(client: Any, django_user_model: Any) -> None:
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    button = reverse("admin:finance_renewalmodelversion_make_active", args=[prior().pk])
    assert client.post(button).status_code == 403
