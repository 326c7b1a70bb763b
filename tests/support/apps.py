"""Test-only workflow steps, installed by config.settings.test so a real worker has them."""

import os
import time
from pathlib import Path
from typing import Any

from django.apps import AppConfig


def slow_effect(ctx: Any) -> dict[str, Any]:
    """A database effect, then a pause the durability tests kill a worker in.

    The Alert has no unique key on purpose: if the step's effect ever happened twice, there
    would be two rows. The marker file (outside the database) tells the test the step is
    in flight.
    """
    from operations.models import Alert

    Alert.objects.create(
        alert_id=f"alr_{ctx.step.pk}_{time.monotonic_ns()}",
        customer=ctx.customer,
        title="slow effect",
        message=ctx.key,
        opened_at=ctx.now,
    )
    marker = os.environ.get("CS_HUB_TEST_STEP_MARKER")
    if marker:
        Path(marker).write_text(f"{ctx.key} pid={os.getpid()}")
    seconds = float(os.environ.get("CS_HUB_TEST_STEP_SLEEP", "0"))
    time.sleep(seconds)
    return {"slept": seconds}


class TestSupportConfig(AppConfig):
    name = "tests.support"
    label = "testsupport"

    def ready(self) -> None:
        from operations.workflows.registry import register_step

        register_step("test_slow_effect", slow_effect, "Tests only: an effect, then a pause.")
