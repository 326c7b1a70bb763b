from django.db import models


class TicketPriority(models.TextChoices):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(models.TextChoices):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


# A ticket in one of these is still waiting on the support team (and has no resolved_at);
# one in the others is done (and must have resolved_at).
OPEN_TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING)
DONE_TICKET_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS (0-10)"
    CSAT = "csat", "CSAT (1-5)"


# The score range each survey kind allows, inclusive.
SURVEY_SCORE_RANGE = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}


class TaskKind(models.TextChoices):
    CHECK_IN = "check_in"
    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    OTHER = "other"
