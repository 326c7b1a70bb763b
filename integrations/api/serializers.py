from rest_framework import serializers

from ..models import Event


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["event_id", "type", "customer_id", "data", "created_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    """Who the API sees: the calling key (or the signed-in staff user) and its scopes."""

    kind = serializers.ChoiceField(choices=["api_key", "staff_user"])
    client = serializers.CharField(help_text="The key's name, or the staff user's username.")
    key_prefix = serializers.CharField(
        allow_null=True, help_text="The key's public prefix (the part before the dot)."
    )
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)
