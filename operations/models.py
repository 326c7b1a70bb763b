from django.db import models

from customers.models import Customer, TeamMember

from .choices import SurveyKind, TaskKind, TicketPriority, TicketStatus


class SupportTicket(models.Model):
    """A support desk ticket, as the support system reports it."""

    ticket_id = models.CharField(
        max_length=64, unique=True, help_text="The support system's own key, e.g. TCK-1042."
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tickets")
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the status is resolved or closed."
    )
    priority = models.CharField(
        max_length=10, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["customer", "opened_at"], name="ticket_customer_opened_idx"),
            models.Index(fields=["status", "priority"], name="ticket_status_priority_idx"),
        ]

    def __str__(self) -> str:
        return self.ticket_id


class SurveyResponse(models.Model):
    """One answer to an NPS (0-10) or CSAT (1-5) survey."""

    response_id = models.CharField(
        max_length=64, unique=True, help_text="The survey tool's own key for this answer."
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="survey_responses"
    )
    respondent_email = models.EmailField()
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField(help_text="NPS 0-10, CSAT 1-5.")
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-answered_at"]
        indexes = [
            models.Index(fields=["customer", "answered_at"], name="survey_customer_answered_idx"),
            models.Index(fields=["kind", "answered_at"], name="survey_kind_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} ({self.kind} {self.score})"


class Task(models.Model):
    """A CS activity: a check-in, meeting, call or email with the customer."""

    task_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=TaskKind.choices, default=TaskKind.OTHER)
    owner = models.ForeignKey(
        TeamMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        help_text="The CSM who owns the task.",
    )
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["customer", "completed_at"], name="task_customer_completed_idx"),
            models.Index(fields=["owner", "due_at"], name="task_owner_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.title}"
