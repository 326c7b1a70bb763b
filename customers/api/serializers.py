from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import DateTimeField, StrictSerializer, key_field
from integrations.formatting import api_exception
from integrations.money import whole_units

from ..bulk_schema import RESERVED_IDS
from ..choices import CustomerStatus, LifecycleStage, Segment
from ..errors import churned_at_needs_churned_status
from ..models import Customer, HealthGrade, LifecycleChange, Stakeholder, TeamMember


class CustomerSerializer(serializers.ModelSerializer):
    """Reads a customer annotated by `views.with_risk` (health and ARR)."""

    success_manager = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="email", read_only=True, allow_null=True, help_text="The CSM's email, or null."
    )
    health_score = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="The latest health score (0-100); null before the first scoring.",
    )
    health_grade = serializers.ChoiceField(
        choices=HealthGrade.choices,
        read_only=True,
        allow_null=True,
        help_text="The latest health grade; null before the first scoring.",
    )
    health_change_30d = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The latest score minus the score ~30 days before it (the nearest snapshot "
        "to 30 days earlier within ±7 days; the health read-out's `trend.change_30d`); null "
        "without one.",
    )
    arr = serializers.SerializerMethodField(
        help_text="Annual recurring revenue: Σ annual value of the active contracts, in whole "
        "currency units (half-up); null without an active contract."
    )

    class Meta:
        model = Customer
        fields = [
            "customer_id",
            "name",
            "segment",
            "licensed_seats",
            "status",
            "churned_at",
            "lifecycle_stage",
            "success_manager",
            "health_score",
            "health_grade",
            "health_change_30d",
            "arr",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_arr(self, obj: Any) -> int | None:
        return None if obj.arr is None else whole_units(obj.arr)


CUSTOMER_EXAMPLE = {
    "customer_id": "cust_12345",
    "name": "Acme",
    "segment": "enterprise",
    "licensed_seats": 250,
    "status": "active",
    "churned_at": None,
    "lifecycle_stage": "adoption",
    "success_manager": "sarah.smith@company.com",
    "health_score": 42,
    "health_grade": "at_risk",
    "health_change_30d": -17,
    "arr": 180000,
    "created_at": "2025-01-15T09:30:00Z",
    "updated_at": "2026-05-02T14:05:00Z",
}


class CustomerWriteSerializer(StrictSerializer):
    customer_id = key_field(
        help_text="1-64 characters of A-Z a-z 0-9 _ . : - (not the reserved word `bulk`).",
    )
    name = serializers.CharField(max_length=200)
    segment = serializers.ChoiceField(choices=Segment.choices)
    licensed_seats = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False)
    churned_at = DateTimeField(required=False, allow_null=True)
    lifecycle_stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    success_manager = serializers.EmailField(
        required=False, allow_null=True, help_text="Email of an existing team member."
    )

    def validate_customer_id(self, value: str) -> str:
        if value.lower() in RESERVED_IDS:
            raise serializers.ValidationError(f"'{value}' is reserved.", code="reserved")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        status = attrs.get("status")
        if status is None and self.instance is not None:
            status = self.instance.status
        if attrs.get("churned_at") and status != CustomerStatus.CHURNED:
            raise api_exception(churned_at_needs_churned_status())
        return attrs


class CustomerPatchSerializer(CustomerWriteSerializer):
    """Every field optional; `customer_id` cannot change."""

    customer_id = None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class LifecycleChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecycleChange
        fields = ["from_stage", "to_stage", "source", "reason", "changed_at"]


class StakeholderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stakeholder
        fields = [
            "email",
            "name",
            "role",
            "is_champion",
            "is_executive_sponsor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StakeholderWriteSerializer(StrictSerializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_champion = serializers.BooleanField(required=False)
    is_executive_sponsor = serializers.BooleanField(required=False)


class StakeholderPatchSerializer(StakeholderWriteSerializer):
    email = None  # type: ignore[assignment]


class TeamMemberSerializer(serializers.ModelSerializer):
    assigned_accounts = serializers.IntegerField(
        read_only=True, help_text="Active customers assigned to this CSM."
    )

    class Meta:
        model = TeamMember
        fields = [
            "email",
            "name",
            "capacity",
            "skills",
            "active",
            "assigned_accounts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TeamMemberWriteSerializer(StrictSerializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=200)
    capacity = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    skills = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=50, required=False
    )
    active = serializers.BooleanField(required=False)


class TeamMemberPatchSerializer(TeamMemberWriteSerializer):
    email = None  # type: ignore[assignment]
    name = serializers.CharField(max_length=200, required=False)
