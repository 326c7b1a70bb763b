"""Shapes of `/cs-ops/performance` and `/cs-ops/performance/team` (definitions in
`operations/selectors/performance/`)."""

from rest_framework import serializers

from integrations.api.serializers_base import QuerySerializer

from ..selectors.performance import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_RESOLUTION_HOURS,
    MIN_EXECUTION_RATE,
    MIN_PRODUCTIVITY,
    MIN_SKILL_MATCH,
    OVERLOADED_UTILISATION,
    UNEVEN_SPREAD,
)


class PerformanceQuerySerializer(QuerySerializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        default=DEFAULT_DAYS,
        help_text=f"The window: the last `days` calendar days up to today, (today - days, "
        f"today] (README, Definitions). 1-{MAX_DAYS}.",
    )


def _reason() -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text="Why the metric is null; else null.")


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text)


class PerformanceWindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField(
        help_text="Inclusive start: the end of the day `days` days before today."
    )
    until = serializers.DateTimeField(help_text="Exclusive end: the end of today.")


class PerformanceMetricsSerializer(serializers.Serializer):
    workflow_execution_rate = _rate(
        "completed ÷ (completed + failed) over workflow runs that finished in the window; "
        "null when none finished."
    )
    workflow_runs_completed = serializers.IntegerField()
    workflow_runs_failed = serializers.IntegerField()
    workflow_execution_rate_reason = _reason()
    average_resolution_time = serializers.CharField(
        allow_null=True,
        help_text="Mean (resolved_at - opened_at) over alerts and escalations resolved in "
        'the window, as "<hours, 1 decimal>_hours", e.g. "2.3_hours"; null when none.',
    )
    average_resolution_seconds = serializers.IntegerField(
        allow_null=True, help_text="The same mean in whole seconds."
    )
    resolved_count = serializers.IntegerField(
        help_text="Alerts + escalations resolved in the window."
    )
    resolved_alerts = serializers.IntegerField()
    resolved_escalations = serializers.IntegerField()
    average_resolution_time_reason = _reason()
    customer_satisfaction = serializers.FloatField(
        allow_null=True,
        min_value=1,
        max_value=5,
        help_text="Mean CSAT score (1-5) of the responses answered in the window, 2 "
        "decimals; null when none.",
    )
    csat_responses = serializers.IntegerField()
    customer_satisfaction_reason = _reason()
    team_productivity = serializers.FloatField(
        allow_null=True,
        min_value=0,
        help_text="(Tasks completed in the window by active CSMs ÷ (active CSMs × days/7)) ÷ "
        "CS_HUB_TASKS_PER_CSM_WEEK_TARGET; 1.0 is on target. Null without active CSMs.",
    )
    tasks_completed = serializers.IntegerField(
        help_text="Tasks completed in the window owned by active CSMs."
    )
    tasks_completed_unattributed = serializers.IntegerField(
        help_text="Tasks completed in the window with no owner or an inactive one (left out)."
    )
    active_csms = serializers.IntegerField()
    window_weeks = serializers.FloatField(help_text="days ÷ 7.")
    tasks_per_csm_week = serializers.FloatField(allow_null=True, min_value=0)
    tasks_per_csm_week_target = serializers.FloatField()
    team_productivity_reason = _reason()


class ResourceUtilizationSerializer(serializers.Serializer):
    capacity_usage = serializers.FloatField(
        allow_null=True,
        min_value=0,
        help_text="Σ assigned accounts (active customers) ÷ Σ capacity over active CSMs.",
    )
    assigned_accounts = serializers.IntegerField()
    total_capacity = serializers.IntegerField()
    capacity_usage_reason = _reason()
    skill_matching_accuracy = _rate(
        "Share of active customers with a CSM whose CSM has every skill the customer's "
        "segment requires (SegmentSkillRequirement; a segment without one always matches)."
    )
    matched_customers = serializers.IntegerField()
    customers_with_csm = serializers.IntegerField()
    skill_matching_accuracy_reason = _reason()
    workload_balancing = serializers.CharField(
        allow_null=True,
        help_text=f"One of `overloaded` (some CSM's assigned ÷ capacity > "
        f"{OVERLOADED_UTILISATION}), `uneven` (max - min utilisation > {UNEVEN_SPREAD}, "
        "2+ CSMs), `optimal`; null without active CSMs.",
    )
    max_utilisation = serializers.FloatField(allow_null=True, min_value=0)
    min_utilisation = serializers.FloatField(allow_null=True, min_value=0)
    utilisation_spread = serializers.FloatField(allow_null=True, min_value=0)
    overloaded_csms = serializers.IntegerField()
    active_csms = serializers.IntegerField()
    workload_balancing_reason = _reason()


class PerformanceOpportunitySerializer(serializers.Serializer):
    opportunity = serializers.CharField(source="code")
    detail = serializers.CharField()
    evidence = serializers.DictField(help_text="The numbers behind the rule.")


class PerformanceSerializer(serializers.Serializer):
    window = PerformanceWindowSerializer()
    performance_metrics = PerformanceMetricsSerializer()
    resource_utilization = ResourceUtilizationSerializer()
    optimization_opportunities = serializers.ListField(
        child=serializers.CharField(),
        help_text="Codes of the rules that fire: improve_workflow_reliability (execution "
        f"rate < {MIN_EXECUTION_RATE}), improve_skill_matching_algorithms (accuracy < "
        f"{MIN_SKILL_MATCH}), rebalance_workloads (overloaded or uneven), "
        f"increase_automation_coverage (team_productivity < {MIN_PRODUCTIVITY}), "
        "accelerate_escalation_response (average resolution > "
        f"{MAX_RESOLUTION_HOURS} h), expand_predictive_capabilities (active customers whose "
        "latest health grade is critical with no workflow run in the window).",
    )
    opportunity_details = PerformanceOpportunitySerializer(many=True)


class TeamPerformanceSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    assigned_accounts = serializers.IntegerField(help_text="Active customers of this CSM.")
    utilisation = serializers.FloatField(
        allow_null=True, min_value=0, help_text="assigned_accounts ÷ capacity; null at 0."
    )
    skills = serializers.ListField(child=serializers.CharField())
    tasks_completed = serializers.IntegerField(help_text="Completed in the window.")
    open_tasks = serializers.IntegerField(help_text="Not completed.")
    overdue_tasks = serializers.IntegerField(help_text="Not completed, due before now.")
    open_escalations = serializers.IntegerField(
        help_text="Open or in-progress escalations on this CSM's customers."
    )
    average_csat = serializers.FloatField(
        allow_null=True,
        min_value=1,
        max_value=5,
        help_text="Mean CSAT of this CSM's customers' responses in the window.",
    )
    csat_responses = serializers.IntegerField()
    window_days = serializers.IntegerField()
