from datetime import UTC, datetime

import factory

from operations.models import SupportTicket, SurveyResponse, Task
from tests.customers.factories import CustomerFactory

WHEN = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class SupportTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportTicket

    ticket_id = factory.Sequence(lambda n: f"TCK-{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    opened_at = WHEN
    priority = "normal"
    status = "open"


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    response_id = factory.Sequence(lambda n: f"resp_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    respondent_email = factory.Sequence(lambda n: f"person{n}@client.example")
    kind = "nps"
    score = 9
    answered_at = WHEN


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    task_id = factory.Sequence(lambda n: f"task_{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    kind = "check_in"
    title = "Check-in"
