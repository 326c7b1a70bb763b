"""Workflow automation, alerts and escalations over HTTP."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from customers import read as customers_read
from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.auth import client_identity
from integrations.pagination import cursor_pagination

from .. import selectors
from ..models import Alert, Escalation, WorkflowRun
from ..workflows import engine, incidents
from ..workflows.registry import registered_steps
from . import workflow_serializers as ws
from .filters import AlertFilter, EscalationFilter, RunFilter

TAGS = ["cs-ops"]

WORKFLOW_EXAMPLE = {
    "workflow_type": "health_decline_intervention",
    "customer_id": "cust_12345",
    "trigger_conditions": {
        "health_score_drop": 20,
        "usage_decline": 0.30,
        "support_increase": 0.50,
    },
    "automation_steps": [
        "send_immediate_alert",
        "schedule_priority_check_in",
        "deploy_success_playbook",
        "notify_account_team",
    ],
}


class WorkflowStartView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(
        tags=TAGS,
        summary="Run a CS workflow for a customer",
        description="Measures each trigger condition on the customer's data (health drop "
        "over 30 days in points, usage decline and support increase as fractions, last 30 "
        "days vs the 30 before) and records the measured value beside each threshold. If "
        "they hold (`conditions_match`: `all`, default, or `any`) or `force` is true, creates "
        "a run with one step per `automation_steps` entry and returns 202 with its status "
        "URL; workers execute the steps in order. Otherwise 422 with the measured values, "
        "and nothing runs. The path and body customer must agree; `runs` and `steps` are "
        "reserved path words.",
        request=ws.WorkflowRequestSerializer,
        responses={202: ws.WorkflowRunSerializer, 422: ws.ConditionsNotMetSerializer},
        examples=[OpenApiExample("Spec example", request_only=True, value=WORKFLOW_EXAMPLE)],
    )
    def post(self, request: Request, customer_id: str) -> Response:
        body = ws.WorkflowRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["customer_id"] != customer_id:
            raise serializers.ValidationError(
                {"customer_id": ["Must match the customer in the path."]},
                code="customer_mismatch",
            )
        customer = customers_read.customer_get(customer_id)
        run = engine.workflow_start(
            customer=customer,
            workflow_type=data["workflow_type"],
            trigger_conditions=dict(data.get("trigger_conditions") or {}),
            steps=data["automation_steps"],
            conditions_match=data["conditions_match"],
            force=data["force"],
            requested_by=client_identity(request),
        )
        out = ws.WorkflowRunSerializer(selectors.run_get(run.run_id)).data
        return Response(out, status=202, headers={"Location": out["status_url"]})


class WorkflowRunListView(PlatformGenericAPIView):
    scope_domain = "operations"
    read_replica = True
    serializer_class = ws.WorkflowRunSerializer
    filterset_class = RunFilter
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[WorkflowRun]:
        return selectors.run_list()

    @extend_schema(
        tags=TAGS,
        summary="List workflow runs",
        responses=ws.WorkflowRunSerializer(many=True),
        operation_id="cs_ops_workflow_runs_list",
    )
    def get(self, request: Request) -> Response:
        return self.list_response()


class WorkflowRunDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(
        tags=TAGS,
        summary="A workflow run: status, per-step status, attempts, timings, errors",
        responses=ws.WorkflowRunSerializer,
    )
    def get(self, request: Request, run_id: str) -> Response:
        return Response(ws.WorkflowRunSerializer(selectors.run_get(run_id)).data)


class WorkflowStepListView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(
        tags=TAGS,
        summary="The steps a workflow may use",
        responses=ws.StepDefinitionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        steps = [
            {"name": s.name, "description": s.description} for s in registered_steps().values()
        ]
        return Response(ws.StepDefinitionSerializer(steps, many=True).data)


class AlertListView(PlatformGenericAPIView):
    scope_domain = "operations"
    read_replica = True
    serializer_class = ws.AlertSerializer
    filterset_class = AlertFilter
    pagination_class = cursor_pagination("-opened_at", "-id")

    def get_queryset(self) -> QuerySet[Alert]:
        return selectors.alert_list()

    @extend_schema(
        tags=TAGS,
        summary="List alerts",
        responses=ws.AlertSerializer(many=True),
        operation_id="cs_ops_alerts_list",
    )
    def get(self, request: Request) -> Response:
        return self.list_response()


class AlertDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(tags=TAGS, summary="Get an alert", responses=ws.AlertSerializer)
    def get(self, request: Request, alert_id: str) -> Response:
        return Response(ws.AlertSerializer(selectors.alert_get(alert_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Acknowledge or resolve an alert",
        description="`resolved` stamps resolved_at (resolution time counts in performance).",
        request=ws.AlertPatchSerializer,
        responses=ws.AlertSerializer,
    )
    def patch(self, request: Request, alert_id: str) -> Response:
        alert = selectors.alert_get(alert_id)
        body = ws.AlertPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incidents.alert_update(alert=alert, status=body.validated_data["status"])
        return Response(ws.AlertSerializer(selectors.alert_get(alert_id)).data)


class EscalationListView(PlatformGenericAPIView):
    scope_domain = "operations"
    read_replica = True
    serializer_class = ws.EscalationSerializer
    filterset_class = EscalationFilter
    pagination_class = cursor_pagination("-opened_at", "-id")

    def get_queryset(self) -> QuerySet[Escalation]:
        return selectors.escalation_list()

    @extend_schema(
        tags=TAGS,
        summary="List escalations (open ones: ?open=true; per customer: ?customer_id=)",
        responses=ws.EscalationSerializer(many=True),
        operation_id="cs_ops_escalations_list",
    )
    def get(self, request: Request) -> Response:
        return self.list_response()


class EscalationDetailView(PlatformAPIView):
    scope_domain = "operations"

    @extend_schema(tags=TAGS, summary="Get an escalation", responses=ws.EscalationSerializer)
    def get(self, request: Request, escalation_id: str) -> Response:
        return Response(ws.EscalationSerializer(selectors.escalation_get(escalation_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Reassign or move an escalation",
        description="`resolved` stamps resolved_at and publishes `escalation.resolved`.",
        request=ws.EscalationPatchSerializer,
        responses=ws.EscalationSerializer,
    )
    def patch(self, request: Request, escalation_id: str) -> Response:
        escalation = selectors.escalation_get(escalation_id)
        body = ws.EscalationPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incidents.escalation_update(escalation=escalation, **body.validated_data)
        return Response(ws.EscalationSerializer(selectors.escalation_get(escalation_id)).data)
