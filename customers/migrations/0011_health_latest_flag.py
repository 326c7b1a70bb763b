from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def flag_latest(apps, schema_editor):  # type: ignore[no-untyped-def]
    """One UPDATE: the latest snapshot of each customer (newest computed_at, newest pk on a
    tie), as customers.health.latest defines it."""
    Customer = apps.get_model("customers", "Customer")
    HealthScore = apps.get_model("customers", "HealthScore")
    newest = (
        HealthScore.objects.filter(customer_id=OuterRef("pk"))
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    latest = Customer.objects.annotate(latest=Subquery(newest)).filter(latest__isnull=False)
    HealthScore.objects.filter(pk__in=latest.values("latest")).update(is_latest=True)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0010_health_distribution_day'),
    ]

    operations = [
        migrations.AddField(
            model_name='healthscore',
            name='is_latest',
            field=models.BooleanField(db_default=False, default=False, editable=False, help_text="The customer's latest snapshot (newest computed_at, newest on a tie)."),
        ),
        # Backfilled before the unique index is built; going back, the column is dropped.
        migrations.RunPython(flag_latest, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='healthscore',
            index=models.Index(condition=models.Q(('is_latest', True)), fields=['computed_at', 'id'], name='health_latest_time_idx'),
        ),
        migrations.AddConstraint(
            model_name='healthscore',
            constraint=models.UniqueConstraint(condition=models.Q(('is_latest', True)), fields=('customer',), include=('score', 'grade', 'as_of', 'computed_at'), name='one_latest_health_score'),
        ),
    ]
