"""The admin: no secret ever shown, a banner while an endpoint is disabled, replay."""

import pytest
from django.urls import reverse

from integrations import events
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import Reply, send_due, subscribe


def test_endpoint_pages_never_show_the_secret_and_warn_when_disabled(staff, api, receiver) -> None:
    hook = subscribe(api, receiver.url())
    receiver.on("/hook", Reply(410))
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    endpoint = WebhookEndpoint.objects.get()
    listing = staff.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert listing.status_code == 200
    assert "1 endpoint(s) disabled after failures" in listing.content.decode()
    page = staff.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "This endpoint is disabled" in html
    assert hook["secret"] not in html
    assert "whsec_" not in html
    assert staff.get(reverse("admin:webhooks_webhookendpoint_add")).status_code == 403


def test_deliveries_filter_and_replay_from_the_admin(staff, api, receiver) -> None:
    subscribe(api, receiver.url())
    receiver.on("/hook", Reply(500))
    events.publish("customer.created", customer_id="c1", data={})
    send_due()
    delivery = WebhookDelivery.objects.get()
    url = reverse("admin:webhooks_webhookdelivery_changelist")
    assert staff.get(url, {"status__exact": "pending", "q": "whd"}).status_code == 200
    assert (
        staff.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).status_code
        == 200
    )
    response = staff.post(
        url, {"action": "replay_now", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "1 delivery(ies) queued." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.attempts == 0
    assert send_due() == ["succeeded"]


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["abc", "1.5", "²", "9" * 5000, "99999999999999999999", "0"])
def test_an_endpoint_page_for_no_id_is_the_admins_not_found_redirect(staff, bad) -> None:
    response = staff.get(f"/admin/webhooks/webhookendpoint/{bad}/change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
