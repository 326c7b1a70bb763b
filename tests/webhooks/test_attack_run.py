"""Regressions from an attacker's run against a live server on PostgreSQL (hostile receivers,
hostile URLs, races): each was a 5xx, an unrecorded send re-sent without end, or a lost secret.
"""

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations import events
from integrations.models import Event
from tests.support.errors import assert_error
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import addresses, delivery, endpoints, transport

from .conftest import Clock, Receiver, Reply, send_due, subscribe

URL = "/api/v1/webhooks/endpoints"


@pytest.fixture
def production_rules(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False


# --- SSRF: IPv6 forms that lead to an IPv4 address ------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("::127.0.0.1", "not publicly routable"),  # IPv4-compatible (deprecated)
        ("::1.1.1.1", "not publicly routable"),
        ("64:ff9b:1::a00:1", "not publicly routable"),  # local-use NAT64 (RFC 8215)
        ("64:ff9b::5db8:d822", None),  # NAT64 of 93.184.216.34: an IPv6-only network's route
        ("2002:5db8:d822::1", None),  # 6to4 of the same public address
        ("::1", "loopback"),
    ],
)
def test_embedded_ipv4_addresses_are_judged_by_the_ipv4(address: str, reason: str | None) -> None:
    assert addresses.refused(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "url", ["https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/", "https://[::127.0.0.1]/"]
)
def test_embedded_loopback_urls_are_refused_at_creation(api, production_rules, url: str) -> None:
    response = api.post(URL, {"url": url, "event_types": ["customer.*"]}, format="json")
    assert_error(response, 400, "unsafe_webhook_url", "url")
    assert not WebhookEndpoint.objects.exists()


# --- Hostile receivers ------------------------------------------------------------------------


def test_an_ipv6_literal_url_without_a_port_is_delivered_to(
    api, receiver: Receiver, monkeypatch
) -> None:
    """http.client read the port from the host when none was passed: `::ffff:127.0.0.1` gave
    InvalidURL("nonnumeric port"), raised outside the send's error handling (so never
    recorded, and re-sent at every lease's end). The URL has no port (80); the connection is
    steered to the receiver's."""
    port = receiver.server.server_address[1]
    real_connect = transport._connect
    dialled: list[tuple[list[str], int]] = []

    def to_receiver(addrs: list[str], wanted: int, timeout: float) -> socket.socket:
        dialled.append((addrs, wanted))
        return real_connect(addrs, port, timeout)

    monkeypatch.setattr(transport, "_connect", to_receiver)
    hook = subscribe(api, "http://[::ffff:127.0.0.1]/v6")
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["succeeded"]
    assert dialled == [(["::ffff:127.0.0.1"], 80)]
    [got] = receiver.at("/v6")
    assert got.headers["host"] == "[::ffff:127.0.0.1]"
    Webhook(hook["secret"]).verify(got.body, got.headers)


@pytest.mark.parametrize("value", ["²", "³", "-5", "1e9", "soon"])
def test_an_unreadable_retry_after_falls_back_to_the_schedule(
    api, receiver: Receiver, clock: Clock, value: str
) -> None:
    """`"²".isdigit()` is true and float("²") raises: the attempt was never recorded and the
    delivery went out again each time its lease ended."""
    subscribe(api, receiver.url())
    receiver.on("/hook", Reply(503, {"Retry-After": value}))
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    d = WebhookDelivery.objects.get()
    assert d.attempts == 1
    assert d.last_status_code == 503
    assert d.next_attempt_at is not None
    wait = (d.next_attempt_at - clock.now).total_seconds()
    assert 4.5 <= wait <= 5.5  # the schedule's 5 s, +-10 % jitter


def test_retry_after_values() -> None:
    assert delivery.retry_after_seconds("²") is None
    assert delivery.retry_after_seconds("١٢") is None  # Arabic-Indic digits
    assert delivery.retry_after_seconds("-5") is None
    assert delivery.retry_after_seconds(" 120 ") == 120
    huge = transport.Outcome(503, 1, retry_after="9" * 400)
    assert delivery.next_wait(1, huge) == timedelta(seconds=delivery.MAX_RETRY_AFTER)


