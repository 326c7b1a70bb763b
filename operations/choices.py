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


class RunStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class StepStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"  # set only inside the step's own transaction: never seen committed
    DONE = "done"
    FAILED = "failed"


class RunTrigger(models.TextChoices):
    API = "api"
    RULE = "rule"
    ADMIN = "admin"


class ConditionsMatch(models.TextChoices):
    ALL = "all"
    ANY = "any"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertStatus(models.TextChoices):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class EscalationStatus(models.TextChoices):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


OPEN_ESCALATION_STATUSES = (EscalationStatus.OPEN, EscalationStatus.IN_PROGRESS)
