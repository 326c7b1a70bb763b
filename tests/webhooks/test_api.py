"""Subscriptions over HTTP: ownership, secrets shown once, rotation, replay, the catalogue."""

import base64
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations import events
from tests.support.errors import assert_error
from webhooks.catalogue import CATALOGUE
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import Clock, Receiver, Reply, send_due, subscribe

URL = "/api/v1/webhooks/endpoints"


def test_create_shows_the_secret_once(api, receiver: Receiver) -> None:
    hook = subscribe(api, receiver.url(), "customer.*", "feedback.submitted", "customer.*")
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32
    assert hook["event_types"] == ["customer.*", "feedback.submitted"]
    assert hook["enabled"] is True
    got = api.get(f"{URL}/{hook['endpoint_id']}").json()
    assert "secret" not in got
    listed = api.get(URL).json()["results"]
    assert [e["endpoint_id"] for e in listed] == [hook["endpoint_id"]]
    assert all("secret" not in e for e in listed)


@pytest.mark.parametrize(
    ("types", "code"),
    [
        (["customer.nope"], "unknown_event_type"),
        (["nothing.*"], "unknown_event_type"),
        (["*"], "unknown_event_type"),
        ([".*"], "unknown_event_type"),
        (["workflow.step_ready"], "unknown_event_type"),  # internal
        ([], "min_length"),
    ],
)
def test_event_types_are_checked_against_the_catalogue(api, receiver, types, code) -> None:
    response = api.post(URL, {"url": receiver.url(), "event_types": types}, format="json")
    assert_error(response, 400, code, "event_types")
    assert not WebhookEndpoint.objects.exists()


def test_read_only_and_unknown_fields_are_refused(api, receiver) -> None:
    body = {"url": receiver.url(), "event_types": ["customer.*"], "secret": "whsec_mine"}
    assert_error(api.post(URL, body, format="json"), 400, "unknown_field", "secret")


def test_another_clients_endpoint_is_404_and_scopes_are_enforced(
    api, make_client, receiver
) -> None:
    hook = subscribe(api, receiver.url())
    other = make_client("webhooks:read", "webhooks:write")
    path = f"{URL}/{hook['endpoint_id']}"
    for response in (
        other.get(path),
        other.patch(path, {"enabled": False}, format="json"),
        other.delete(path),
        other.get(f"{path}/deliveries"),
        other.post(f"{path}/rotate-secret"),
        other.post(f"{path}/replay?since=2026-01-01T00:00:00Z"),
    ):
        assert_error(response, 404, "webhook_endpoint_not_found")
    assert other.get(URL).json()["results"] == []
    reader = make_client("webhooks:read")
    assert reader.get(path).status_code == 404  # not its endpoint either
    assert_error(reader.post(URL, {}, format="json"), 403, "permission_denied")
    assert_error(make_client("customers:read").get(URL), 403, "permission_denied")
    assert WebhookEndpoint.objects.get().enabled


