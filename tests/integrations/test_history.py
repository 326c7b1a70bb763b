"""History (README "History"): every change through the API or the admin leaves a historical
row naming who made it and what changed; bulk writes record it set-based; only superusers
revert, through the same save (and service) as a manual edit; secrets stay out."""

from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.health.services import health_model_activate
from customers.models import Customer, HealthModel, Stakeholder
from finance.models import Contract
from integrations.models import ApiKey
from operations.models import AutomationRule, Playbook
from tests.admin_forms import admin_form_data, change_url
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ContractFactory
from tests.webhooks.factories import endpoint_for
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_rotate_secret, endpoint_update

pytestmark = pytest.mark.django_db


def key_label(client: Any) -> str:
    key = ApiKey.objects.get_from_key(client.raw_key)
    return f"{key.name} ({key.prefix})"


def history_url(obj: Any, version: Any = None) -> str:
    meta = obj._meta
    if version is None:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


def latest(obj: Any) -> Any:
    return obj.history.order_by("-history_id").first()


def test_api_patch_leaves_a_row_naming_the_key_and_the_change(
    make_client: MakeClient, staff: Client
) -> None:
    customer = CustomerFactory(customer_id="cust_h", name="Acme", licensed_seats=10)
    client = make_client("customers:write")
    response = client.patch(
        "/api/v1/customers/cust_h", {"name": "Acme Corp", "licensed_seats": 25}, format="json"
    )
    assert response.status_code == 200, response.json()
    rows = list(customer.history.order_by("history_id"))
    assert [r.history_type for r in rows] == ["+", "~"]
    change = rows[1]
    assert change.history_user is None
    assert change.history_api_client == key_label(client)
    assert change.history_api_client.startswith("test (")
    delta = change.diff_against(rows[0])
    assert sorted((c.field, c.old, c.new) for c in delta.changes) == [
        ("licensed_seats", 10, 25),
        ("name", "Acme", "Acme Corp"),
    ]
    page = staff.get(history_url(customer)).content.decode()
    assert f"API key {key_label(client)}" in page


