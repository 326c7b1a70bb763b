"""Deleting one stakeholder at once from several clients: exactly one 204, the others 404."""

from functools import partial

import pytest

from customers import services
from customers.errors import StakeholderNotFound
from customers.models import Stakeholder
from tests.conftest import MakeClient
from tests.customers.factories import CustomerFactory, StakeholderFactory

from .test_concurrent_writes import ROUNDS, race, statuses


@pytest.mark.django_db
def test_deleting_a_row_someone_else_deleted_is_not_found() -> None:
    person = StakeholderFactory.create()
    stale = Stakeholder.objects.get(pk=person.pk)  # what a second request had loaded
    services.stakeholder_delete(stakeholder=person)
    with pytest.raises(StakeholderNotFound):
        services.stakeholder_delete(stakeholder=stale)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deletes_of_one_stakeholder_answer_one_204(make_client: MakeClient) -> None:
    clients = [make_client() for _ in range(4)]
    customer = CustomerFactory.create(customer_id="c1")
    for n in range(ROUNDS):
        StakeholderFactory.create(customer=customer, email=f"p{n}@client.example")
        url = f"/api/v1/customers/c1/stakeholders/p{n}@client.example"
        responses = race(*(partial(c.delete, url) for c in clients))
        assert statuses(responses) == [204, 404, 404, 404], n
        assert not Stakeholder.objects.filter(email=f"p{n}@client.example").exists()
