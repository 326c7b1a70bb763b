"""Webhook endpoints belong to the API key that made them: another client's key, even one
holding every scope, cannot see, change, replay or rotate them, nor read their deliveries —
it gets the same 404 as for an id that does not exist (nothing tells it the id is taken).
Endpoints made by staff in the admin belong to no key and are invisible to every key."""

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from customers.models import Customer
from integrations.events import publish, relay_pending
from integrations.models import Event
from tests.support.errors import assert_error
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_disable

URL = "/api/v1/webhooks/endpoints"
SINCE = "since=2020-01-01T00:00:00Z"


@pytest.fixture
def two_clients(make_client: Any) -> tuple[APIClient, APIClient]:
    """Clients A and B, each with an endpoint (whe_a, whe_b) holding one delivery."""
    a, b = make_client(), make_client()
    endpoint_for(a, "whe_a", event_types=["customer.*"])
    endpoint_for(b, "whe_b", event_types=["customer.*"])
    Customer.objects.create(customer_id="cust_iso", name="Iso Co", segment="enterprise")
    publish("customer.created", customer_id="cust_iso", data={})
    relay_pending()  # one delivery per endpoint (nothing is sent in this test)
    return a, b


def _delivery(endpoint_id: str) -> str:
    return str(
        WebhookDelivery.objects.get(endpoint__endpoint_id=endpoint_id).delivery_id  # one each
    )


def _state() -> list[tuple[Any, ...]]:
    return list(
        WebhookEndpoint.objects.order_by("endpoint_id").values_list(
            "endpoint_id", "url", "description", "enabled", "secret", "previous_secret"
        )
    ) + list(
        WebhookDelivery.objects.order_by("delivery_id").values_list(
            "delivery_id", "status", "attempts", "next_attempt_at"
        )
    )


def _every_call(client: APIClient, endpoint: str, delivery: str) -> list[tuple[str, Any]]:
    path = f"{URL}/{endpoint}"
    return [
        ("detail", client.get(path)),
        ("patch", client.patch(path, {"description": "mine now"}, format="json")),
        ("rotate", client.post(f"{path}/rotate-secret")),
        ("replay", client.post(f"{path}/replay?{SINCE}")),
        ("deliveries", client.get(f"{path}/deliveries")),
        ("delivery", client.get(f"{path}/deliveries/{delivery}")),
        ("delivery replay", client.post(f"{path}/deliveries/{delivery}/replay")),
        ("delete", client.delete(path)),
    ]


@pytest.mark.django_db
def test_another_clients_endpoint_and_its_deliveries_are_404(two_clients: Any) -> None:
    a, b = two_clients
    a_delivery = _delivery("whe_a")
    before = _state()
    for label, response in _every_call(b, "whe_a", a_delivery):
        assert response.status_code == 404, (label, response.content)
        assert_error(response, 404, "webhook_endpoint_not_found")
    # The same answers as for an endpoint that does not exist at all.
    for _label, response in _every_call(b, "whe_nope", a_delivery):
        assert_error(response, 404, "webhook_endpoint_not_found")
    assert _state() == before  # nothing changed, replayed, rotated or deleted
    assert [h["endpoint_id"] for h in b.get(URL).json()["results"]] == ["whe_b"]
    # The owner still reaches everything: the 404s above are about ownership.
    assert a.get(f"{URL}/whe_a").status_code == 200
    assert a.get(f"{URL}/whe_a/deliveries/{a_delivery}").status_code == 200


@pytest.mark.django_db
def test_another_clients_delivery_is_404_through_ones_own_endpoint(two_clients: Any) -> None:
    _, b = two_clients
    a_delivery, b_delivery = _delivery("whe_a"), _delivery("whe_b")
    before = _state()
    own = f"{URL}/whe_b/deliveries"
    assert_error(b.get(f"{own}/{a_delivery}"), 404, "webhook_delivery_not_found")
    assert_error(b.post(f"{own}/{a_delivery}/replay"), 404, "webhook_delivery_not_found")
    assert [d["delivery_id"] for d in b.get(own).json()["results"]] == [b_delivery]
    assert _state() == before
    assert b.get(f"{own}/{b_delivery}").status_code == 200


@pytest.mark.django_db
def test_staff_endpoints_belong_to_no_key(two_clients: Any) -> None:
    a, _ = two_clients
    staff_hook = endpoint_create(
        owner=None, url="https://hooks.example.com/staff", event_types=["customer.*"]
    )
    assert_error(a.get(f"{URL}/{staff_hook.endpoint_id}"), 404, "webhook_endpoint_not_found")
    assert_error(a.delete(f"{URL}/{staff_hook.endpoint_id}"), 404, "webhook_endpoint_not_found")
    assert [h["endpoint_id"] for h in a.get(URL).json()["results"]] == ["whe_a"]
    assert WebhookEndpoint.objects.filter(pk=staff_hook.pk).exists()


