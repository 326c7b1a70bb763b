from django.db import migrations

DEFAULT_WEIGHTS = {
    "product_usage": 0.25,
    "feature_adoption": 0.15,
    "support": 0.15,
    "sentiment": 0.15,
    "engagement": 0.15,
    "financial": 0.15,
}


def create_default(apps, schema_editor):  # type: ignore[no-untyped-def]
    HealthModel = apps.get_model("customers", "HealthModel")
    if not HealthModel.objects.exists():
        HealthModel.objects.create(
            version=1, name="default", weights=DEFAULT_WEIGHTS, critical_below=50,
            at_risk_below=75, active=True,
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_health")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
