from rest_framework import serializers

from integrations.api.serializers_base import key_field

from ..choices import SurveyKind, TaskKind, TicketPriority, TicketStatus
from ..models import SupportTicket, SurveyResponse, Task


class TicketSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")

    class Meta:
        model = SupportTicket
        fields = [
            "ticket_id",
            "customer_id",
            "opened_at",
            "resolved_at",
            "priority",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TicketWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    ticket_id = key_field(help_text="The support system's key.")
    customer_id = serializers.CharField(max_length=64)
    opened_at = serializers.DateTimeField(help_text="Not later than tomorrow.")
    resolved_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Required for status resolved|closed, absent or null for open|pending; "
        "not before opened_at.",
    )
    priority = serializers.ChoiceField(choices=TicketPriority.choices)
    status = serializers.ChoiceField(choices=TicketStatus.choices)


class SurveyResponseSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")

    class Meta:
        model = SurveyResponse
        fields = [
            "response_id",
            "customer_id",
            "respondent_email",
            "kind",
            "score",
            "comment",
            "answered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SurveyResponseWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    response_id = key_field()
    customer_id = serializers.CharField(max_length=64)
    respondent_email = serializers.EmailField()
    kind = serializers.ChoiceField(choices=SurveyKind.choices)
    score = serializers.IntegerField(min_value=0, max_value=10, help_text="NPS: 0-10; CSAT: 1-5.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    answered_at = serializers.DateTimeField(help_text="Not later than tomorrow.")


class TaskSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    owner_email = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        source="owner",
        slug_field="email",
        read_only=True,
        allow_null=True,
        help_text="The owning CSM's email, or null.",
    )

    class Meta:
        model = Task
        fields = [
            "task_id",
            "customer_id",
            "kind",
            "owner_email",
            "title",
            "due_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    task_id = key_field()
    customer_id = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    owner_email = serializers.EmailField(
        required=False, allow_null=True, help_text="Email of an existing team member (CSM)."
    )
    title = serializers.CharField(max_length=200)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    completed_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Not later than tomorrow."
    )
