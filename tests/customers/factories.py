import factory

from customers.models import Customer, Stakeholder, TeamMember


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    email = factory.Sequence(lambda n: f"csm{n}@company.com")
    name = factory.Sequence(lambda n: f"CSM {n}")
    capacity = 50
    skills = factory.LazyFunction(lambda: ["onboarding"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_id = factory.Sequence(lambda n: f"cust_{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "mid_market"
    licensed_seats = 100


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"person{n}@client.example")
    name = "Pat Person"
    role = "CTO"
