"""Two finalize sweeps racing on PostgreSQL (beat and a manual run): each finished campaign is
finalized once, by one of them, with one frozen impact."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketing.campaigns.services import campaigns_finalize
from marketing.models import Campaign
from tests.concurrency.test_concurrent_writes import race

from .campaign_support import create, customers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_sweeps_finalize_each_campaign_once() -> None:
    customers(6)
    now = timezone.now()
    ended = [
        create(["enterprise"], now=now - timedelta(days=10 + i), measurement_window_days=7)
        for i in range(4)
    ]
    create(["enterprise"], now=now)  # still running
    for _ in range(3):
        results = race(campaigns_finalize, campaigns_finalize)
        for result in results:
            assert isinstance(result, list), repr(result)
        done = [cid for result in results for cid in result]
        assert sorted(done) == sorted(c.campaign_id for c in ended)  # once each, in all
        stamps = {c.campaign_id: c.finalized_at for c in Campaign.objects.all()}
        Campaign.objects.update(finalized_at=None, final_impact=None)  # again, next round
        assert sum(1 for v in stamps.values() if v is not None) == 4
