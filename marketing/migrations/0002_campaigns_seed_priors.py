"""The documented priors per campaign type (README "Marketing: campaigns"): the expected
impact before any campaign of a type has finished. Starting assumptions, editable in the admin;
measured lifts replace them once campaigns of the type are finalized."""

from decimal import Decimal
from typing import Any

from django.db import migrations

NOTE = (
    "Starting assumption (README, Marketing: campaigns), not a measurement: new campaigns of "
    "this type use the measured lifts of finished ones as soon as there are any."
)
# campaign type: (retention improvement low, high in percentage points, engagement lift %)
PRIORS = {
    "retention": ("15.0", "20.0", "25.0"),
    "adoption": ("5.0", "10.0", "30.0"),
    "onboarding": ("5.0", "10.0", "20.0"),
    "renewal": ("10.0", "15.0", "10.0"),
    "expansion": ("2.0", "5.0", "15.0"),
    "advocacy": ("1.0", "3.0", "10.0"),
}


def seed_priors(apps: Any, schema_editor: Any) -> None:
    prior = apps.get_model("marketing", "CampaignTypePrior")
    for campaign_type, (low, high, engagement) in PRIORS.items():
        prior.objects.get_or_create(
            campaign_type=campaign_type,
            defaults={
                "retention_improvement_low": Decimal(low),
                "retention_improvement_high": Decimal(high),
                "engagement_lift": Decimal(engagement),
                "note": NOTE,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_initial")]

    operations = [migrations.RunPython(seed_priors, migrations.RunPython.noop)]