@pytest.mark.django_db
def test_an_idempotency_key_is_per_client(make_client: Any) -> None:
    """B reusing A's Idempotency-Key with the same body gets its own endpoint, never a replay
    of A's response (which holds A's endpoint and its signing secret)."""
    a, b = make_client(), make_client()
    body = {"url": "https://hooks.example.com/same", "event_types": ["customer.*"]}
    first = a.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-hook-1")
    again = b.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-hook-1")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json()["endpoint_id"] != first.json()["endpoint_id"]
    assert again.json()["secret"] != first.json()["secret"]
    replay = a.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-hook-1")
    assert replay.json()["endpoint_id"] == first.json()["endpoint_id"]  # A's own replay
    assert WebhookEndpoint.objects.count() == 2


@pytest.mark.django_db
def test_a_replay_brings_no_event_about_another_clients_endpoint(two_clients: Any) -> None:
    """Live fan-out sends `webhook.*` events (about an endpoint) only to its owner's other
    endpoints; replaying `since` must not hand another client's ones over either."""
    a, b = two_clients
    endpoint_for(a, "whe_a_watch", event_types=["webhook.*"])
    endpoint_for(b, "whe_b_watch", event_types=["webhook.*"])
    endpoint_disable(endpoint=WebhookEndpoint.objects.get(endpoint_id="whe_a"), reason="gone")
    relay_pending()
    about_a = {"endpoint_id": "whe_a", "reason": "gone"}
    assert _events_at("whe_a_watch") == [about_a]  # the owner hears about it
    assert _events_at("whe_b_watch") == []
    for client, watcher in ((b, "whe_b_watch"), (a, "whe_a_watch")):
        response = client.post(f"{URL}/{watcher}/replay?{SINCE}")
        assert response.status_code == 202, response.content
    assert _events_at("whe_b_watch") == []  # was: B's replay delivered A's notice
    assert _events_at("whe_a_watch") == [about_a]


def _events_at(endpoint_id: str) -> list[Any]:
    return [
        d.event.data
        for d in WebhookDelivery.objects.filter(endpoint__endpoint_id=endpoint_id)
        .select_related("event")
        .order_by("pk")
    ]


# --- The event feed (issue 16, helper W) -------------------------------------------------
EVENTS = "/api/v1/events"


def _feed(client: Any, **params: str) -> list[tuple[str, Any]]:
    response = client.get(EVENTS, params)
    assert response.status_code == 200, response.content
    return [(e["type"], e["data"].get("endpoint_id")) for e in response.json()["results"]]


@pytest.mark.django_db
def test_the_event_feed_shows_an_endpoint_event_to_its_owner_only(
    two_clients: Any, staff: Any
) -> None:
    """`webhook.endpoint_disabled` is about one client's endpoint: its owner lists it, another
    client (even with every scope, even asking for it by id or type) does not; one about a
    staff-made endpoint is staff's alone. Company events stay visible to every key."""
    a, b = two_clients
    endpoint_disable(endpoint=WebhookEndpoint.objects.get(endpoint_id="whe_a"), reason="gone")
    staff_hook = endpoint_create(
        owner=None, url="https://hooks.example.com/staff", event_types=["customer.*"]
    )
    endpoint_disable(endpoint=staff_hook, reason="failing")
    company = ("customer.created", None)
    about_a = ("webhook.endpoint_disabled", "whe_a")
    about_staff = ("webhook.endpoint_disabled", staff_hook.endpoint_id)
    assert _feed(a) == [company, about_a]
    assert _feed(b) == [company]
    notice = Event.objects.get(data__endpoint_id="whe_a")
    assert _feed(b, event_id=notice.event_id) == []
    assert _feed(b, type="webhook.endpoint_disabled") == []
    assert _feed(a, type="webhook.endpoint_disabled") == [about_a]
    assert _feed(staff) == [company, about_a, about_staff]


@pytest.mark.django_db
def test_the_backfill_makes_older_endpoint_events_private(two_clients: Any) -> None:
    """webhooks 0002: `webhook.*` events written before events could be private become
    private to the endpoint's owner (staff's alone when the endpoint is gone)."""
    a, b = two_clients
    gone = publish("webhook.endpoint_disabled", data={"endpoint_id": "whe_x", "reason": "gone"})
    old = publish("webhook.endpoint_disabled", data={"endpoint_id": "whe_a", "reason": "gone"})
    assert ("webhook.endpoint_disabled", "whe_a") in _feed(b)  # public, as they were
    backfill = importlib.import_module("webhooks.migrations.0002_private_events_backfill")
    backfill.backfill(django_apps, None)
    owner = WebhookEndpoint.objects.get(endpoint_id="whe_a").owner_id
    assert Event.objects.filter(pk=old.pk, private=True, owner_client_id=owner).exists()
    assert Event.objects.filter(pk=gone.pk, private=True, owner_client=None).exists()
    assert _feed(b) == [("customer.created", None)]
    assert _feed(a) == [("customer.created", None), ("webhook.endpoint_disabled", "whe_a")]