def test_a_nul_in_the_receivers_answer_is_logged_without_it(api, receiver: Receiver) -> None:
    """PostgreSQL text refuses NUL: recording the attempt raised, so it was re-sent forever."""
    subscribe(api, receiver.url())
    receiver.on("/hook", Reply(500, body="bad\x00answer"))
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.response_body) == (500, "badanswer")


def test_a_long_refusal_message_fits_the_log(api, receiver: Receiver, monkeypatch) -> None:
    subscribe(api, receiver.url())

    def refuse(parts: Any) -> list[str]:
        raise addresses.UnsafeUrl("x" * 900)

    monkeypatch.setattr(addresses, "resolve", refuse)
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert (attempt.error_class, len(attempt.error)) == ("refused_address", 500)
    assert len(WebhookDelivery.objects.get().last_error) == 500


class Trickler:
    """Answers `HTTP/1.1 200 OK` at once, then one header line every `every` seconds, never
    finishing: each read returns within any per-read timeout."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/trickle"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self.stop.wait(self.every):
                    conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass  # the sender cut the connection


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    t = Trickler(every=0.2)
    yield t
    t.stop.set()
    t.listener.close()


def test_a_trickled_answer_is_cut_at_the_timeout(trickler: Trickler) -> None:
    """The timeout was per read: this receiver held the sender (a worker slot) as long as it
    liked, outlived the claim's lease and let the next claim take another slot."""
    parts = urlsplit(trickler.url)
    started = time.monotonic()
    outcome = transport.post(parts, ["127.0.0.1"], b"{}", {}, timeout=1.0)
    elapsed = time.monotonic() - started
    assert (outcome.status_code, outcome.error_class, outcome.succeeded) == (None, "timeout", False)
    assert 0.9 <= elapsed < 5  # cut at 1 s, not after the receiver's 1000 lines


def test_a_trickling_receiver_fails_by_timeout(api, trickler: Trickler, settings) -> None:
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    subscribe(api, trickler.url)
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert (attempt.error_class, attempt.status_code) == ("timeout", None)
    assert 900 <= attempt.latency_ms < 5000


def test_an_unforeseen_send_error_is_a_recorded_failure(api, receiver, monkeypatch) -> None:
    subscribe(api, receiver.url())

    def explode(*args: Any, **kwargs: Any) -> transport.Outcome:
        raise ValueError("surprise")

    monkeypatch.setattr(transport, "post", explode)
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert (attempt.error_class, attempt.error) == ("connection", "ValueError: surprise")
    assert WebhookDelivery.objects.get().attempts == 1


def test_an_endpoint_deleted_during_its_send_is_not_an_error(api, receiver, monkeypatch) -> None:
    subscribe(api, receiver.url())
    real_post = transport.post

    def post_then_delete(*args: Any, **kwargs: Any) -> transport.Outcome:
        outcome = real_post(*args, **kwargs)
        WebhookEndpoint.objects.all().delete()
        return outcome

    monkeypatch.setattr(transport, "post", post_then_delete)
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["gone"]
    assert not WebhookDelivery.objects.exists()


def test_one_clients_endpoints_share_a_few_slots(
    api, make_client, receiver: Receiver, clock: Clock
) -> None:
    """Five hanging endpoints of one key held all 8 slots of a live webhooks pool (2 each):
    another client's healthy receiver waited 16 s. Now one client holds at most 4."""
    mine = [subscribe(api, receiver.url(f"/hang{i}"))["endpoint_id"] for i in range(3)]
    theirs = subscribe(make_client("webhooks:read", "webhooks:write"), receiver.url("/ok"))
    for i in range(3):
        events.publish("customer.created", customer_id=f"c{i}", data={})
    events.relay_pending()
    assert WebhookDelivery.objects.count() == 12  # 3 events x 4 endpoints
    claimed = delivery.claim_due()
    by_pk = dict(WebhookDelivery.objects.values_list("pk", "endpoint__endpoint_id"))
    got = [by_pk[pk] for pk, _ in claimed]
    assert len([e for e in got if e in mine]) == 4  # not 6
    assert got.count(theirs["endpoint_id"]) == 2  # its own per-endpoint limit
    assert len(set(got) & set(mine)) == 3  # every endpoint's first before anyone's second
    assert delivery.claim_due() == []
    # A lane of one of mine finds its client's slots taken, even with its endpoint's free.
    idle = next(e for e in mine if got.count(e) == 1)
    idle_pk = WebhookEndpoint.objects.get(endpoint_id=idle).pk
    assert delivery.claim_due(endpoint_pk=idle_pk) == []
    # One of mine recorded: exactly one slot frees, for my client.
    pk, token = next(c for c, e in zip(claimed, got, strict=True) if e in mine)
    assert delivery.record(pk, token, transport.Outcome(200, 5), clock.now) == "succeeded"
    [(again, _)] = delivery.claim_due()
    assert by_pk[again] in mine


