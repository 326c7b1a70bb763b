from datetime import date, timedelta
from decimal import Decimal

import factory

from finance.models import Contract, Invoice, annual_value_of
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
