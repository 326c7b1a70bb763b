"""Deliveries to a real receiver on 127.0.0.1, verified with the `standardwebhooks` package."""

import socket
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations import events
from integrations.models import ApiKey, Event
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import addresses, delivery

from .conftest import Clock, Receiver, Reply, send_due, subscribe


def test_an_event_is_delivered_signed_and_verifiable(api, receiver: Receiver) -> None:
    hook = subscribe(api, receiver.url(), "customer.*")
    created = api.post(
        "/api/v1/customers",
        {"customer_id": "cust_wh1", "name": "Acme", "segment": "enterprise"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert send_due() == ["succeeded"]
    [got] = receiver.requests
    event = Event.objects.get(type="customer.created")
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert got.headers["webhook-id"] == event.event_id
    assert payload == {
        "type": "customer.created",
        "timestamp": event.created_at.isoformat(),
        "data": {
            "customer_id": "cust_wh1",
            "segment": "enterprise",
            "lifecycle_stage": "onboarding",
        },
    }
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 1, 200)
    [log] = WebhookAttempt.objects.all()
    assert log.succeeded
    assert log.status_code == 200
    assert log.response_body == "ok"


def test_only_subscribed_types_and_enabled_endpoints_get_deliveries(api, receiver) -> None:
    subscribe(api, receiver.url("/a"), "feedback.submitted")
    off = subscribe(api, receiver.url("/b"), "customer.*")
    assert (
        api.patch(
            f"/api/v1/webhooks/endpoints/{off['endpoint_id']}", {"enabled": False}, format="json"
        ).status_code
        == 200
    )
    events.publish("customer.created", customer_id="c1", data={})
    events.publish("feedback.submitted", customer_id="c1", data={"feedback_id": "fb1"})
    events.publish("workflow.step_ready", customer_id="c1", data={})  # internal: never sent
    assert send_due() == ["succeeded"]
    assert [r.path for r in receiver.requests] == ["/a"]
    assert receiver.requests[0].json()["data"] == {"customer_id": "c1", "feedback_id": "fb1"}


def test_relaying_an_event_again_does_not_deliver_it_twice(api, receiver) -> None:
    subscribe(api, receiver.url())
    event = events.publish("customer.created", customer_id="c1", data={})
    send_due()
    Event.objects.filter(pk=event.pk).update(status="pending")
    assert send_due() == []
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_retries_follow_the_schedule_until_the_receiver_recovers(
    api, receiver: Receiver, clock: Clock
) -> None:
    subscribe(api, receiver.url())
    receiver.on("/hook", Reply(500), Reply(502), Reply(200))
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    d = WebhookDelivery.objects.get()
    wait = (_due(d) - clock.now).total_seconds()
    assert 4.5 <= wait <= 5.5  # 5 s +- 10 % jitter
    clock.advance(seconds=4)
    assert send_due() == []  # not due yet
    clock.advance(seconds=2)
    assert send_due() == ["retry scheduled"]
    d.refresh_from_db()
    wait = (_due(d) - clock.now).total_seconds()
    assert 270 <= wait <= 330  # 5 min +- 10 %
    clock.advance(seconds=331)
    assert send_due() == ["succeeded"]
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3
    assert ids == {Event.objects.get().event_id}
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [500, 502, 200]
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("succeeded", 3)
    assert WebhookEndpoint.objects.get().failing_since is None


def _due(d: WebhookDelivery) -> datetime:
    assert d.next_attempt_at is not None
    return d.next_attempt_at


def test_after_the_tenth_failure_the_delivery_has_failed(api, receiver, clock) -> None:
    subscribe(api, receiver.url())
    receiver.on("/hook", *[Reply(500)] * 10)
    events.publish("customer.created", customer_id="c1", data={})
    outcomes = []
    for _ in range(10):
        outcomes += send_due()
        clock.advance(hours=27)  # past any wait (24 h + 10 %)
        WebhookEndpoint.objects.update(failing_since=clock.now)  # not the 5-day rule here
    assert outcomes == ["retry scheduled"] * 9 + ["failed"]
    d = WebhookDelivery.objects.get()
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 10, None)
    assert delivery.SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


@pytest.mark.parametrize(("status", "after"), [(429, "120"), (503, "3600")])
def test_retry_after_is_honoured(api, receiver, clock, status: int, after: str) -> None:
    subscribe(api, receiver.url())
    receiver.on("/hook", Reply(status, {"Retry-After": after}))
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    d = WebhookDelivery.objects.get()
    assert d.next_attempt_at == clock.now + timedelta(seconds=int(after))  # not 5 s
    clock.advance(seconds=int(after) - 1)
    assert send_due() == []
    clock.advance(seconds=1)
    assert send_due() == ["succeeded"]


def test_retry_after_as_an_http_date(clock) -> None:
    now = clock.now.replace(microsecond=0)
    header = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert delivery.retry_after_seconds(header, now) == 90
    assert delivery.retry_after_seconds("soon", now) is None


def test_410_gone_disables_the_endpoint_and_tells_the_owner(api, make_client, receiver) -> None:
    gone = subscribe(api, receiver.url("/gone"), "customer.*")
    watcher = subscribe(api, receiver.url("/watch"), "webhook.*")
    stranger = make_client("webhooks:read", "webhooks:write")
    subscribe(stranger, receiver.url("/stranger"), "webhook.endpoint_disabled")
    receiver.on("/gone", Reply(410))
    events.publish("customer.created", customer_id="c1", data={})
    events.publish("customer.created", customer_id="c2", data={})
    assert sorted(send_due()) == ["gone", "gone: endpoint disabled"]
    endpoint = WebhookEndpoint.objects.get(endpoint_id=gone["endpoint_id"])
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "gone")
    assert set(
        WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)
    ) == {"failed"}
    assert send_due() == ["succeeded"]  # webhook.endpoint_disabled, to the owner only
    [notice] = receiver.at("/watch")
    assert notice.json()["data"] == {
        "customer_id": None,
        "endpoint_id": gone["endpoint_id"],
        "reason": "gone",
    }
    assert receiver.at("/stranger") == []
    assert len(receiver.at("/gone")) == 1
    assert watcher["endpoint_id"] != gone["endpoint_id"]


