"""Shape of the expansion endpoints (README, "Sales: expansion readiness"): the spec's fields
(`expansion_readiness.score/readiness_factors`, `opportunities[type, product, value_estimate,
probability, timeline]`, `success_evidence[]`) plus the explanation beside them."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api.serializers_base import pattern_field
from integrations.ids import QUARTER_PATTERN


class ReadinessFactorSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="adoption_breadth, health_score, seat_utilisation, ...")
    value = serializers.FloatField(
        allow_null=True, help_text="0..1 (4 decimals); null with `reason` when there is no data."
    )
    weight = serializers.FloatField(help_text="The active model's weight (weights sum to 1).")
    contribution = serializers.FloatField(help_text="weight × value × 100 points (2 decimals).")
    holds = serializers.BooleanField(help_text="Whether the factor is listed in readiness_factors.")
    holds_as = serializers.CharField(help_text="Its name in readiness_factors.")
    inputs = serializers.DictField(help_text="The raw numbers behind the value.")
    reason = serializers.CharField(allow_null=True, help_text="Why value is null.")


class ExpansionReadinessSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Σ contributions, rounded half-up."
    )
    readiness_factors = serializers.ListField(child=serializers.CharField())
    ready = serializers.BooleanField(help_text="score >= ready_threshold.")
    ready_threshold = serializers.IntegerField()
    model_version = serializers.IntegerField(help_text="The expansion model version used.")
    factors = ReadinessFactorSerializer(many=True)


class ExpansionPipelineItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["upsell", "cross_sell", "add_on"])
    product = serializers.CharField(help_text="A feature id, `additional_seats` or a product.")
    value_estimate = serializers.IntegerField(help_text="Whole currency units.")
    probability = serializers.FloatField(min_value=0, max_value=1)
    timeline = pattern_field(QUARTER_PATTERN, help_text='A quarter, e.g. "q1_2026".')
    suggested = serializers.BooleanField(
        help_text="true: suggested by CS Hub's rules; false: an open opportunity in finance."
    )
    opportunity_id = serializers.CharField(allow_null=True, help_text="Pipeline rows only.")
    reason = serializers.CharField()
    inputs = serializers.DictField(help_text="The numbers behind a suggestion.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # `source` is also a Field attribute, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        fields["source"] = serializers.CharField(
            allow_null=True, help_text="cs, sales or customer (pipeline rows only)."
        )
        return fields


class ExpansionEvidenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    detail = serializers.CharField()


class ExpansionSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    as_of = serializers.DateField()
    expansion_readiness = ExpansionReadinessSerializer()
    opportunities = ExpansionPipelineItemSerializer(many=True)
    success_evidence = serializers.ListField(child=serializers.CharField())
    evidence_details = ExpansionEvidenceSerializer(many=True)


_FLOATS = frozenset({"value", "weight", "contribution"})


@extend_schema_field(ReadinessFactorSerializer(many=True))
class StoredFactorsField(serializers.Field):
    """A snapshot's factors as stored (`Factor.as_dict`: ReadinessFactorSerializer's keys and
    types), put back in the documented key order (jsonb does not keep it), numbers as floats.
    Through the nested serializer a page of 100 rows rendered its 700 factors field by field:
    ~60 % of the list's time (cProfile)."""

    keys = tuple(ReadinessFactorSerializer().fields)

    def to_representation(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                k: float(factor[k]) if k in _FLOATS and factor[k] is not None else factor[k]
                for k in self.keys
            }
            for factor in value
        ]


class ExpansionListItemSerializer(serializers.Serializer):
    """A customer's latest nightly readiness snapshot."""

    customer_id = serializers.CharField(source="customer.customer_id")
    name = serializers.CharField(source="customer.name")
    segment = serializers.CharField(source="customer.segment")
    success_manager = serializers.SerializerMethodField()
    score = serializers.IntegerField()
    ready = serializers.BooleanField()
    readiness_factors = serializers.ListField(child=serializers.CharField())
    factors = StoredFactorsField()
    model_version = serializers.IntegerField()
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField()

    def get_success_manager(self, obj: Any) -> str | None:
        manager = obj.customer.success_manager
        return manager.email if manager else None


# The Spec's example response, extended with the explanation (documentation only).
EXPANSION_EXAMPLE = {
    "customer_id": "cust_12345",
    "as_of": "2026-11-30",
    "expansion_readiness": {
        "score": 78,
        "readiness_factors": [
            "high_product_adoption",
            "strong_health_score",
            "recent_success_milestones",
        ],
        "ready": True,
        "ready_threshold": 70,
        "model_version": 1,
        "factors": [
            {
                "name": "adoption_breadth",
                "value": 0.8333,
                "weight": 0.25,
                "contribution": 20.83,
                "holds": True,
                "holds_as": "high_product_adoption",
                "inputs": {"adopted": ["feat_alerts", "feat_analytics"], "key_features": 6},
                "reason": None,
            }
        ],
    },
    "opportunities": [
        {
            "type": "upsell",
            "product": "premium_features",
            "value_estimate": 50000,
            "probability": 0.75,
            "timeline": "q1_2026",
            "suggested": False,
            "opportunity_id": "opp_1001",
            "source": "sales",
            "reason": "open opportunity in the pipeline",
            "inputs": {},
        }
    ],
    "success_evidence": [
        "achieved_roi_target",
        "executive_sponsorship",
        "expansion_requested_by_customer",
    ],
    "evidence_details": [
        {"name": "achieved_roi_target", "detail": "ROI 124% (realised ÷ contracted value)"}
    ],
}
