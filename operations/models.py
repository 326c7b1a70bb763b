from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from customers.choices import Segment
from customers.models import Customer, TeamMember
from integrations.history import history_records

from .choices import (
    AlertStatus,
    ConditionsMatch,
    EscalationStatus,
    RunStatus,
    RunTrigger,
    Severity,
    StepStatus,
    SurveyKind,
    TaskKind,
    TicketPriority,
    TicketStatus,
)


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
            # The dashboard's overdue tasks (not completed, due before now, most overdue
            # first): a range of this small index instead of a scan of every task ever made.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(completed_at__isnull=True),
                name="task_open_due_idx",
            ),
            # The admin's task list: newest first, a page at a time (a top-N sort of every
            # task otherwise, 70 ms at 150,000 tasks), and its due-date drill-down's range.
            models.Index(fields=["created_at", "id"], name="task_created_idx"),
            models.Index(fields=["due_at"], name="task_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.title}"


class Playbook(models.Model):
    """The admin-defined plan a workflow deploys: task templates with due offsets."""

    workflow_type = models.CharField(
        max_length=64, unique=True, help_text="The workflow type that deploys this playbook."
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["workflow_type"]

    def __str__(self) -> str:
        return f"{self.name} ({self.workflow_type})"


class PlaybookTask(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=TaskKind.choices, default=TaskKind.OTHER)
    title = models.CharField(max_length=200)
    due_in_business_days = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["playbook", "position", "id"]

    def __str__(self) -> str:
        return self.title


class AutomationRule(models.Model):
    """Start a workflow when an event arrives whose data matches `conditions`."""

    name = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100, db_index=True)
    conditions = models.JSONField(
        default=dict,
        blank=True,
        help_text='Event data that must match, e.g. {"grade": "critical"}; a list value '
        'matches any of its items, e.g. {"grade": ["critical", "at_risk"]}.',
    )
    workflow_type = models.CharField(max_length=64)
    automation_steps = models.JSONField(default=list, help_text="Step names, in order.")
    cooldown_hours = models.PositiveIntegerField(
        default=72,
        validators=[MaxValueValidator(24 * 366)],
        help_text="No second run of this rule for the same customer within this (at most a year).",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = history_records()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkflowRun(models.Model):
    run_id = models.CharField(max_length=40, unique=True, editable=False)
    customer = models.ForeignKey(  # indexed by wfrun_customer_idx
        Customer, on_delete=models.CASCADE, related_name="workflow_runs", db_index=False
    )
    workflow_type = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.API)
    rule = models.ForeignKey(  # indexed by wfrun_rule_idx
        AutomationRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        db_index=False,
    )
    trigger_conditions = models.JSONField(default=dict, help_text="The thresholds as given.")
    conditions_match = models.CharField(
        max_length=3, choices=ConditionsMatch.choices, default=ConditionsMatch.ALL
    )
    evaluation = models.JSONField(
        default=dict, help_text="Each condition's threshold, measured value and verdict."
    )
    forced = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="wfrun_status_idx"),
            models.Index(fields=["customer", "created_at"], name="wfrun_customer_idx"),
            models.Index(fields=["rule", "customer", "created_at"], name="wfrun_rule_idx"),
            models.Index(fields=["created_at"], name="wfrun_created_idx"),
        ]

    def __str__(self) -> str:
        return self.run_id


class WorkflowStepRun(models.Model):
    run = models.ForeignKey(  # indexed by wfstep_position_uniq
        WorkflowRun, on_delete=models.CASCADE, related_name="steps", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    step = models.CharField(max_length=64)
    key = models.CharField(
        max_length=120, unique=True, help_text="{run_id}:{step}: the effect happens once."
    )
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep may (re-)enqueue this pending step."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="wfstep_position_uniq")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="wfstep_due_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class Incident(models.Model):
    """What alerts and escalations share: the customer, a severity, the key of the workflow
    step that raised it (so a retried step finds it), and when it opened and was resolved
    (resolution times feed the performance metrics)."""

    customer = models.ForeignKey(  # indexed by <class>_customer_idx
        Customer, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.HIGH)
    source_key = models.CharField(
        max_length=120,
        unique=True,
        null=True,
        blank=True,
        help_text="The workflow step that raised it, {run_id}:{step}.",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="%(class)s_status_idx"),
            models.Index(fields=["customer", "status"], name="%(class)s_customer_idx"),
            models.Index(fields=["resolved_at"], name="%(class)s_resolved_idx"),
        ]


class Alert(Incident):
    alert_id = models.CharField(max_length=40, unique=True, editable=False)
    owner = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)

    def __str__(self) -> str:
        return self.alert_id


class Escalation(Incident):
    escalation_id = models.CharField(max_length=40, unique=True, editable=False)
    owner_email = models.EmailField(help_text="Who owns it: the CS operations manager by default.")
    status = models.CharField(
        max_length=12, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    reason = models.TextField()
    run = models.ForeignKey(
        WorkflowRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )

    def __str__(self) -> str:
        return self.escalation_id


class AccountTeamMember(models.Model):
    """People on the vendor side around a customer beyond the CSM: AE, SE, support lead."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="account_team")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=100, blank=True, help_text="e.g. account_executive")

    class Meta:
        ordering = ["customer", "email"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "email"], name="account_team_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"


class SegmentSkillRequirement(models.Model):
    """The skills a customer's CSM should have, per company segment (skill matching)."""

    segment = models.CharField(max_length=20, choices=Segment.choices, unique=True)
    skills = models.JSONField(default=list, help_text="Skill names the CSM must all have.")

    class Meta:
        ordering = ["segment"]

    def __str__(self) -> str:
        return f"{self.segment}: {', '.join(self.skills)}"