def test_the_client_limit_is_a_setting(api, receiver: Receiver, settings) -> None:
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT = 1
    for i in range(2):
        subscribe(api, receiver.url(f"/e{i}"))
    events.publish("customer.created", customer_id="c1", data={})
    events.relay_pending()
    [(pk, token)] = delivery.claim_due()
    assert delivery.claim_due() == []  # the other endpoint's delivery waits for the slot
    assert delivery.record(pk, token, transport.Outcome(200, 5), timezone.now()) == "succeeded"
    assert send_due() == ["succeeded"]


def test_a_slow_lane_hands_its_freed_slot_to_the_clients_waiting_endpoint(
    api, receiver: Receiver, settings, monkeypatch
) -> None:
    """A lane past its budget re-claimed only its own endpoint: with the client's slots all
    taken, a slow endpoint kept them and its sibling waited (seen live: 2 of 5 hanging
    endpoints and the client's healthy ones got no attempt in 2 minutes)."""
    from webhooks import tasks

    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT = 3
    monkeypatch.setattr(delivery, "LANE_SECONDS", 0.0)  # as after a slow attempt
    monkeypatch.setattr(delivery, "_eager", lambda: False)
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda args, **_: queued.append(args))
    subscribe(api, receiver.url("/a"))
    subscribe(api, receiver.url("/b"))
    published = [events.publish("customer.created", customer_id=f"c{i}", data={}) for i in range(3)]
    events.relay_pending()
    now = timezone.now()
    for i, event in enumerate(published):  # event i due i seconds after the first
        WebhookDelivery.objects.filter(event__event_id=event.event_id).update(
            next_attempt_at=now - timedelta(seconds=10 - i)
        )
    by_pk = dict(WebhookDelivery.objects.values_list("pk", "endpoint__endpoint_id"))
    first = delivery.claim_due()  # both endpoints' first, then one endpoint's second
    got = [by_pk[pk] for pk, _ in first]
    heavy = next(e for e in got if got.count(e) == 2)
    light = next(e for e in got if got.count(e) == 1)
    mine = next(c for c in first if by_pk[c[0]] == heavy)
    assert delivery.deliver_lane(*mine) == "succeeded"
    # The freed slot: each endpoint has 1 in flight now; light's next (event 2) is older
    # than heavy's (event 3).
    assert [by_pk[pk] for pk, _ in queued] == [light]


