"""The read APIs behind the single-customer read-outs run statements compiled once per thread
(integrations.prepared): each call must bind its own customers, days and catalogue, never the
first call's. Known rows, expected values worked out by hand, read in an order that would
expose a stale parameter; the same tests run on SQLite (built each time) and PostgreSQL
(compiled once). Plus the read-outs' statement counts over HTTP at two data sizes."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from customers import read as customers_read
from finance import read as finance_read
from finance.api import value_views
from integrations.clock import days_window
from marketing.api import health_views
from operations import read as operations_read
from product import read as product_read
from sales.api import expansion_views
from sales.models import ExpansionModel
from sales.services.expansion import active_expansion_model
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory
from tests.finance.factories import ValueRecordFactory
from tests.marketing.support import (
    adopt,
    alert,
    contract_ending,
    escalation,
    events,
    expansion,
    health_moved,
    nps,
)
from tests.product.factories import FeatureFactory
from tests.sales.support import AS_OF

pytestmark = pytest.mark.django_db


def test_usage_totals_rebind_customers_and_days() -> None:
    feature = FeatureFactory.create()
    a, b = CustomerFactory.create_batch(2)
    events(a, feature, last=30, prior=10)  # 5 and 40 days before AS_OF
    events(b, feature, last=7, prior=0)
    # 20 days later: A's "last" event is 25 days back (still in the last 30), its "prior" one
    # 60 days back (past the 30 before: days 30..59 back).
    later = AS_OF + timedelta(days=20)
    read = product_read.usage_totals
    assert read([a.pk], AS_OF)[a.pk] == product_read.UsageTotals(30, 10)
    assert read([b.pk], AS_OF)[b.pk] == product_read.UsageTotals(7, 0)
    assert read([a.pk], later)[a.pk] == product_read.UsageTotals(30, 0)
    # 40 days later: A's last event is 45 days back (prior window), its prior one 80 (out).
    assert read([a.pk, b.pk], AS_OF + timedelta(days=40)) == {
        a.pk: product_read.UsageTotals(0, 30),
        b.pk: product_read.UsageTotals(0, 7),
    }
    assert read([], AS_OF) == {}


def test_key_feature_adoption_sees_a_catalogue_change_at_once() -> None:
    first = FeatureFactory.create(is_key=True, adoption_threshold_days=4)
    c = CustomerFactory.create()
    adopt(c, first, 4)
    found = product_read.key_feature_adoption([c.pk], AS_OF)[c.pk]
    assert (found.adopted, found.key_features) == ((first.feature_id,), 1)
    second = FeatureFactory.create(is_key=True, adoption_threshold_days=2)
    adopt(c, second, 2)
    found = product_read.key_feature_adoption([c.pk], AS_OF)[c.pk]
    assert found.adopted == tuple(sorted((first.feature_id, second.feature_id)))
    assert found.key_features == 2
    # Raising a threshold above the 2 active days drops the second one.
    second.adoption_threshold_days = 3
    second.save()
    assert product_read.key_feature_adoption([c.pk], AS_OF)[c.pk].adopted == (first.feature_id,)
    both = product_read.adoption_and_seats([c.pk], AS_OF)[c.pk]
    assert both.adoption.adopted == (first.feature_id,)
    assert both.adoption.key_features == 2
    # Six days later the 4 active days (AS_OF-3..AS_OF) are still inside the 30.
    assert product_read.key_feature_adoption([c.pk], AS_OF + timedelta(days=6))[c.pk].adopted == (
        first.feature_id,
    )


def test_signal_reads_bind_each_customer() -> None:
    a, b = CustomerFactory.create_batch(2)
    nps(a, 10, 9, 3)  # 2 promoters, 1 detractor
    nps(b, 5)
    contract_ending(a, AS_OF + timedelta(days=10), "ctr_a")
    contract_ending(b, AS_OF + timedelta(days=50), "ctr_b")
    alert(a)
    escalation(b)
    escalation(b)
    window = days_window(AS_OF, 180)
    surveys = operations_read.survey_summaries([b.pk], window=window)
    assert (surveys[b.pk].nps_responses, surveys[b.pk].detractors) == (1, 1)
    surveys = operations_read.survey_summaries([a.pk], window=window)
    assert (surveys[a.pk].promoters, surveys[a.pk].detractors) == (2, 1)
    # A window that ends the day before the answers holds none.
    assert (
        operations_read.survey_summaries([a.pk], window=days_window(AS_OF - timedelta(1), 5)) == {}
    )
    ending = finance_read.contracts_ending([a.pk, b.pk], after=AS_OF, until=AS_OF + timedelta(30))
    assert {pk: [c.contract_id for c in items] for pk, items in ending.items()} == {a.pk: ["ctr_a"]}
    ending = finance_read.contracts_ending([b.pk], after=AS_OF, until=AS_OF + timedelta(60))
    assert [c.contract_id for c in ending[b.pk]] == ["ctr_b"]
    open_now = operations_read.open_interventions([a.pk, b.pk])
    assert (open_now[a.pk].alerts, open_now[a.pk].escalations) == (1, 0)
    assert (open_now[b.pk].alerts, open_now[b.pk].escalations) == (0, 2)
    assert set(operations_read.open_intervention_refs([b.pk])) == {b.pk}
    assert operations_read.open_intervention_refs([a.pk]) == {}


def test_health_changes_bind_the_day() -> None:
    c = CustomerFactory.create()
    health_moved(c, 80, 60, "at_risk")  # 80 thirty days before AS_OF, 60 on AS_OF
    now = customers_read.health_changes([c.pk])[c.pk]
    assert (now.latest.score, now.change_30d) == (60, -20)
    # As of the day before AS_OF the latest is the 80 (nothing ~30 days before it).
    before = customers_read.health_changes([c.pk], as_of_until=AS_OF - timedelta(1))[c.pk]
    assert (before.latest.score, before.change_30d) == (80, None)
    until = customers_read.latest_health_scores([c.pk], as_of_until=AS_OF - timedelta(1))
    assert until[c.pk].score == 80
    assert customers_read.latest_health_scores([c.pk], as_of_until=AS_OF)[c.pk].score == 60


def test_value_reads_bind_customers_and_days() -> None:
    a, b = CustomerFactory.create_batch(2)
    ValueRecordFactory.create(customer=a, date=AS_OF - timedelta(10), amount=Decimal("100.00"))
    ValueRecordFactory.create(customer=a, date=AS_OF, amount=Decimal("50.00"))
    ValueRecordFactory.create(customer=b, date=AS_OF, amount=Decimal("7.00"))
    assert finance_read.realized_value([a.pk], AS_OF)[a.pk].total == Decimal("150.00")
    assert finance_read.realized_value([a.pk], AS_OF - timedelta(1))[a.pk].total == Decimal(
        "100.00"
    )
    assert finance_read.realized_value([b.pk], AS_OF)[b.pk].total == Decimal("7.00")
    assert finance_read.realized_value([b.pk], AS_OF - timedelta(1)) == {}


def test_an_activated_expansion_model_is_read_at_once() -> None:
    first = active_expansion_model()
    assert first.active
    second = ExpansionModel.objects.create(version=first.version + 1, active=False)
    assert active_expansion_model().pk == first.pk
    ExpansionModel.objects.filter(pk=first.pk).update(active=False)
    ExpansionModel.objects.filter(pk=second.pk).update(active=True)
    assert active_expansion_model().pk == second.pk


# --- the read-outs' statements over HTTP, at two data sizes ---------------------------------


def _readout_data(size: int) -> Any:
    """A customer with `size` key features adopted, contracts, value records, NPS answers,
    alerts and health history; other customers' expansion snapshots."""
    key = FeatureFactory.create_batch(size, is_key=True)
    c = CustomerFactory.create(customer_id=f"cust_{size}")
    health_moved(c, 80, 60, "at_risk")
    for i, feature in enumerate(key):
        adopt(c, feature, 4)
        contract_ending(c, AS_OF + timedelta(days=10 + i), f"ctr_{size}_{i}")
        ValueRecordFactory.create(customer=c, date=AS_OF - timedelta(days=i))
        expansion(CustomerFactory.create(), 80, True)
        nps(c, 9)
        alert(c)
    return c


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        # Key 1 + customer 1 + health detail 2 + signals 7 (lifecycle 1, the key features
        # and the 60 days' usage 2, the contracts 1, the expansion snapshot with the handoff
        # 1, NPS 1, interventions 1; the segment is the customer row's).
        ("/api/v1/cs-marketing/health/{}", 11),
        # Key 1 + customer 1 + stage 1 + history 1 + open refs 2 + health 2 + touchpoints 2.
        ("/api/v1/cs-marketing/journey/{}/status", 10),
        # Key 1 + customer 1 + model 1 + signals 8 (the open pipeline with the customer-
        # sourced count, premium adoption in the usage pass, the customer row's seats) +
        # contract and value totals 1 + NPS 1 + peers 2 (no nightly shares; no healthy
        # peer, so no peer adoption read).
        ("/api/v1/cs-sales/expansion/{}", 15),
        # Key 1 + customer 1 + value 6 + renewal model 1 + scoring 7 (next contracts 1,
        # features 6: the segment and the payment status are the read-out's).
        ("/api/v1/cs-finance/value/{}", 16),
    ],
)
def test_readout_statements_do_not_grow_with_the_data(
    path: str,
    bound: int,
    make_client: MakeClient,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Read as of the data's day: the contracts are due, so the value read-out scores renewal.
    for views in (health_views, expansion_views, value_views):
        monkeypatch.setattr(views, "today", lambda: AS_OF)
    client = make_client()
    for size in (1, 8):
        customer = _readout_data(size)
        url = path.format(customer.customer_id)
        assert client.get(url).status_code == 200  # warm the key's cache
        with django_assert_num_queries(bound):  # exact: the same at both sizes
            assert client.get(url).status_code == 200
