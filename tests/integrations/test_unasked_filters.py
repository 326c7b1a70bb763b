"""A list asked for none of its FilterSet's parameters skips the FilterSet (it would filter
nothing; its form costs about a millisecond a request, issue 17); a parameter named, even
empty, goes through it as before."""

from typing import Any

import django_filters
import pytest
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.test import APIRequestFactory

from integrations.api.base import asks_no_filter
from tests.customers.factories import CustomerFactory
from tests.support.errors import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers"


@pytest.fixture
def filtersets(monkeypatch: Any) -> list[str]:
    """The query strings the FilterSet backend ran for."""
    ran: list[str] = []
    original = DjangoFilterBackend.filter_queryset

    def spy(self: Any, request: Any, queryset: Any, view: Any) -> Any:
        ran.append(request.META.get("QUERY_STRING", ""))
        return original(self, request, queryset, view)

    monkeypatch.setattr(DjangoFilterBackend, "filter_queryset", spy)
    return ran


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["customer_id"] for row in response.json()["results"]]


def test_no_filter_parameter_skips_the_filterset(api: Any, filtersets: list[str]) -> None:
    CustomerFactory.create(customer_id="cust_e", segment="enterprise")
    CustomerFactory.create(customer_id="cust_s", segment="small_business")
    assert _ids(api.get(URL, {"page_size": 10})) == ["cust_e", "cust_s"]
    assert filtersets == []
    assert _ids(api.get(URL, {"segment": "enterprise"})) == ["cust_e"]
    assert filtersets == ["segment=enterprise"]


def test_a_named_parameter_is_filtered_even_empty_or_bad(api: Any, filtersets: list[str]) -> None:
    CustomerFactory.create(customer_id="cust_e", segment="enterprise")
    assert _ids(api.get(URL, {"segment": ""})) == ["cust_e"]  # empty: no filter, as before
    assert_error(api.get(URL, {"segment": "nope"}), 400, "invalid_choice", "segment")
    assert filtersets == ["segment=", "segment=nope"]


class _Required(django_filters.FilterSet):
    name = django_filters.CharFilter(required=True)


class _Optional(django_filters.FilterSet):
    name = django_filters.CharFilter()


class _View:
    filter_backends = (DjangoFilterBackend,)

    def __init__(self, filterset_class: Any) -> None:
        self.filterset_class = filterset_class


def test_a_required_filter_or_another_backend_is_never_skipped() -> None:
    request: Any = APIRequestFactory().get("/x")
    request.query_params = request.GET
    assert asks_no_filter(_View(_Optional), request)
    assert not asks_no_filter(_View(_Required), request)  # its absence is a 400
    other = _View(_Optional)
    other.filter_backends = (DjangoFilterBackend, object)  # type: ignore[assignment]
    assert not asks_no_filter(other, request)
    assert not asks_no_filter(_View(None), request)
