"""Demo features and 12 months of sparse daily usage that follow each customer's story."""

from datetime import date, timedelta

from integrations.bulk_sql import copy_rows
from product.models import Feature, FeatureUsage
from product.services.ingestion import features_bulk_upsert, usage_change_record

from . import context
from .context import DemoContext, Progress

CATALOGUE = [
    # feature_id, name, category, is_key, is_premium, list_price
    ("feat_dashboards", "Dashboards", "insights", True, False, 0),
    ("feat_analytics", "Analytics", "insights", True, False, 0),
    ("feat_reports", "Scheduled reports", "insights", True, False, 0),
    ("feat_alerts", "Alerts", "automation", True, False, 0),
    ("feat_workflows", "Workflow automation", "automation", True, True, 24000),
    ("feat_integrations", "Integrations hub", "platform", True, False, 0),
    ("feat_api", "Public API", "platform", False, False, 0),
    ("feat_sso", "Single sign-on", "security", False, True, 6000),
    ("feat_audit", "Audit log", "security", False, True, 8000),
    ("feat_forecasting", "Forecasting", "insights", False, True, 30000),
    ("feat_mobile", "Mobile app", "platform", False, False, 0),
    ("feat_collab", "Comments and sharing", "collaboration", False, False, 0),
    ("feat_templates", "Templates", "collaboration", False, False, 0),
    ("feat_export", "Data export", "platform", False, False, 0),
    ("feat_segments", "Segmentation", "insights", False, False, 0),
    ("feat_ai_assist", "AI assistant", "automation", False, True, 18000),
    ("feat_sandbox", "Sandbox environments", "platform", False, True, 12000),
    ("feat_permissions", "Granular permissions", "security", False, False, 0),
    ("feat_webhooks", "Webhooks", "platform", False, False, 0),
    ("feat_benchmarks", "Industry benchmarks", "insights", False, True, 9000),
]
FEATURES_USED = {
    context.HEALTHY: (4, 8),
    context.LATE_PAYER: (3, 6),
    context.DECLINING: (3, 6),
    context.NEW: (1, 3),
    context.CHURNED: (2, 4),
}
USER_SHARE = {
    context.HEALTHY: (0.3, 0.9),
    context.LATE_PAYER: (0.25, 0.8),
    context.DECLINING: (0.2, 0.7),
    context.NEW: (0.1, 0.5),
    context.CHURNED: (0.1, 0.5),
}
BASE_RATE = {
    context.HEALTHY: 0.23,
    context.LATE_PAYER: 0.18,
    context.DECLINING: 0.2,
    context.NEW: 0.5,
    context.CHURNED: 0.28,
}


def seed_usage(ctx: DemoContext, progress: Progress) -> int:
    features_bulk_upsert(
        items=[
            {
                "feature_id": f,
                "name": n,
                "category": c,
                "is_key": k,
                "is_premium": p,
                "list_price": price,
            }
            for f, n, c, k, p, price in CATALOGUE
        ]
    )
    features = list(Feature.objects.order_by("feature_id").values_list("id", "is_key"))
    key_ids = [pk for pk, is_key in features if is_key]
    other_ids = [pk for pk, is_key in features if not is_key]
    rng, today = ctx.rng, ctx.today
    start = today - timedelta(days=364)
    rows: list[tuple[int, int, str, int, int]] = []
    total = 0
    for customer in ctx.customers:
        kind = context.story(customer)
        low, high = FEATURES_USED[kind]
        used = rng.sample(key_ids, k=min(len(key_ids), rng.randint(low, high)))
        used += rng.sample(other_ids, k=rng.randint(0, 2))
        first = start
        if kind == context.NEW:
            first = today - timedelta(days=rng.randint(20, 60))
        last = customer.churned_at.date() if customer.churned_at else today
        seats = max(1, customer.licensed_seats)
        share_low, share_high = USER_SHARE[kind]
        for feature_pk in used:
            rate = BASE_RATE[kind] * rng.uniform(0.6, 1.2)
            day = first
            while day <= last:
                age = (today - day).days
                p = rate
                if kind == context.DECLINING and age < 120:
                    p = rate * (0.15 + 0.85 * age / 120)  # fading over the last four months
                elif kind == context.CHURNED and (last - day).days < 90:
                    # disengagement before the churn: most churned accounts stop adopting
                    p = rate * (0.05 + 0.95 * (last - day).days / 90)
                if rng.random() < p:
                    share = rng.uniform(share_low, share_high) * (p / rate)
                    users = max(1, int(seats * share))
                    events = users * rng.randint(3, 15)
                    rows.append((customer.pk, feature_pk, day.isoformat(), events, users))
                day += timedelta(days=1)
        if len(rows) >= 50_000:
            total += _flush(rows, progress)
    total += _flush(rows, progress)
    return total


COLUMNS = ("customer_id", "feature_id", "date", "events", "active_users")


def _flush(rows: list[tuple[int, int, str, int, int]], progress: Progress) -> int:
    # COPY, not usage_ingest: a year of daily usage is hundreds of rows per customer (millions
    # for a large demo), all new; the ingestion service's upsert compares every row against
    # what is stored, which a fresh history never needs. COPY keeps a large demo fast.
    copy_rows(FeatureUsage._meta.db_table, COLUMNS, rows, progress)
    if rows:  # the service's own note of a usage change (what was remembered is read again)
        days = [date.fromisoformat(row[2]) for row in rows]
        usage_change_record(first_date=min(days), last_date=max(days), rows=len(rows))
    count = len(rows)
    rows.clear()
    return count