def test_admin_change_names_the_user_and_the_page_shows_the_diff(
    staff: Client, admin_user: Any
) -> None:
    customer = CustomerFactory(name="Before")
    data = admin_form_data(staff, change_url(customer))
    data["name"] = "After"
    response = staff.post(change_url(customer), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = latest(customer)
    assert change.history_type == "~"
    assert change.history_user == admin_user
    assert change.history_api_client == ""
    assert [c.field for c in change.diff_against(change.prev_record).changes] == ["name"]

    page = staff.get(history_url(customer))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Before" in text
    assert "After" in text
    assert admin_user.username in text


def bulk_counts(client: Any, prefix: str, size: int) -> tuple[int, int, int]:
    """Queries of a bulk create and of a bulk update of `size` customers, and the history
    INSERTs among the first."""
    url = "/api/v1/customers/bulk"
    batch = [
        {"customer_id": f"{prefix}_{i}", "name": f"C {i}", "segment": "enterprise"}
        for i in range(size)
    ]
    with CaptureQueriesContext(connection) as created:
        assert client.post(url, batch, format="json").status_code == 200
    changed = [{**item, "licensed_seats": 7} for item in batch]
    with CaptureQueriesContext(connection) as updated:
        response = client.post(url, changed, format="json")
    assert response.json() == {"created": 0, "updated": size, "unchanged": 0}
    history = [q for q in created.captured_queries if "historicalcustomer" in q["sql"].lower()]
    return len(created), len(updated), len(history)


def test_bulk_upsert_writes_one_history_row_per_customer_in_bounded_queries(
    make_client: MakeClient,
) -> None:
    client = make_client("customers:write")
    small = bulk_counts(client, "s", 3)
    large = bulk_counts(client, "l", 30)
    assert small == large  # the same statements for 3 and for 30 customers
    assert small[2] == 1  # one INSERT of their history rows
    history = Customer.history.model.objects
    assert history.filter(history_type="+").count() == 33
    assert history.filter(history_type="~", licensed_seats=7).count() == 33
    assert set(history.values_list("history_api_client", flat=True)) == {key_label(client)}


def test_contract_ingest_and_stakeholder_writes_record_history(make_client: MakeClient) -> None:
    CustomerFactory(customer_id="cust_a")
    client = make_client("finance:write")
    item = {
        "contract_id": "ctr_1",
        "customer_id": "cust_a",
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "value": 120000,
        "term": "1_year",
        "status": "active",
    }
    assert client.post("/api/v1/cs-finance/contracts", [item], format="json").status_code == 200
    (row,) = Contract.history.all()
    assert (row.history_type, row.contract_id, row.history_api_client) == (
        "+",
        "ctr_1",
        key_label(client),
    )
    assert row.annual_value == 120000


def test_activating_a_health_model_records_both_flags() -> None:
    first = HealthModel.objects.get(active=True)
    second = HealthModel.objects.create(version=first.version + 1, name="new")
    health_model_activate(model=second)
    assert latest(first).active is False
    assert latest(first).history_type == "~"
    assert latest(second).active is True
    assert latest(second).history_type == "~"


def staff_member(perms: list[str]) -> Client:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("csm", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    client = Client()
    client.force_login(user)
    return client


def test_staff_see_history_but_may_not_revert(make_client: MakeClient) -> None:
    customer = CustomerFactory(customer_id="cust_r", name="Original")
    make_client().patch("/api/v1/customers/cust_r", {"name": "Changed"}, format="json")
    first = customer.history.order_by("history_id").first()
    member = staff_member(["view_customer", "change_customer"])
    assert member.get(history_url(customer)).status_code == 200
    version = member.get(history_url(customer, first))
    assert version.status_code == 200
    assert 'value="Revert"' not in version.content.decode()
    assert member.post(history_url(customer, first), {}).status_code == 403
    customer.refresh_from_db()
    assert customer.name == "Changed"
    assert customer.history.count() == 2


def test_superuser_reverts_through_the_service(staff: Client, make_client: MakeClient) -> None:
    customer = CustomerFactory(customer_id="cust_s", name="Original", licensed_seats=5)
    make_client().patch(
        "/api/v1/customers/cust_s", {"name": "Changed", "licensed_seats": 9}, format="json"
    )
    first = customer.history.order_by("history_id").first()
    assert 'value="Revert"' in staff.get(history_url(customer, first)).content.decode()
    response = staff.post(history_url(customer, first), {})
    assert response.status_code == 302
    assert response["Location"] == change_url(customer)
    customer.refresh_from_db()
    assert (customer.name, customer.licensed_seats) == ("Original", 5)
    revert = latest(customer)
    assert revert.history_change_reason.startswith("reverted to the version of ")
    assert revert.history_user is not None
    assert revert.history_user.is_superuser


def test_a_revert_against_the_lifecycle_rules_is_refused(staff: Client) -> None:
    customer = CustomerFactory(lifecycle_stage="onboarding")
    data = admin_form_data(staff, change_url(customer))
    data["lifecycle_stage"] = "adoption"
    assert staff.post(change_url(customer), data).status_code == 302
    onboarding = customer.history.order_by("history_id").first()
    response = staff.post(history_url(customer, onboarding), {}, follow=True)
    assert "Not reverted" in response.content.decode()
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "adoption"  # adoption -> onboarding is not allowed


def test_bad_history_urls_are_404_and_anonymous_is_sent_to_login(staff: Client) -> None:
    customer = CustomerFactory()
    base = f"/admin/customers/customer/{customer.pk}/history"
    for url in (
        f"{base}/abc/",
        f"{base}/99999999/",
        f"{base}/{10**20}/",
        "/admin/customers/customer/abc/history/",
        "/admin/customers/customer/abc/history/1/",
        f"/admin/customers/customer/{10**20}/history/",
    ):
        assert staff.get(url).status_code == 404, url
        assert staff.post(url, {}).status_code == 404, url
    assert Client().post(f"{base}/1/", {}).status_code == 302


def test_secrets_never_reach_a_history_table(make_client: MakeClient) -> None:
    client = make_client("webhooks:write")
    hook = endpoint_for(client)
    endpoint_rotate_secret(endpoint=hook)
    endpoint_update(endpoint=hook, data={"description": "x"})
    hook = WebhookEndpoint.objects.get(pk=hook.pk)
    key = ApiKey.objects.get_from_key(client.raw_key)
    secrets = [hook.secret, hook.previous_secret, client.raw_key, client.raw_key.split(".")[1]]
    assert all(secrets)
    assert WebhookEndpoint.history.count() == 3  # created, rotated, described
    owner: Any = CustomerFactory()
    stakeholder = Stakeholder.objects.create(customer=owner, email="a@b.example")
    assert stakeholder.history.count() == 1
    historical = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert len(historical) == 9
    for model in historical:
        names = {f.name for f in model._meta.fields}
        assert not names & {"secret", "previous_secret", "hashed_key"}, model
        for row in model.objects.values_list(*names):
            text = repr(row)
            assert not any(secret in text for secret in secrets), model
    # The key's hash stays out too, but for the primary key django-rest-framework-api-key
    # builds from it ("<prefix>.<hash>"), which history must copy to name the key.
    keys = ApiKey.history.model.objects
    assert keys.filter(id=key.pk).exists()
    others = [n for n in {f.name for f in keys.model._meta.fields} if n != "id"]
    assert not any(key.hashed_key in repr(row) for row in keys.values_list(*others))


@pytest.mark.parametrize("versions", [3, 30])
def test_history_page_queries_do_not_grow_with_versions(
    staff: Client, versions: int, django_assert_max_num_queries: Any
) -> None:
    customer: Any = CustomerFactory()
    for n in range(versions):
        customer.name = f"Name {n}"
        customer.save()
    with django_assert_max_num_queries(12):
        assert staff.get(history_url(customer)).status_code == 200
    contract: Any = ContractFactory(customer=CustomerFactory())
    for n in range(versions):
        contract.value = Decimal(1000 + n)
        contract.save()
    with django_assert_max_num_queries(12):
        assert staff.get(history_url(contract)).status_code == 200


def test_every_tracked_admin_shows_history_and_versions(
    staff: Client, make_client: MakeClient
) -> None:
    client = make_client()
    customer: Any = CustomerFactory()
    records = [
        customer,
        Stakeholder.objects.create(customer=customer, email="s@x.example"),
        customer.success_plans.create(title="Plan"),
        HealthModel.objects.get(active=True),
        ContractFactory(customer=customer),
        Playbook.objects.create(workflow_type="wf_h", name="Playbook"),
        AutomationRule.objects.create(
            name="Rule", event_type="customer.created", workflow_type="wf_h"
        ),
        ApiKey.objects.get_from_key(client.raw_key),
        endpoint_for(client),
    ]
    for record in records:
        version = latest(record)
        if version is None:  # made by a data migration, before history existed
            record.save()
            version = latest(record)
        assert staff.get(history_url(record)).status_code == 200, record
        page = staff.get(history_url(record, version))
        assert page.status_code == 200, record
        revertable = not isinstance(record, WebhookEndpoint)
        assert ('value="Revert"' in page.content.decode()) is revertable, record


def test_the_demo_reset_deletes_without_history_and_forgets_it() -> None:
    from integrations import history

    kept: Any = CustomerFactory()
    gone: Any = CustomerFactory()
    with history.paused():
        gone.delete()
    assert not Customer.history.filter(history_type="-").exists()
    kept.delete()
    assert Customer.history.filter(history_type="-").count() == 1
    history.forget(Customer)
    assert Customer.history.count() == 0


def changed_then_reverted(staff: Client, record: Any, **changes: Any) -> Any:
    """Change `record` (a plain save: one history row), revert it to its first version in
    the admin, and return it as stored."""
    first = latest(record)
    if first is None:  # made by a data migration, before history existed
        record.save()
        first = latest(record)
    for field, value in changes.items():
        setattr(record, field, value)
    record.save()
    response = staff.post(history_url(record, first), {}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Reverted ") for m in messages), messages
    return type(record).objects.get(pk=record.pk)


def test_superuser_reverts_every_kind_of_field(staff: Client, make_client: MakeClient) -> None:
    from datetime import UTC, datetime

    from customers.models import TeamMember

    csm = TeamMember.objects.create(email="csm@x.example", name="CSM")
    customer: Any = CustomerFactory(success_manager=csm)
    assert changed_then_reverted(staff, customer, success_manager=None).success_manager == csm

    contract: Any = ContractFactory(customer=customer, value=Decimal(120000))
    assert changed_then_reverted(staff, contract, value=Decimal(90000)).value == 120000

    model = HealthModel.objects.get(active=True)
    weights = dict(model.weights)
    assert changed_then_reverted(staff, model, weights={"support": 1.0}).weights == weights

    rule = AutomationRule.objects.create(
        name="Rule",
        event_type="customer.created",
        workflow_type="wf",
        conditions={"grade": "critical"},
        automation_steps=["send_immediate_alert"],
    )
    assert changed_then_reverted(staff, rule, conditions={}).conditions == {"grade": "critical"}

    key = ApiKey.objects.get_from_key(make_client("customers:read").raw_key)
    expiry = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    key.expiry_date = expiry
    key.save()
    restored = changed_then_reverted(staff, key, scopes=["finance:read"], expiry_date=None)
    assert (restored.scopes, restored.expiry_date) == (["customers:read"], expiry)
