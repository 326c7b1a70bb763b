"""Demo: 52 weekly health snapshots per customer, computed by the real engine from the seeded
history itself (`health_history_seed`, the backfill service: set-based, no events, as a
year of snapshots needs)."""

from datetime import timedelta

from customers.health.services import health_history_seed

from .context import DemoContext, Progress


def seed_health_history(ctx: DemoContext, progress: Progress) -> int:
    total = 0
    for weeks_ago in range(ctx.health_weeks, -1, -1):
        day = ctx.today - timedelta(weeks=weeks_ago)
        written = health_history_seed(customer_pks=None, days=[day])
        progress(written)
        total += written
    return total
