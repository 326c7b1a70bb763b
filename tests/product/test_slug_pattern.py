"""One slug pattern: what the schema documents for feature ids and feedback categories is
what the bulk validator and the serializers accept."""

import re

import pytest
from rest_framework.test import APIClient

from integrations.bulk import BulkValidationError
from integrations.ids import SLUG_PATTERN
from product.bulk_schema import FEATURE_SCHEMA

SAMPLES = ["feat_analytics", "a", "sso-2", "9lives", "Feat_Analytics", "FEAT", "_x", "-x", "a.b"]


@pytest.mark.django_db
def test_documented_slug_patterns_match_the_validators(api: APIClient) -> None:
    schemas = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    documented = {
        "FeatureBulkItem.feature_id": schemas["FeatureBulkItem"]["properties"]["feature_id"][
            "pattern"
        ],
        "UsageBulkItem.feature_id": schemas["UsageBulkItem"]["properties"]["feature_id"]["pattern"],
        "FeedbackBodyRequest.category": schemas["FeedbackBodyRequest"]["properties"]["category"][
            "pattern"
        ],
    }
    assert documented == dict.fromkeys(documented, SLUG_PATTERN)
    for value in SAMPLES:
        try:
            FEATURE_SCHEMA.validate([{"feature_id": value, "name": "x"}])
            accepted = True
        except BulkValidationError:
            accepted = False
        assert accepted == bool(re.search(SLUG_PATTERN, value)), value
    assert not re.search(SLUG_PATTERN, "Feat_Analytics")  # lower case, as stored
