import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The latest-snapshot-within-bounds lookups read one covering index, backward, in their
    exact order (customers.read.latest_health); built before the two indexes it replaces go."""

    dependencies = [
        ('customers', '0011_health_latest_flag'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='healthscore',
            index=models.Index(fields=['customer', 'computed_at', 'id'], include=('as_of', 'score', 'grade', 'non_usage_score'), name='health_customer_latest_idx'),
        ),
        migrations.RemoveIndex(
            model_name='healthscore',
            name='health_customer_time_idx',
        ),
        migrations.AlterField(
            model_name='healthscore',
            name='customer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='health_scores', to='customers.customer'),
        ),
    ]
