from django.db import migrations

# The default journey (README "Marketing: journeys"): each lifecycle stage's description,
# recommended actions and touchpoint templates (name, channel, kind, delay in hours). Edited
# in the admin afterwards; copied here so the migration stays reproducible.
STAGES = {
    "onboarding": (
        "Getting the customer live: kick-off, setup and the first value.",
        [
            "Hold the kick-off call and confirm the success criteria",
            "Complete the technical setup and integrations",
            "Train the first users on the key features",
        ],
        [
            ("Welcome to onboarding", "email", "transactional", 0),
            ("Getting started guide", "email", "educational", 24),
            ("Setup webinar invitation", "webinar", "educational", 72),
        ],
    ),
    "adoption": (
        "Broadening use across teams and the key features.",
        [
            "Review key-feature adoption against the success plan",
            "Run role-based training for the teams not yet active",
        ],
        [
            ("Key feature tips", "in_app", "educational", 0),
            ("Best-practice webinar", "webinar", "educational", 168),
            ("Power-user programme invitation", "email", "promotional", 336),
        ],
    ),
    "value_realization": (
        "Proving the outcomes the customer bought for.",
        [
            "Record realised value against the ROI target",
            "Prepare a value review with the executive sponsor",
        ],
        [
            ("Value review invitation", "email", "transactional", 24),
            ("Advanced features showcase", "email", "promotional", 168),
        ],
    ),
    "expansion": (
        "Growing the account: seats, add-ons and new teams.",
        [
            "Review seat utilisation and the open opportunities",
            "Introduce the premium features healthy peers use",
        ],
        [
            ("Premium features overview", "email", "promotional", 0),
            ("Expansion planning call", "call", "transactional", 72),
        ],
    ),
    "renewal": (
        "Securing the renewal ahead of the contract's end.",
        [
            "Confirm the renewal intent with the sponsor",
            "Share the value summary before the renewal call",
        ],
        [
            ("Renewal reminder", "email", "transactional", 0),
            ("Value summary before renewal", "email", "educational", 72),
            ("Multi-year renewal offer", "email", "promotional", 168),
        ],
    ),
    "advocacy": (
        "Turning a successful customer into a reference.",
        [
            "Ask for a case study or a reference call",
            "Invite the sponsor to the customer advisory board",
        ],
        [
            ("Referral programme invitation", "email", "promotional", 24),
            ("Case study invitation", "email", "promotional", 168),
        ],
    ),
    "at_risk": (
        "Health or engagement is falling: intervene before the renewal.",
        [
            "Run a risk review with the account team",
            "Agree a recovery plan with the customer",
        ],
        [
            ("CSM check-in call", "call", "transactional", 0),
            ("Support resources", "email", "educational", 24),
        ],
    ),
    "churned": (
        "The customer left: learn why and keep the door open.",
        ["Hold an exit interview", "Record the churn reasons"],
        [("Exit survey", "email", "transactional", 24)],
    ),
}


def seed_defaults(apps, schema_editor):
    stage_model = apps.get_model("marketing", "JourneyStage")
    template_model = apps.get_model("marketing", "TouchpointTemplate")
    for stage, (description, actions, templates) in STAGES.items():
        row, created = stage_model.objects.get_or_create(
            stage=stage, defaults={"description": description, "recommended_actions": actions}
        )
        if not created:
            continue  # edited in the admin: left as it is
        template_model.objects.bulk_create(
            template_model(stage=row, name=name, channel=channel, kind=kind, delay_hours=delay)
            for name, channel, kind, delay in templates
        )


class Migration(migrations.Migration):
    dependencies = [("marketing", "0002_campaigns_seed_priors")]

    operations = [migrations.RunPython(seed_defaults, migrations.RunPython.noop)]
