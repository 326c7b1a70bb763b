"""The outbox across a real Celery worker (CI's PostgreSQL run), on the configured broker (Redis)
and on RabbitMQ (`celery_worker_process` runs on `task_broker`)."""

from typing import Any

import pytest
from django.db import transaction

from integrations import events
from integrations.models import Event
from tests.conftest import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def _status(event_id: str) -> str:
    return Event.objects.get(event_id=event_id).status


def test_committed_event_is_relayed_by_the_worker(celery_worker_process: Any) -> None:
    with transaction.atomic():
        event = events.publish("test.worker", customer_id="c1", data={"n": 1})
    assert wait_until(lambda: _status(event.event_id) == "done"), "worker never relayed it"


def test_event_committed_while_broker_down_is_relayed_after_it_returns(
    celery_worker_process: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    from integrations.tasks import relay_events

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:  # what apply_async raises while the broker is down
        patch.setattr(relay_events, "apply_async", broker_down)
        with transaction.atomic():
            event = events.publish("test.worker", data={"n": 2})
    assert _status(event.event_id) == "pending"  # the commit stood; nothing was lost
    relay_events.delay()  # the broker is back: what beat's sweep sends every few seconds
    assert wait_until(lambda: _status(event.event_id) == "done")
