"""Expansion readiness over HTTP (README, "Sales: expansion readiness")."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from customers.read import customer_get
from integrations import json_text
from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.renderers import RawJSONArray
from integrations.api.represent import represent
from integrations.clock import today
from integrations.openapi_errors import ErrorResponse404Serializer
from integrations.pagination import cursor_pagination

from ..models import ExpansionSnapshot
from ..selectors.expansion_list import latest_snapshots, with_documents
from ..selectors.expansion_readout import expansion_readout
from ..services.expansion import active_expansion_model
from . import expansion_serializers as s
from .expansion_filters import ExpansionFilter

TAGS = ["cs-sales"]


class ExpansionView(PlatformAPIView):
    scope_domain = "sales"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="A customer's expansion readiness, opportunities and success evidence",
        description="Computed now from every app's data with the active expansion model: "
        "`expansion_readiness.score` (0-100) = Σ weight × factor value × 100, each factor "
        "with its value, weight and contribution; open pipeline plus suggested opportunities "
        '(`suggested: true`); evidence from the data. README, "Sales: expansion readiness". '
        "404 `customer_not_found`.",
        responses={200: s.ExpansionSerializer, 404: ErrorResponse404Serializer},
        examples=[OpenApiExample("Spec example", response_only=True, value=s.EXPANSION_EXAMPLE)],
    )
    def get(self, request: Request, customer_id: str) -> Response:
        customer = customer_get(customer_id)
        document = expansion_readout(active_expansion_model(), customer, today())
        return Response(represent(s.ExpansionSerializer, document))


class ExpansionListView(PlatformGenericAPIView):
    scope_domain = "sales"
    read_replica = True
    serializer_class = s.ExpansionListItemSerializer
    filterset_class = ExpansionFilter
    pagination_class = cursor_pagination("rank_key")

    def get_queryset(self) -> QuerySet[ExpansionSnapshot]:
        return latest_snapshots()

    @extend_schema(
        tags=TAGS,
        summary="Active customers by expansion readiness",
        description="Each active customer's latest nightly readiness snapshot, readiness "
        "descending then customer_id; filters `segment`, `csm` (email), `min_score`. "
        "A customer appears once the nightly scoring has scored it.",
        operation_id="cs_sales_expansion_list",
        responses=s.ExpansionListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        snapshots = self.filter_queryset(self.get_queryset())
        if not json_text.available(snapshots.db):
            return self.list_response()  # the serializer's rows
        # PostgreSQL writes each row's document (same members, same values, in order): the
        # page costs its query and a join of strings, not 300 model instances and a
        # serializer walk over 700 stored factors (issue 17).
        rows: list[dict[str, str]] = self.paginate_queryset(with_documents(snapshots)) or []
        return self.get_paginated_response(RawJSONArray([row["document"] for row in rows]))
