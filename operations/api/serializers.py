from rest_framework import serializers

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
