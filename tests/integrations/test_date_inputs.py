"""Every date the API reads is YYYY-MM-DD in ASCII digits (integrations.validation
DATE_TEXT_RE): bulk items, write fields, query parameters. Found by the attack pass on
issue 17: Python's date.fromisoformat, behind Django's parse_date and DRF's DateField, also
reads the ISO basic form "20261201", an ISO week "2026-W49-1" (a Monday) and non-ASCII
digits; a usage item dated "20261201" was stored as 2026-12-01 (200, created 1)."""

from datetime import date
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from integrations.api.serializers_base import StrictSerializer
from product.api.serializers import AdoptionQuerySerializer
from product.models import FeatureUsage
from tests.customers.factories import CustomerFactory
from tests.product.factories import FeatureFactory
from tests.support.errors import item_errors

USAGE = "/api/v1/cs-product/usage"
# Each of these was read as a day (2026-12-01 or the Monday 2026-11-30) before the fix.
ARABIC_INDIC = "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661"  # 2026-12-01
LOOSE_FORMS = ["20261201", "2026-W49-1", "2026W491", ARABIC_INDIC]


@pytest.mark.parametrize("text", LOOSE_FORMS)
def test_a_usage_item_dated_in_another_form_is_refused(api: APIClient, text: str) -> None:
    CustomerFactory(customer_id="cust_1")
    FeatureFactory(feature_id="feat_a")
    item = {"customer_id": "cust_1", "feature_id": "feat_a", "events": 3, "active_users": 1}
    response = api.post(USAGE, [{**item, "date": text}], format="json")
    assert response.status_code == 400
    assert item_errors(response) == [(0, "date", "invalid")]
    assert not FeatureUsage.objects.exists()
    # the plain form of the same day is taken
    response = api.post(USAGE, [{**item, "date": "2026-11-30"}], format="json")
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert FeatureUsage.objects.get().date == date(2026, 11, 30)


class _Write(StrictSerializer):
    due_date = serializers.DateField()


@pytest.mark.parametrize("text", LOOSE_FORMS)
def test_a_write_field_and_a_query_parameter_refuse_other_forms(text: str) -> None:
    write = _Write(data={"due_date": text})
    assert not write.is_valid()
    assert [e.code for e in write.errors["due_date"]] == ["invalid"]
    query = AdoptionQuerySerializer(data={"as_of": text})
    assert not query.is_valid()
    assert [e.code for e in query.errors["as_of"]] == ["invalid"]


def test_the_plain_form_still_parses() -> None:
    write: Any = _Write(data={"due_date": "2026-11-30"})
    assert write.is_valid(), write.errors
    assert write.validated_data["due_date"] == date(2026, 11, 30)
    query: Any = AdoptionQuerySerializer(data={"as_of": "2026-11-30"})
    assert query.is_valid(), query.errors
    assert query.validated_data["as_of"] == date(2026, 11, 30)
