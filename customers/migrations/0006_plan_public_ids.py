"""Public ids for success plans and milestones (the API never shows primary keys): added
without the unique index, each existing row given its own id, then made unique."""

from typing import Any

from django.db import migrations, models

import customers.models
from integrations.ids import new_public_id


def fill_ids(apps: Any, schema_editor: Any) -> None:
    for model_name, field, prefix in (
        ("SuccessPlan", "plan_id", "sp"),
        ("Milestone", "milestone_id", "ms"),
    ):
        model = apps.get_model("customers", model_name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            setattr(row, field, new_public_id(prefix))
        model.objects.bulk_update(rows, [field], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_ids_fullmatch")]

    operations = [
        migrations.AddField(
            model_name="successplan",
            name="plan_id",
            field=models.CharField(max_length=40, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="milestone",
            name="milestone_id",
            field=models.CharField(max_length=40, null=True, editable=False),
        ),
        migrations.RunPython(fill_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="successplan",
            name="plan_id",
            field=models.CharField(
                default=customers.models.new_plan_id,
                editable=False,
                help_text="sp_...",
                max_length=40,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="milestone_id",
            field=models.CharField(
                default=customers.models.new_milestone_id,
                editable=False,
                help_text="ms_...",
                max_length=40,
                unique=True,
            ),
        ),
    ]
