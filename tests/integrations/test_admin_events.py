"""The event admin's retry goes through events_retry: due now, and the relay is nudged."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations import events
from integrations.models import Event


@pytest.mark.django_db(transaction=True)
def test_retry_action_requeues_failed_events_and_kicks_the_relay(
    client: Any, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(admin_user)
    kicks: list[int] = []
    monkeypatch.setattr(events, "kick_relay", lambda: kicks.append(1))
    later = timezone.now() + timedelta(hours=5)
    failed = Event.objects.create(
        event_id="evt_f",
        type="x",
        status="failed",
        created_at=timezone.now(),
        next_attempt_at=later,
    )
    done = Event.objects.create(
        event_id="evt_d", type="x", status="done", created_at=timezone.now(), next_attempt_at=later
    )
    response = client.post(
        reverse("admin:integrations_event_changelist"),
        {"action": "retry_now", "_selected_action": [failed.pk, done.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    done.refresh_from_db()
    assert failed.status == "pending"
    assert failed.next_attempt_at <= timezone.now()
    assert done.status == "done"
    assert kicks == [1]