def test_patch_and_delete(api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    path = f"{URL}/{hook['endpoint_id']}"
    response = api.patch(path, {"description": "CRM", "event_types": ["feedback.*"]}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["description"], response.json()["event_types"]) == (
        "CRM",
        ["feedback.*"],
    )
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_rotation_signs_with_both_secrets_for_24_hours(api, receiver, clock: Clock) -> None:
    hook = subscribe(api, receiver.url())
    rotated = api.post(f"{URL}/{hook['endpoint_id']}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != hook["secret"]
    assert new.startswith("whsec_")
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(hook["secret"]).verify(got.body, got.headers)  # the old one still verifies
    Webhook(new).verify(got.body, got.headers)
    clock.advance(hours=24, seconds=1)
    events.publish("customer.created", customer_id="c2", data={})
    send_due()
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    # standardwebhooks checks the timestamp against the real clock: verify as of the stamp.
    _verify_at(new, got)
    with pytest.raises(WebhookVerificationError):
        _verify_at(hook["secret"], got)


def _verify_at(secret: str, got) -> None:
    wh = Webhook(secret)
    expected = wh.sign(
        got.headers["webhook-id"],
        _stamp(got.headers["webhook-timestamp"]),
        got.body.decode(),
    )
    if expected not in got.headers["webhook-signature"].split(" "):
        raise WebhookVerificationError("No matching signature found")


def _stamp(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC)


def test_deliveries_list_detail_and_replay(api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    receiver.on("/hook", Reply(500))
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    path = f"{URL}/{hook['endpoint_id']}/deliveries"
    [row] = api.get(path).json()["results"]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
    assert api.get(path, {"status": "succeeded"}).json()["results"] == []
    assert_error(api.get(path, {"colour": "red"}), 400, "unknown_parameter", "colour")
    replayed = api.post(f"{path}/{row['delivery_id']}/replay")
    assert replayed.status_code == 202
    assert (replayed.json()["attempts"], replayed.json()["status"]) == (0, "pending")
    assert send_due() == ["succeeded"]
    detail = api.get(f"{path}/{row['delivery_id']}").json()
    assert [a["status_code"] for a in detail["log"]] == [200, 500]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    # A succeeded delivery can be replayed too (the receiver lost it).
    assert api.post(f"{path}/{row['delivery_id']}/replay").status_code == 202
    assert send_due() == ["succeeded"]
    assert len(receiver.requests) == 3
    assert_error(api.post(f"{path}/whd_nope/replay"), 404, "webhook_delivery_not_found")


def test_replay_since_resends_the_matching_events(api, receiver, clock: Clock) -> None:
    events.publish("customer.created", customer_id="old", data={})
    clock.advance(hours=1)
    since = clock.now
    events.publish("customer.created", customer_id="c1", data={})
    events.publish("feedback.submitted", customer_id="c1", data={})
    events.publish("customer.lifecycle_changed", customer_id="c2", data={})
    events.relay_pending()  # before the endpoint existed: nothing delivered
    hook = subscribe(api, receiver.url(), "customer.*")
    path = f"{URL}/{hook['endpoint_id']}/replay"
    response = api.post(f"{path}?since={since.isoformat().replace('+00:00', 'Z')}")
    assert response.status_code == 202, response.content
    assert response.json() == {"queued": 2}
    assert sorted(send_due()) == ["succeeded", "succeeded"]
    assert sorted(r.json()["data"]["customer_id"] for r in receiver.requests) == ["c1", "c2"]
    assert_error(api.post(path), 400, "required", "since")
    assert_error(api.post(f"{path}?since=yesterday"), 400, "invalid", "since")
    assert_error(api.post(f"{path}?since=2026-01-01&x=1"), 400, "unknown_parameter", "x")


def test_replay_on_a_disabled_endpoint_is_409(api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    api.patch(f"{URL}/{hook['endpoint_id']}", {"enabled": False}, format="json")
    response = api.post(f"{URL}/{hook['endpoint_id']}/replay?since=2026-01-01T00:00:00Z")
    assert_error(response, 409, "webhook_endpoint_disabled")


def test_the_catalogue_lists_every_deliverable_type_with_an_example(api, make_client) -> None:
    response = make_client("webhooks:read").get("/api/v1/webhooks/event-types")
    assert response.status_code == 200
    rows = response.json()
    names = [r["name"] for r in rows]
    assert "customer.health_declined" in names
    assert "workflow.step_ready" not in names
    assert len(names) == len([t for t in CATALOGUE.values() if t.deliverable])
    assert all(r["description"] and "customer_id" in r["example"] for r in rows)


def test_a_deleted_endpoint_takes_its_deliveries(api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    api.delete(f"{URL}/{hook['endpoint_id']}")
    assert not WebhookDelivery.objects.exists()


def test_reenabling_clears_the_disabled_reason(api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    receiver.on("/hook", Reply(410))
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    path = f"{URL}/{hook['endpoint_id']}"
    assert api.get(path).json()["disabled_reason"] == "gone"
    back = api.patch(path, {"enabled": True}, format="json").json()
    assert (back["enabled"], back["disabled_reason"], back["failing_since"]) == (True, "", None)
