"""Handoff request and response (README "Sales: handoff")."""

from typing import Any

from rest_framework import serializers

from customers.choices import Segment
from finance.bulk_schema import MAX_WHOLE_AMOUNT
from finance.models import term_months
from integrations.api.serializers_base import StrictSerializer, key_field, pattern_field
from integrations.ids import NAME_PATTERN
from integrations.money import whole_units

from ..selectors.handoff import Baseline, HandoffDocument, change

CONTRACT_TERMS_PATTERN = r"^(monthly|[1-9][0-9]?_(year|month))$"

HANDOFF_EXAMPLE = {
    "customer_id": "cust_12345",
    "handoff_data": {
        "deal_value": 150000,
        "contract_terms": "3_year",
        "key_stakeholders": ["john.doe@company.com"],
        "success_criteria": ["adoption_target", "roi_target"],
        "sales_notes": "Strong technical champion, budget confirmed",
    },
    "success_initiation": {
        "onboarding_start": "2025-12-05",
        "success_manager": "sarah.smith@company.com",
        "first_check_in": "2025-12-12",
    },
}


class HandoffDataSerializer(StrictSerializer):
    deal_value = serializers.IntegerField(
        min_value=0,
        max_value=int(MAX_WHOLE_AMOUNT),
        help_text="Total contract value over the whole term, whole currency units.",
    )
    contract_terms = pattern_field(
        CONTRACT_TERMS_PATTERN,
        "A term like 1_year, 3_year, 6_month or monthly.",
        max_length=20,
        help_text="`N_year`, `N_month` (N 1-99) or `monthly` (= 1_month).",
    )
    key_stakeholders = serializers.ListField(
        # The stakeholder column's length: a longer (valid) email failed the insert midway.
        child=serializers.EmailField(max_length=254),
        max_length=50,
        required=False,
        help_text="Emails; each becomes a stakeholder (an existing one is kept).",
    )
    success_criteria = serializers.ListField(
        child=pattern_field(NAME_PATTERN, "A snake_case name.", max_length=64),
        max_length=20,
        required=False,
        help_text="One plan objective each; known ones get measurable targets (README).",
    )
    sales_notes = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, trim_whitespace=False
    )
    contract_id = key_field(
        required=False,
        help_text="Optional: the finance system's key of the deal's contract. An existing "
        "contract of this customer is used as it is; otherwise one is made with this key.",
    )

    def validate_key_stakeholders(self, value: list[str]) -> list[str]:
        lowered = [v.lower() for v in value]
        if len(set(lowered)) != len(lowered):
            raise serializers.ValidationError("Each email once.", code="duplicate")
        return lowered

    def validate_success_criteria(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each criterion once.", code="duplicate")
        return value


class SuccessInitiationSerializer(StrictSerializer):
    onboarding_start = serializers.DateField()
    success_manager = serializers.EmailField(
        max_length=254, help_text="An active CSM (team member) email."
    )
    first_check_in = serializers.DateField(help_text="Not before onboarding_start.")


class HandoffRequestSerializer(StrictSerializer):
    customer_id = key_field(help_text="Must equal the path's customer_id.")
    name = serializers.CharField(
        max_length=200, required=False, help_text="For a new customer (default: customer_id)."
    )
    segment = serializers.ChoiceField(
        choices=Segment.choices,
        required=False,
        help_text="For a new customer (default from the deal's annual value, README).",
    )
    seats = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, help_text="Licensed seats."
    )
    handoff_data = HandoffDataSerializer()
    success_initiation = SuccessInitiationSerializer()


# --- response -------------------------------------------------------------------------------


class HandoffDataReadSerializer(serializers.Serializer):
    deal_value = serializers.IntegerField()
    contract_terms = serializers.CharField()
    key_stakeholders = serializers.ListField(child=serializers.EmailField())
    success_criteria = serializers.ListField(child=serializers.CharField())
    sales_notes = serializers.CharField()


class SuccessInitiationReadSerializer(serializers.Serializer):
    onboarding_start = serializers.DateField()
    success_manager = serializers.EmailField(allow_null=True)
    first_check_in = serializers.DateField()


class HandoffObjectiveSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    title = serializers.CharField()
    measurable = serializers.BooleanField()
    metric = serializers.CharField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    baseline = serializers.FloatField(allow_null=True, help_text="The metric at handoff.")
    unit = serializers.CharField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)


class HandoffMilestoneSerializer(serializers.Serializer):
    milestone_id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    achieved_on = serializers.DateField(allow_null=True)


class HandoffPlanSerializer(serializers.Serializer):
    plan_id = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)
    objectives = HandoffObjectiveSerializer(many=True)
    milestones = HandoffMilestoneSerializer(many=True)


class HandoffBaselineSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    licensed_seats = serializers.IntegerField()
    usage_events_30d = serializers.IntegerField()
    peak_active_users_30d = serializers.IntegerField()
    active_days_30d = serializers.IntegerField()
    seat_utilisation = serializers.FloatField(
        allow_null=True, help_text="min(1, peak active users / seats); null without seats."
    )
    key_features_adopted = serializers.ListField(child=serializers.CharField())
    key_features_total = serializers.IntegerField()
    key_feature_adoption_rate = serializers.FloatField(allow_null=True)
    health_score = serializers.IntegerField(allow_null=True)
    health_grade = serializers.CharField(allow_null=True)
    health_as_of = serializers.DateField(allow_null=True)
    health_reason = serializers.CharField(allow_null=True)

    def to_representation(self, instance: Baseline) -> Any:
        data = super().to_representation(instance)
        data["health_grade"] = instance.health_grade or None
        return data


