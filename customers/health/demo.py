"""Demo: 52 weekly health snapshots per customer, computed from the seeded history itself."""

from datetime import timedelta

from ..demo import DemoContext, Progress
from .services import health_history_seed


def seed_health_history(ctx: DemoContext, progress: Progress) -> int:
    total = 0
    for weeks_ago in range(ctx.health_weeks, -1, -1):
        day = ctx.today - timedelta(weeks=weeks_ago)
        written = health_history_seed(customer_pks=None, days=[day])
        progress(written)
        total += written
    return total
