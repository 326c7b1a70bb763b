import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Customer, LifecycleChange
from integrations.idempotency import purge_expired
from integrations.models import ApiKey, IdempotencyRecord
from tests.conftest import MakeClient

URL = "/api/v1/customers"
BODY = {"customer_id": "cust_idem", "name": "Idem Co", "segment": "enterprise"}


def post(client: APIClient, body: dict, key: str | None = "key-1") -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_replay_returns_the_stored_response_and_does_nothing_again(api: APIClient) -> None:
    first = post(api, BODY)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    second = post(api, BODY)
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert Customer.objects.count() == 1
    assert LifecycleChange.objects.count() == 1


def test_same_body_with_other_key_order_is_the_same_request(api: APIClient) -> None:
    post(api, BODY)
    reordered = dict(reversed(list(BODY.items())))
    assert post(api, reordered)["Idempotent-Replayed"] == "true"


def test_key_reused_with_another_body_is_422_and_changes_nothing(api: APIClient) -> None:
    post(api, BODY)
    response = post(api, {**BODY, "name": "Other"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Customer.objects.get().name == "Idem Co"


def test_key_reused_on_another_endpoint_is_422(api: APIClient) -> None:
    post(api, BODY)
    response = api.post(
        "/api/v1/customers/bulk", [BODY], format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    assert response.status_code == 422


def test_in_flight_key_is_409_with_retry_after(api: APIClient) -> None:
    key = ApiKey.objects.get()
    import json

    from integrations.idempotency import request_fingerprint

    now = timezone.now()
    IdempotencyRecord.objects.create(
        client=f"key:{key.prefix}",
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, json.dumps(BODY).encode()),
        created_at=now,
        locked_at=now,
    )
    response = post(api, BODY)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_in_use"
    assert 1 <= int(response["Retry-After"]) <= 5
    assert not Customer.objects.exists()


def test_stale_in_flight_claim_is_taken_over(api: APIClient, settings: Any) -> None:
    key = ApiKey.objects.get()
    import json

    from integrations.idempotency import request_fingerprint

    old = timezone.now() - settings.CS_HUB_IDEMPOTENCY_LOCK_TIMEOUT - timedelta(seconds=1)
    IdempotencyRecord.objects.create(
        client=f"key:{key.prefix}",
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint("POST", URL, json.dumps(BODY).encode()),
        created_at=old,
        locked_at=old,
    )
    assert post(api, BODY).status_code == 201
    assert IdempotencyRecord.objects.get().state == "completed"


def test_keys_are_scoped_per_client(make_client: MakeClient) -> None:
    a, b = make_client(), make_client()
    assert post(a, BODY).status_code == 201
    # Client b's key-1 is its own: it runs, and meets the conflict of the existing customer.
    response = post(b, BODY)
    assert response.status_code == 409
    assert "Idempotent-Replayed" not in response


def test_client_errors_are_replayed_too(api: APIClient) -> None:
    bad = {**BODY, "segment": "galactic"}
    first = post(api, bad)
    assert first.status_code == 400
    second = post(api, bad)
    assert second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


def test_transient_conflicts_are_not_stored(api: APIClient) -> None:
    post(api, BODY, key=None)
    assert post(api, BODY, key="k2").status_code == 409  # customer exists
    assert not IdempotencyRecord.objects.filter(key="k2").exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\u00e9key", "tab\tkey"])
def test_invalid_keys_are_400(api: APIClient, key: str) -> None:
    response = post(api, BODY, key=key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"
    assert not Customer.objects.exists()


def test_expired_keys_are_purged_and_free_again(api: APIClient, settings: Any) -> None:
    post(api, BODY)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired() == 1
    assert not IdempotencyRecord.objects.exists()


def test_get_ignores_idempotency_key(api: APIClient) -> None:
    assert api.get(URL, HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_duplicates_have_exactly_one_effect(make_client: MakeClient) -> None:
    raw = make_client().raw_key
    barrier = threading.Barrier(20)
    results: list[tuple[int, bytes, str | None]] = []
    lock = threading.Lock()

    def worker() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        try:
            barrier.wait()
            response = post(client, BODY, key="same-key")
            with lock:
                results.append(
                    (response.status_code, response.content, response.get("Idempotent-Replayed"))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 20
    assert Customer.objects.filter(customer_id=BODY["customer_id"]).count() == 1
    assert LifecycleChange.objects.count() == 1
    created = [r for r in results if r[0] == 201]
    in_flight = [r for r in results if r[0] == 409]
    assert len(created) + len(in_flight) == 20
    assert len([r for r in created if r[2] is None]) == 1  # exactly one original response
    bodies = {str(r[1]) for r in created}
    assert len(bodies) == 1  # every replay is byte-for-byte the original
    assert all(b"idempotency_key_in_use" in r[1] for r in in_flight)
