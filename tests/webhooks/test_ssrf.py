"""URLs that must not receive webhooks (SSRF): refused at creation and again at send time."""

import ipaddress
import socket
from typing import Any

import pytest

from integrations import events
from tests.support.errors import assert_error
from webhooks.models import WebhookAttempt, WebhookEndpoint
from webhooks.services import addresses

from .conftest import send_due, subscribe

URL = "/api/v1/webhooks/endpoints"
PUBLIC = "93.184.216.34"


@pytest.fixture
def production_rules(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00:ec2::254]/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",  # a name that resolves to loopback
    ],
)
def test_private_addresses_are_refused_at_creation(api, production_rules, url: str) -> None:
    response = api.post(URL, {"url": url, "event_types": ["customer.*"]}, format="json")
    assert_error(response, 400, "unsafe_webhook_url", "url")
    assert not WebhookEndpoint.objects.exists()


def test_production_needs_https_and_no_credentials(api, production_rules) -> None:
    for url, fragment in [
        (f"http://{PUBLIC}/hook", "https"),
        (f"https://user:pw@{PUBLIC}/hook", "Credentials"),
        ("ftp://example.com/hook", None),
    ]:
        response = api.post(URL, {"url": url, "event_types": ["customer.*"]}, format="json")
        assert response.status_code == 400, url
        if fragment:
            assert fragment in response.json()["errors"][0]["detail"]


def test_a_public_address_is_accepted(api, production_rules) -> None:
    response = api.post(
        URL, {"url": f"https://{PUBLIC}/hook", "event_types": ["customer.*"]}, format="json"
    )
    assert response.status_code == 201, response.content


def test_a_name_that_later_resolves_to_loopback_is_refused_at_send_time(
    api, receiver, settings, monkeypatch
) -> None:
    """DNS rebinding: public at creation, loopback when sending. Nothing reaches the receiver."""
    port = receiver.server.server_address[1]
    answers = {"hooks.example.com": PUBLIC}
    real = socket.getaddrinfo

    def fake(host: str, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = True  # plain http to the local receiver; the address rule still holds
    subscribe(api, f"http://hooks.example.com:{port}/hook")
    answers["hooks.example.com"] = "127.0.0.1"
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["retry scheduled"]
    attempt = WebhookAttempt.objects.get()
    assert attempt.error_class == "refused_address"
    assert "loopback" in attempt.error
    assert receiver.requests == []
    # With private addresses allowed (local demos, tests) the same delivery goes through.
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    parts = addresses.parse(f"http://hooks.example.com:{port}/hook")
    assert addresses.resolve(parts) == ["127.0.0.1"]


def test_the_connection_goes_to_the_checked_address(api, receiver, monkeypatch) -> None:
    """The request is sent to the address that was checked, with the URL's Host header."""
    port = receiver.server.server_address[1]
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
            if host == "hooks.example.com"
            else real(host, *a, **k)
        ),
    )
    subscribe(api, f"http://hooks.example.com:{port}/hook")
    events.publish("customer.created", customer_id="c1", data={})
    assert send_due() == ["succeeded"]
    assert receiver.requests[0].headers["host"] == f"hooks.example.com:{port}"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("169.254.169.254", "link-local (cloud metadata)"),
        ("fe80::1", "link-local (cloud metadata)"),
        ("172.16.5.4", "private"),
        ("fc00::1", "private"),
        ("100.64.0.1", "not publicly routable"),
        ("224.0.0.1", "not publicly routable"),
        (PUBLIC, None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_rules(address: str, reason: str | None) -> None:
    assert addresses.refused(ipaddress.ip_address(address)) == reason