def test_a_delivery_fanned_out_beside_a_410_never_goes_out(api, receiver: Receiver) -> None:
    """Seen live: the relay read the subscriptions, the receiver's 410 disabled the endpoint
    (failing its pending deliveries), then the relay inserted one more delivery for it. It
    stayed pending and would have gone out when the endpoint was enabled again."""
    hook = subscribe(api, receiver.url("/gone"))
    events.publish("customer.created", customer_id="c1", data={})
    events.relay_pending()
    endpoint = WebhookEndpoint.objects.get()
    endpoints.endpoint_disable(endpoint=endpoint, reason="gone")
    late = WebhookDelivery.objects.get()
    event = events.publish("customer.created", customer_id="c2", data={})  # the late fan-out
    WebhookDelivery.objects.create(
        delivery_id="whd_late",
        endpoint=endpoint,
        event_id=event.pk,
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    response = api.patch(f"{URL}/{hook['endpoint_id']}", {"enabled": True}, format="json")
    assert response.status_code == 200, response.content
    statuses = dict(WebhookDelivery.objects.values_list("delivery_id", "status"))
    assert statuses == {late.delivery_id: "failed", "whd_late": "failed"}
    assert send_due() == []
    assert receiver.at("/gone") == []


def test_an_endpoint_paused_by_hand_sends_its_backlog_when_enabled(api, receiver) -> None:
    hook = subscribe(api, receiver.url("/paused"))
    api.patch(f"{URL}/{hook['endpoint_id']}", {"enabled": False}, format="json")
    events.publish("customer.created", customer_id="c1", data={})
    WebhookDelivery.objects.create(
        delivery_id="whd_waiting",
        endpoint=WebhookEndpoint.objects.get(),
        event=Event.objects.get(),
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    assert send_due() == []  # paused: nothing goes out
    api.patch(f"{URL}/{hook['endpoint_id']}", {"enabled": True}, format="json")
    assert send_due() == ["succeeded"]


# --- Races on the endpoint row -------------------------------------------------------------


def _signing(endpoint_id: str) -> set[str]:
    e = WebhookEndpoint.objects.get(endpoint_id=endpoint_id)
    return {e.secret, e.previous_secret}


def test_two_rotations_at_once_both_hand_out_a_secret_that_signs(api) -> None:
    """Both requests read the row before either saved: the second wrote back the original
    secret as `previous` and the first response's secret was valid nowhere."""
    hook = subscribe(api, "http://127.0.0.1:9/hook")
    first_view = WebhookEndpoint.objects.get()
    second_view = WebhookEndpoint.objects.get()  # read before the first rotation commits
    first = endpoints.endpoint_rotate_secret(endpoint=first_view).secret
    second = endpoints.endpoint_rotate_secret(endpoint=second_view).secret
    assert _signing(hook["endpoint_id"]) == {first, second}
    assert hook["secret"] not in {first, second}


def test_a_patch_beside_a_rotation_keeps_the_new_secret(api) -> None:
    hook = subscribe(api, "http://127.0.0.1:9/hook")
    read_by_patch = WebhookEndpoint.objects.get()
    rotated = api.post(f"{URL}/{hook['endpoint_id']}/rotate-secret").json()["secret"]
    saved = endpoints.endpoint_update(endpoint=read_by_patch, data={"description": "renamed"})
    assert saved.description == "renamed"
    assert _signing(hook["endpoint_id"]) == {rotated, hook["secret"]}


def test_patch_answers_with_the_saved_endpoint(api) -> None:
    hook = subscribe(api, "http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.update(description="changed elsewhere")
    body = api.patch(f"{URL}/{hook['endpoint_id']}", {"enabled": False}, format="json").json()
    assert (body["description"], body["enabled"]) == ("changed elsewhere", False)


# --- Replay's query ------------------------------------------------------------------------


def test_a_repeated_since_is_refused(api) -> None:
    hook = subscribe(api, "http://127.0.0.1:9/hook")
    response = api.post(
        f"{URL}/{hook['endpoint_id']}/replay?since=2020-01-01T00:00:00Z&since=2021-01-01T00:00:00Z"
    )
    assert_error(response, 400, "repeated_parameter", "since")


def test_an_idempotency_key_reused_with_another_since_is_refused(api) -> None:
    """The fingerprint ignored the query string: another `since` under the same key got the
    first replay's stored answer back instead of a refusal."""
    hook = subscribe(api, "http://127.0.0.1:9/hook")
    events.publish("customer.created", customer_id="c1", data={})
    path = f"{URL}/{hook['endpoint_id']}/replay?since="
    key = {"HTTP_IDEMPOTENCY_KEY": "replay-1"}
    first = api.post(path + "2000-01-01T00:00:00Z", **key)
    assert (first.status_code, first.json()) == (202, {"queued": 1})
    again = api.post(path + "2000-01-01T00:00:00Z", **key)
    assert (again.status_code, again.json()) == (202, {"queued": 1})
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api.post(path + "2999-01-01T00:00:00Z", **key)
    assert_error(other, 422, "idempotency_key_reused")
