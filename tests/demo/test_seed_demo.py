from typing import Any

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer, LifecycleChange, Milestone, Stakeholder, TeamMember


def _snapshot() -> list[tuple]:
    return list(
        Customer.objects.order_by("customer_id").values_list(
            "customer_id",
            "name",
            "segment",
            "licensed_seats",
            "status",
            "lifecycle_stage",
            "success_manager__email",
        )
    )


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_sized() -> None:
    call_command("seed_demo", "--customers", "120", "--no-progress")
    first = _snapshot()
    assert len(first) == 120
    assert TeamMember.objects.count() == 5
    segments = {row[2] for row in first}
    assert segments == {"enterprise", "mid_market", "small_business"}
    churned = Customer.objects.filter(status="churned")
    assert churned.exists()
    assert all(c.churned_at and c.lifecycle_stage == "churned" for c in churned)
    assert Stakeholder.objects.filter(is_champion=True).count() == 120
    assert Milestone.objects.filter(status="achieved").exists()
    # one import row each; the demo journeys' moves are the system's (demo.marketing_journeys)
    assert LifecycleChange.objects.filter(source="import").count() == 120
    assert set(LifecycleChange.objects.values_list("source", flat=True)) == {"import", "system"}

    call_command("seed_demo", "--customers", "120", "--reset", "--no-progress")
    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_demo_refuses_to_duplicate_and_skips_when_asked() -> None:
    call_command("seed_demo", "--customers", "10", "--no-progress")
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", "--customers", "10", "--no-progress")
    call_command("seed_demo", "--customers", "50", "--if-empty", "--no-progress")
    assert Customer.objects.count() == 10
    with pytest.raises(CommandError):
        call_command("seed_demo", "--customers", "0", "--reset")


@pytest.mark.django_db
def test_admin_pages_render(admin_client: Any) -> None:
    call_command("seed_demo", "--customers", "20", "--no-progress")
    customer = Customer.objects.first()
    assert customer is not None
    for url in [
        "/admin/customers/customer/",
        f"/admin/customers/customer/{customer.pk}/change/",
        "/admin/customers/customer/?q=cust_1000",
        "/admin/customers/teammember/",
        "/admin/customers/successplan/",
        "/admin/customers/milestone/",
        "/admin/customers/stakeholder/",
        "/admin/customers/lifecyclechange/",
        "/admin/integrations/apikey/",
        "/admin/integrations/event/",
        "/admin/integrations/idempotencyrecord/",
    ]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_every_admin_screen_renders_over_demo_data(admin_client: Any) -> None:
    from django.contrib import admin
    from django.urls import reverse

    call_command("seed_demo", "--customers", "30", "--no-progress")
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, changelist
        assert admin_client.get(changelist, {"q": "a"}).status_code == 200, changelist
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            assert admin_client.get(change).status_code == 200, change