def test_an_endpoint_failing_for_five_days_is_disabled(api, receiver, clock) -> None:
    hook = subscribe(api, receiver.url())
    receiver.on("/hook", *[Reply(500)] * 20)
    for day in range(6):  # a new event each day; every attempt fails
        events.publish("customer.created", customer_id=f"c{day}", data={})
        outcomes = send_due()
        disabled = "failing for 5 days: endpoint disabled" in outcomes
        assert disabled == (day == 5), (day, outcomes)
        clock.advance(days=1)
    endpoint = WebhookEndpoint.objects.get(endpoint_id=hook["endpoint_id"])
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "failing")
    assert Event.objects.filter(type="webhook.endpoint_disabled").count() == 1


def test_a_redirect_is_a_failure_and_is_not_followed(api, receiver) -> None:
    subscribe(api, receiver.url("/moved"))
    receiver.on("/moved", Reply(302, {"Location": receiver.url("/elsewhere")}))
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    assert [r.path for r in receiver.requests] == ["/moved"]
    assert WebhookAttempt.objects.get().error_class == "http_status"


def test_a_large_payload_is_replaced_by_a_link(api, receiver, settings) -> None:
    settings.CS_HUB_PUBLIC_URL = "https://cs.example.com"
    hook = subscribe(api, receiver.url())
    event = events.publish("customer.created", customer_id="c1", data={"blob": "x" * 21000})
    send_due()
    [got] = receiver.requests
    assert len(got.body) < 20 * 1024
    assert Webhook(hook["secret"]).verify(got.body, got.headers)["data"] == {
        "customer_id": "c1",
        "truncated": True,
        "url": f"https://cs.example.com/api/v1/events?event_id={event.event_id}",
    }
    listed = api.get("/api/v1/events", {"event_id": event.event_id}).json()["results"]
    assert [e["event_id"] for e in listed] == [event.event_id]


def test_a_slow_receiver_fails_by_timeout_without_holding_up_the_others(
    api, receiver, settings
) -> None:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    subscribe(api, receiver.url("/slow"))
    subscribe(api, receiver.url("/fast"))
    receiver.on("/slow", Reply(200, delay=3))
    events.publish("customer.created", customer_id="c1", data={})
    assert sorted(send_due()) == ["retry scheduled", "succeeded"]
    slow = WebhookAttempt.objects.get(delivery__endpoint__url__endswith="/slow")
    assert slow.error_class == "timeout"
    assert 900 <= slow.latency_ms < 2500
    fast = WebhookAttempt.objects.get(delivery__endpoint__url__endswith="/fast")
    assert fast.succeeded
    assert fast.latency_ms < 900
    # Each due delivery is its own task: the sweep hands them out separately.
    assert len(delivery.claim_due()) == 0


def test_a_superseded_claim_does_not_record_twice(api, receiver) -> None:
    subscribe(api, receiver.url())
    events.publish("customer.created", customer_id="c1", data={})
    events.relay_pending()
    [(pk, token)] = delivery.claim_due()
    WebhookDelivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(pk, token) == "not claimed"
    assert receiver.requests == []


def test_the_relay_reads_the_subscriptions_once_per_batch(api, receiver) -> None:
    subscribe(api, receiver.url("/a"), "customer.*")
    subscribe(api, receiver.url("/b"), "feedback.*")
    for i in range(30):
        events.publish("customer.created", customer_id=f"c{i}", data={})
        events.publish("forecast.submitted", data={})
    with CaptureQueriesContext(connection) as ctx:
        assert events.relay_pending() == 60
    reads = [q for q in ctx.captured_queries if 'FROM "webhooks_webhookendpoint"' in q["sql"]]
    assert len(reads) == 1
    assert WebhookDelivery.objects.count() == 30


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="eager tasks only")
def test_a_committed_event_reaches_the_receiver_with_no_sweep(
    api, receiver, django_capture_on_commit_callbacks
) -> None:
    """publish -> commit -> relay -> fan-out -> commit -> dispatch -> deliver (eager tasks)."""
    hook = subscribe(api, receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("customer.created", customer_id="c1", data={})
    [got] = receiver.requests
    Webhook(hook["secret"]).verify(got.body, got.headers)
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_a_revoked_keys_endpoints_get_nothing(make_client, receiver) -> None:
    client = make_client("webhooks:read", "webhooks:write")
    subscribe(client, receiver.url())
    ApiKey.objects.update(revoked=True)
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == []
    assert not WebhookDelivery.objects.exists()


def test_the_next_checked_address_is_tried_when_one_refuses(api, receiver, monkeypatch) -> None:
    """A name with two addresses (say ::1 and 127.0.0.1): a refused connect moves on."""
    port = receiver.server.server_address[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = closed.getsockname()[1]
    closed.close()
    real = socket.create_connection

    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, _ = address
        return real((host, dead if host == "127.0.0.2" else port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(addresses, "resolve", lambda parts: ["127.0.0.2", "127.0.0.1"])
    subscribe(api, receiver.url())
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["succeeded"]
