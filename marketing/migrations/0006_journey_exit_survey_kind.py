from django.db import migrations

# The default "Exit survey" of the churned stage was transactional, so a customer won back
# (churned -> onboarding) still received it: leaving a stage cancels only its promotional and
# educational touchpoints (README "Marketing: journeys"). A survey carries no obligation:
# educational. A template edited in the admin (another kind or name) is left as it is.


def exit_survey_educational(apps, schema_editor):
    template_model = apps.get_model("marketing", "TouchpointTemplate")
    template_model.objects.filter(
        stage__stage="churned", name="Exit survey", kind="transactional"
    ).update(kind="educational")


def exit_survey_transactional(apps, schema_editor):
    template_model = apps.get_model("marketing", "TouchpointTemplate")
    template_model.objects.filter(
        stage__stage="churned", name="Exit survey", kind="educational"
    ).update(kind="transactional")


class Migration(migrations.Migration):
    dependencies = [("marketing", "0005_campaign_external_id_unique")]

    operations = [migrations.RunPython(exit_survey_educational, exit_survey_transactional)]
