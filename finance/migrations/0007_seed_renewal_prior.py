from django.db import migrations

# The documented prior (finance/renewals/prior.py), copied here so the migration stays
# reproducible if the documentation's numbers change later.
INTERCEPT = 1.5
TERMS = [
    {"feature": "health_score", "coefficient": 0.9, "mean": 70.0, "scale": 15.0},
    {"feature": "health_change_30d", "coefficient": 0.4, "mean": 0.0, "scale": 10.0},
    {"feature": "key_feature_adoption", "coefficient": 0.5, "mean": 0.5, "scale": 0.3},
    {"feature": "seat_utilisation", "coefficient": 0.4, "mean": 0.6, "scale": 0.25},
    {"feature": "payment_overdue_level", "coefficient": -0.5, "mean": 0.5, "scale": 1.0},
    {"feature": "open_escalations", "coefficient": -0.4, "mean": 0.2, "scale": 0.5},
    {"feature": "executive_sponsor", "coefficient": 0.3, "mean": 0.5, "scale": 0.5},
    {"feature": "days_to_end", "coefficient": 0.0, "mean": 90.0, "scale": 60.0},
    {"feature": "segment_enterprise", "coefficient": 0.2, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_mid_market", "coefficient": 0.0, "mean": 0.0, "scale": 1.0},
    {"feature": "segment_small_business", "coefficient": -0.2, "mean": 0.0, "scale": 1.0},
]


def seed_prior(apps, schema_editor):
    version = apps.get_model("finance", "RenewalModelVersion")
    if not version.objects.exists():
        version.objects.create(
            version=1,
            kind="prior",
            is_active=True,
            intercept=INTERCEPT,
            terms=TERMS,
            library="documented prior (finance/renewals/prior.py)",
            notes="Used until 200 renewals have resolved; edit the coefficients here.",
        )


class Migration(migrations.Migration):
    dependencies = [("finance", "0006_renewal_model")]

    operations = [migrations.RunPython(seed_prior, migrations.RunPython.noop)]