class HandoffContractSerializer(serializers.Serializer):
    contract_id = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    value = serializers.IntegerField()
    term = serializers.CharField()
    term_months = serializers.IntegerField()
    annual_value = serializers.IntegerField()
    status = serializers.CharField()


class HandoffTaskSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    owner = serializers.EmailField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class HandoffCsmSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    assigned_accounts = serializers.IntegerField(help_text="Active customers, now.")
    over_capacity = serializers.BooleanField()


class HandoffWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class SinceHandoffChangeSerializer(serializers.Serializer):
    usage_events_30d = serializers.IntegerField()
    peak_active_users_30d = serializers.IntegerField()
    seat_utilisation = serializers.FloatField(allow_null=True)
    key_feature_adoption_rate = serializers.FloatField(allow_null=True)
    health_score = serializers.IntegerField(allow_null=True)


class SinceHandoffSerializer(serializers.Serializer):
    current = HandoffBaselineSerializer(help_text="The baseline's measures today.")
    change = SinceHandoffChangeSerializer(
        help_text="current - baseline; null where either side has no value."
    )


def since_handoff(then: Baseline, now: Baseline) -> dict[str, Any]:
    return {
        "current": HandoffBaselineSerializer(now).data,
        "change": {
            "usage_events_30d": now.usage_events_30d - then.usage_events_30d,
            "peak_active_users_30d": now.peak_active_users_30d - then.peak_active_users_30d,
            "seat_utilisation": change(now.seat_utilisation, then.seat_utilisation),
            "key_feature_adoption_rate": change(
                now.key_feature_adoption_rate, then.key_feature_adoption_rate
            ),
            "health_score": None
            if now.health_score is None or then.health_score is None
            else now.health_score - then.health_score,
        },
    }


class HandoffSerializer(serializers.Serializer):
    handoff_id = serializers.CharField()
    customer_id = serializers.CharField()
    customer_created = serializers.BooleanField()
    completed_at = serializers.DateTimeField()
    lifecycle_stage = serializers.CharField(help_text="The customer's stage now.")
    handoff_data = HandoffDataReadSerializer()
    success_initiation = SuccessInitiationReadSerializer()
    success_manager = HandoffCsmSerializer(allow_null=True)
    contract = HandoffContractSerializer(allow_null=True)
    success_plan = HandoffPlanSerializer(allow_null=True)
    baseline = HandoffBaselineSerializer()
    since_handoff = SinceHandoffSerializer(
        allow_null=True,
        help_text="GET only: the baseline's measures today and the change since handoff "
        "(null in the POST answer, taken at handoff).",
    )
    check_in_task = HandoffTaskSerializer(allow_null=True)
    warnings = HandoffWarningSerializer(many=True)

    def to_representation(self, instance: HandoffDocument) -> Any:
        h = instance.handoff
        contract, task, csm = h.contract, h.check_in_task, instance.csm
        return {
            "handoff_id": h.handoff_id,
            "customer_id": h.customer.customer_id,
            "customer_created": h.created_customer,
            "completed_at": serializers.DateTimeField().to_representation(h.completed_at),
            "lifecycle_stage": h.customer.lifecycle_stage,
            "handoff_data": {
                "deal_value": whole_units(h.deal_value),
                "contract_terms": h.contract_terms,
                "key_stakeholders": list(h.key_stakeholders),
                "success_criteria": list(h.success_criteria),
                "sales_notes": h.sales_notes,
            },
            "success_initiation": {
                "onboarding_start": h.onboarding_start.isoformat(),
                "success_manager": h.success_manager.email if h.success_manager else None,
                "first_check_in": h.first_check_in.isoformat(),
            },
            "success_manager": None
            if csm is None
            else {
                "email": csm.email,
                "name": csm.name,
                "capacity": csm.capacity,
                "assigned_accounts": csm.assigned,
                "over_capacity": csm.over_capacity,
            },
            "contract": None
            if contract is None
            else {
                "contract_id": contract.contract_id,
                "start_date": contract.start_date.isoformat(),
                "end_date": contract.end_date.isoformat(),
                "value": whole_units(contract.value),
                "term": contract.term,
                "term_months": term_months(contract.term),
                "annual_value": whole_units(contract.annual_value),
                "status": contract.status,
            },
            "success_plan": None
            if instance.plan is None
            else HandoffPlanSerializer(instance.plan).data,
            "baseline": HandoffBaselineSerializer(instance.baseline).data,
            "since_handoff": None
            if instance.current is None
            else since_handoff(instance.baseline, instance.current),
            "check_in_task": None
            if task is None
            else {
                "task_id": task.task_id,
                "kind": task.kind,
                "title": task.title,
                "due_at": serializers.DateTimeField().to_representation(task.due_at)
                if task.due_at
                else None,
                "owner": task.owner.email if task.owner else None,
                "completed_at": serializers.DateTimeField().to_representation(task.completed_at)
                if task.completed_at
                else None,
            },
            "warnings": list(h.warnings),
        }
