"""A query parameter given twice (?weeks=52&weeks=1) is 400 `repeated_parameter` unless the
schema documents it as a list: the server never silently picks one of the values."""

import re

import pytest
from rest_framework.test import APIClient

from integrations.api.query_params import documented_list_params, documented_query_params
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

GET_PARAMS = sorted(
    (path, sorted(params - documented_list_params()[(path, method)]))
    for (path, method), params in documented_query_params().items()
    if method == "GET" and params - documented_list_params()[(path, method)]
)


def test_weeks_given_twice_is_400(api: APIClient) -> None:
    CustomerFactory(customer_id="c1")
    response = api.get("/api/v1/customers/c1/health?weeks=52&weeks=1")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("weeks", "repeated_parameter")
    ]
    assert api.get("/api/v1/customers/c1/health?weeks=52").status_code == 200


@pytest.mark.parametrize(("path", "params"), GET_PARAMS, ids=[p for p, _ in GET_PARAMS])
def test_every_single_value_parameter_given_twice_is_400(
    api: APIClient, path: str, params: list[str]
) -> None:
    url = re.sub(r"\{[^}]+\}", "c1", path)
    for name in params:
        response = api.get(f"{url}?{name}=1&{name}=2")
        assert response.status_code == 400, (path, name)
        assert ("repeated_parameter", name) in [
            (e["code"], e["attr"]) for e in response.json()["errors"]
        ], (path, name, response.json())
