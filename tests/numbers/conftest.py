from datetime import datetime

import pytest
from django.utils import timezone

from .company import NOW


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Pin "now" at NOW for every numbers test (timezone.localdate and localtime read
    timezone.now), so "now" entry points (recompute, conditions, performance, feedback) all
    see 2026-06-30."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
