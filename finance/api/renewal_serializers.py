"""Shapes of the renewal endpoints (README, "Finance: renewals due and calibration")."""

from typing import Any

from rest_framework import serializers

from customers.choices import Segment
from integrations.api.serializers_base import QuerySerializer
from integrations.money import whole_units

from ..choices import RenewalModelKind
from .forecast_serializers import MoneyField

MAX_DUE_WITHIN_DAYS = 730
DEFAULT_DUE_WITHIN_DAYS = 90
MAX_MONEY = 10**12 - 1  # a contract's annual_value column holds 12 whole digits


class RenewalsQuerySerializer(QuerySerializer):
    due_within_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DUE_WITHIN_DAYS,
        default=DEFAULT_DUE_WITHIN_DAYS,
        help_text="Contracts ending in (today, today + due_within_days]. 1-730, default 90.",
    )
    segment = serializers.ChoiceField(
        choices=Segment.choices, required=False, help_text="The customer's segment."
    )
    csm = serializers.EmailField(
        required=False,
        trim_whitespace=False,
        help_text="The customer's CSM (email, matched case-insensitively, never trimmed).",
    )
    min_arr = serializers.IntegerField(
        min_value=0,
        max_value=MAX_MONEY,
        required=False,
        help_text="Only contracts whose ARR (annual_value) is at least this many whole "
        "currency units.",
    )
    max_probability = serializers.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        help_text="Only renewals the model gives at most this probability (0-1).",
    )


class RenewalTermSerializer(serializers.Serializer):
    feature = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True, help_text="The feature on the day; null: no data (imputed at the mean)."
    )
    coefficient = serializers.FloatField()
    mean = serializers.FloatField()
    scale = serializers.FloatField()
    contribution = serializers.FloatField(
        help_text="coefficient x (value - mean) / scale: this feature's share of the log-odds."
    )


class RenewalCsmSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()


class RenewalDueSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    customer_name = serializers.CharField()
    segment = serializers.ChoiceField(choices=Segment.choices)
    contract_id = serializers.CharField(help_text="The customer's next-ending active contract.")
    end_date = serializers.DateField()
    days_to_end = serializers.IntegerField(help_text="end_date - today.")
    arr = MoneyField(help_text="The contract's ARR (annual_value), whole currency units.")
    renewal_probability = serializers.FloatField(help_text="0-1, 4 decimals.")
    arr_at_risk = MoneyField(
        help_text="arr x (1 - renewal_probability): computed to the cent (half-up), shown in "
        "whole currency units (half-up); the order uses the cents."
    )
    model_version = serializers.IntegerField()
    model_kind = serializers.ChoiceField(choices=RenewalModelKind.choices)
    log_odds = serializers.FloatField(help_text="intercept + Σ contribution.")
    intercept = serializers.FloatField()
    terms = RenewalTermSerializer(many=True)
    health_score = serializers.IntegerField(allow_null=True, help_text="Latest snapshot.")
    health_grade = serializers.CharField(allow_null=True)
    csm = RenewalCsmSerializer(allow_null=True, help_text="The customer's CSM; null without one.")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def renewal_due_data(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`RenewalDueSerializer(documents, many=True).data`, written out: the same primitives
    (the serializer stays the schema; tests compare the two). DRF's field-by-field walk
    of a page of 500 rows with eleven nested terms each cost more than the rest of the page."""
    return [
        {
            "customer_id": str(d["customer_id"]),
            "customer_name": str(d["customer_name"]),
            "segment": d["segment"],
            "contract_id": str(d["contract_id"]),
            "end_date": d["end_date"].isoformat(),
            "days_to_end": int(d["days_to_end"]),
            "arr": whole_units(d["arr"]),
            "renewal_probability": float(d["renewal_probability"]),
            "arr_at_risk": whole_units(d["arr_at_risk"]),
            "model_version": int(d["model_version"]),
            "model_kind": d["model_kind"],
            "log_odds": float(d["log_odds"]),
            "intercept": float(d["intercept"]),
            "terms": [
                {
                    "feature": str(t["feature"]),
                    "value": _float(t["value"]),
                    "coefficient": float(t["coefficient"]),
                    "mean": float(t["mean"]),
                    "scale": float(t["scale"]),
                    "contribution": float(t["contribution"]),
                }
                for t in d["terms"]
            ],
            "health_score": None if d["health_score"] is None else int(d["health_score"]),
            "health_grade": None if d["health_grade"] is None else str(d["health_grade"]),
            "csm": (
                None
                if d["csm"] is None
                else {"email": str(d["csm"]["email"]), "name": str(d["csm"]["name"])}
            ),
        }
        for d in documents
    ]


class RenewalVersionTermSerializer(serializers.Serializer):
    feature = serializers.CharField()
    coefficient = serializers.FloatField(help_text="Per standard unit: (value - mean) / scale.")
    mean = serializers.FloatField(help_text="A missing value is imputed at the mean.")
    scale = serializers.FloatField()


class RenewalModelVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RenewalModelKind.choices)
    library = serializers.CharField(help_text="What fitted it (empty for the prior).")
    training_size = serializers.IntegerField(allow_null=True)
    trained_from = serializers.DateField(allow_null=True, help_text="First decision date.")
    trained_until = serializers.DateField(allow_null=True, help_text="Last decision date.")
    intercept = serializers.FloatField()
    terms = RenewalVersionTermSerializer(many=True)
    notes = serializers.CharField()


class RenewalCalibrationRowSerializer(serializers.Serializer):
    decile = serializers.IntegerField(help_text="1-10, by predicted probability.")
    predicted_mean = serializers.FloatField(allow_null=True)
    observed_rate = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()


class RenewalEvaluationSerializer(serializers.Serializer):
    brier_score = serializers.FloatField()
    log_loss = serializers.FloatField()
    auc = serializers.FloatField(allow_null=True, help_text="Null when one class is missing.")
    sample_size = serializers.IntegerField()
    renewed = serializers.IntegerField(help_text="Renewals (label 1) in the hold-out.")
    baseline_brier_score = serializers.FloatField(
        help_text="Brier score of always predicting the training renewal rate."
    )
    holdout_from = serializers.DateField()
    holdout_until = serializers.DateField()
    evaluated_at = serializers.DateTimeField()
    calibration = RenewalCalibrationRowSerializer(many=True)


class RenewalCalibrationSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    model = RenewalModelVersionSerializer(help_text="The active version.")
    basis = serializers.ChoiceField(choices=RenewalModelKind.choices)
    resolved_renewals = serializers.IntegerField(
        help_text="Contracts renewed, churned or expired with end_date on or before as_of."
    )
    reason = serializers.CharField(
        allow_null=True, help_text="Why the prior is in use; null for a fitted version."
    )
    evaluation = RenewalEvaluationSerializer(
        allow_null=True, help_text="The active version's latest hold-out evaluation."
    )
    evaluation_reason = serializers.CharField(allow_null=True)
