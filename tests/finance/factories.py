from datetime import date, timedelta
from decimal import Decimal

import factory

from finance.models import (
    Contract,
    ExpansionOpportunity,
    Invoice,
    ValueRecord,
    annual_value_of,
    quarter_end,
)
from tests.customers.factories import CustomerFactory


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    contract_id = factory.Sequence(lambda n: f"ctr_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    start_date = date(2026, 1, 1)
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=364))
    value = Decimal("120000.00")
    term = "1_year"
    annual_value = factory.LazyAttribute(lambda o: annual_value_of(o.value, o.term))
    status = "active"


class InvoiceFactory(factory.django.DjangoModelFactory[Invoice]):
    class Meta:
        model = Invoice

    invoice_id = factory.Sequence(lambda n: f"inv_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    issued_on = date(2026, 1, 1)
    due_on = factory.LazyAttribute(lambda o: o.issued_on + timedelta(days=30))
    amount = Decimal("10000.00")
    paid_at = None


class OpportunityFactory(factory.django.DjangoModelFactory[ExpansionOpportunity]):
    class Meta:
        model = ExpansionOpportunity

    opportunity_id = factory.Sequence(lambda n: f"opp_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    type = "upsell"
    product = "feat_a"
    value = Decimal("10000.00")
    probability = 0.5
    expected_close = "q3_2026"
    expected_close_date = factory.LazyAttribute(lambda o: quarter_end(o.expected_close))
    status = "open"
    source = "cs"


class ValueRecordFactory(factory.django.DjangoModelFactory[ValueRecord]):
    class Meta:
        model = ValueRecord

    record_id = factory.Sequence(lambda n: f"val_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    date = date(2026, 1, 15)
    category = "cost_saving"
    amount = Decimal("1000.00")
    recorded_by = "csm@company.com"
