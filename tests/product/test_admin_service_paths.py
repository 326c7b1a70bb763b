"""Feedback corrected in the admin goes through feedback_edit: a new business impact is
scored again with the submission's formula (the admin used to leave the old score)."""

from typing import Any

import pytest
from django.urls import reverse

from product.models import Feedback
from product.services.feedback import feedback_submit
from tests.admin_forms import admin_form_data
from tests.customers.factories import CustomerFactory


@pytest.mark.django_db
def test_a_new_business_impact_rescores_the_priority(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    item = feedback_submit(
        customer=CustomerFactory.create(),
        feedback={
            "type": "feature_request",
            "category": "reporting",
            "priority": "medium",
            "business_impact": "nice_to_have",
            "description": "PDF export",
        },
        success_context={},
        submitted_by="key:test",
    )
    # no ARR, no health: 100 x 0.25 x 0.5 x 0.75 = 9.4 → 9; as a blocker 100 x 1.0 x ... = 38
    assert item.priority_score == 9
    url = reverse("admin:product_feedback_change", args=[item.pk])
    data = admin_form_data(client, url)
    response = client.post(url, {**data, "business_impact": "blocker", "description": "PDF!"})
    assert response.status_code == 302
    item = Feedback.objects.get(pk=item.pk)
    assert (item.business_impact, item.description) == ("blocker", "PDF!")
    assert item.priority_score == 38
    assert item.priority_factors["business_impact"] == "blocker"
    assert item.status == "submitted"  # the status moves only through the action
