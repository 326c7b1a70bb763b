"""The API's renderers (integrations/api/renderers.py) and Django's own refusals on API paths:
the browsable page of a list computed in Python, an indented page of pre-written rows, and
too many query parameters (a 400, not a 500)."""

import json

import pytest
from rest_framework.test import APIRequestFactory

from finance.api.renewal_views import RenewalsDueView
from integrations.api.renderers import BrowsableAPIRenderer, JSONRenderer, RawJSONArray
from tests.conftest import MakeClient


@pytest.mark.django_db
def test_renewals_due_renders_its_browsable_page(make_client: MakeClient) -> None:
    # It has no queryset (scored in Python): DRF's filter form called get_queryset() and the
    # page answered 500. The test settings render JSON only, so the view is given both here.
    view = RenewalsDueView.as_view(renderer_classes=[JSONRenderer, BrowsableAPIRenderer])
    key = make_client("finance:read").raw_key
    request = APIRequestFactory().get(
        "/api/v1/cs-finance/renewals",
        HTTP_ACCEPT="text/html",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )
    response = view(request)
    response.render()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<h1>Renewals Due</h1>" in response.content
    assert b"&quot;results&quot;" in response.content  # the page's JSON, shown escaped


def test_indented_pages_of_prewritten_rows_are_decoded_and_indented() -> None:
    data = {"next": None, "results": RawJSONArray(['{"a":1,"b":[2]}'])}
    body = JSONRenderer().render(data, "application/json; indent=2")
    assert body.decode() == json.dumps({"next": None, "results": [{"a": 1, "b": [2]}]}, indent=2)
    compact = JSONRenderer().render(data, "application/json")
    assert compact == b'{"next":null,"results":[{"a":1,"b":[2]}]}'


@pytest.mark.django_db
def test_too_many_query_parameters_is_a_400(make_client: MakeClient) -> None:
    response = make_client("sales:read").get("/api/v1/cs-sales/expansion?" + "&" * 10_001)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == ["parse_error"]
