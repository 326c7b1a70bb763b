"""Record titles (`__str__`) name business keys, never database ids (issue 15).

Every model of the domain apps is built in memory (no query) with distinctive primary keys
on itself and on every row it points to; its title must not show any of them, and must not be
Django's default "<Model> object (<pk>)".
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from customers.models import Customer, HealthScore
from tests.customers.factories import CustomerFactory

DOMAIN_APPS = (
    "integrations",
    "customers",
    "product",
    "operations",
    "finance",
    "sales",
    "marketing",
    "webhooks",
)
FIRST_PK = 7_345_001  # distinctive: no other value a title shows looks like it


def _value(field: models.Field) -> Any:
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.JSONField):
        return []
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DateTimeField):
        return datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    if isinstance(field, models.DateField):
        return date(2026, 12, 1)
    if isinstance(field, models.DecimalField):
        return Decimal("12.50")
    if isinstance(field, models.FloatField):
        return 0.5
    if isinstance(field, models.IntegerField):
        return 3
    if isinstance(field, models.CharField | models.TextField):
        return f"{field.name}-key"
    return None


def build(model: type[models.Model], pks: list[int], depth: int = 0) -> models.Model:
    """An unsaved instance with every field filled, its pk and its relations' pks taken from
    FIRST_PK upwards (recorded in `pks`), related rows attached in memory."""
    obj = model()
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField):
            pks.append(FIRST_PK + len(pks))
            setattr(obj, field.attname, pks[-1])
        elif field.is_relation and isinstance(field.related_model, type):
            if depth < 3:
                related = build(field.related_model, pks, depth + 1)
                setattr(obj, field.name, related)
        else:
            value = _value(field)
            if value is not None:
                setattr(obj, field.attname, value)
    return obj


DOMAIN_MODELS = [m for app in DOMAIN_APPS for m in apps.get_app_config(app).get_models()]


@pytest.mark.parametrize("model", DOMAIN_MODELS, ids=lambda m: m._meta.label)
def test_a_title_shows_no_database_id(model: type[models.Model]) -> None:
    assert model.__str__ is not models.Model.__str__, "define __str__ with a business key"
    pks: list[int] = []
    title = str(build(model, pks))
    shown = [pk for pk in pks if str(pk) in title]
    assert not shown, f"{model._meta.label} title {title!r} shows database ids {shown}"
    assert not re.search(r"object \(\d+\)", title)


@pytest.mark.django_db
def test_a_health_snapshot_is_titled_by_customer_score_grade_and_day() -> None:
    customer = CustomerFactory(name="Acme Corp")
    snapshot = HealthScore.objects.create(
        customer_id=customer.pk,
        computed_at=datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
        as_of=date(2026, 12, 1),
        score=72,
        grade="at_risk",
        model_version=1,
    )
    assert str(HealthScore.objects.get(pk=snapshot.pk)) == "Acme Corp — 72 (at risk) on 2026-12-01"
    assert str(Customer.objects.get(pk=customer.pk)) == f"Acme Corp ({customer.customer_id})"
