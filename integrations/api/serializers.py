from rest_framework import serializers

from ..models import Event


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["event_id", "type", "customer_id", "data", "created_at"]
        read_only_fields = fields
