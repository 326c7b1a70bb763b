"""`webhook.*` events published before events could be private: make them private to the
owner of the endpoint they are about (README "Webhooks"; the event feed hides them from other
clients). One about a deleted endpoint stays private with no owner: staff only."""

from django.db import migrations


def backfill(apps, schema_editor):
    Event = apps.get_model("integrations", "Event")
    WebhookEndpoint = apps.get_model("webhooks", "WebhookEndpoint")
    owners = dict(WebhookEndpoint.objects.values_list("endpoint_id", "owner_id"))
    about = Event.objects.filter(type__startswith="webhook.", private=False)
    for pk, data in about.values_list("pk", "data").iterator(chunk_size=2000):
        owner = owners.get((data or {}).get("endpoint_id"))
        Event.objects.filter(pk=pk).update(private=True, owner_client_id=owner)


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("integrations", "0003_event_private_owner_client"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
