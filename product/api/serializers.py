from rest_framework import serializers

from ..models import Feature, FeatureUsage


class FeatureSerializer(serializers.ModelSerializer):
    list_price = serializers.SerializerMethodField(help_text="Whole currency units.")

    class Meta:
        model = Feature
        fields = [
            "feature_id",
            "name",
            "category",
            "is_key",
            "is_premium",
            "list_price",
            "adoption_threshold_days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_list_price(self, obj: Feature) -> int:
        return int(obj.list_price)


class FeatureWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    feature_id = serializers.SlugField(max_length=64, help_text="e.g. feat_analytics")
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=100, required=False)
    is_key = serializers.BooleanField(required=False)
    is_premium = serializers.BooleanField(required=False)
    list_price = serializers.IntegerField(min_value=0, required=False)
    adoption_threshold_days = serializers.IntegerField(min_value=1, max_value=30, required=False)


class UsageSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(source="customer.customer_id")
    feature_id = serializers.CharField(source="feature.feature_id")

    class Meta:
        model = FeatureUsage
        fields = ["customer_id", "feature_id", "date", "events", "active_users"]
        read_only_fields = fields


class UsageWriteSerializer(serializers.Serializer):
    """One item of the bulk body (documentation; validation is the bulk schema's)."""

    customer_id = serializers.CharField(max_length=64)
    feature_id = serializers.SlugField(max_length=64)
    date = serializers.DateField(help_text="The day; not later than tomorrow.")
    events = serializers.IntegerField(min_value=0)
    active_users = serializers.IntegerField(min_value=0)
