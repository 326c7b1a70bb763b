from rest_framework import serializers

from integrations.api.serializers_base import StrictSerializer

from ..choices import DeliveryStatus
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_TYPES_HELP = (
    "Exact event types or `prefix.*` (e.g. `customer.*`), from GET /api/v1/webhooks/event-types."
)


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint as read back: never its secret."""

    event_types = serializers.ListField(child=serializers.CharField(), help_text=EVENT_TYPES_HELP)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "endpoint_id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointWithSecretSerializer(EndpointSerializer):
    """The creation and rotation responses: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True, help_text="`whsec_` + base64 of 32 random bytes. Shown only now."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class EndpointCreateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000)
    description = serializers.CharField(max_length=500, required=False, default="")
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=50,
        help_text=EVENT_TYPES_HELP,
    )
    enabled = serializers.BooleanField(required=False, default=True)


class EndpointPatchSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    description = serializers.CharField(max_length=500, required=False)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=1,
        max_length=50,
        required=False,
        help_text=EVENT_TYPES_HELP,
    )
    enabled = serializers.BooleanField(
        required=False, help_text="true re-enables a disabled endpoint (clears its reason)."
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "attempted_at",
            "succeeded",
            "status_code",
            "latency_ms",
            "response_body",
            "error_class",
            "error",
        ]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.event_id", help_text="= the webhook-id.")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "delivery_id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class DeliveryDetailSerializer(DeliverySerializer):
    log = AttemptSerializer(many=True, help_text="The latest 20 attempts, newest first.")

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "log"]
        read_only_fields = fields


class ReplayResultSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Deliveries queued (at most 10 000 events).")


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    example = serializers.DictField(help_text="The webhook body's `data` for this type.")
