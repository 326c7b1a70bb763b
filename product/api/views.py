from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.views_bulk import BULK_DESCRIPTION, BulkResultSerializer, run_bulk
from integrations.pagination import CursorPagination

from .. import selectors, services
from ..bulk_schema import FEATURE_SCHEMA, USAGE_SCHEMA
from ..errors import FeatureNotFound
from ..models import Feature, FeatureUsage
from . import serializers as s
from .filters import FeatureFilter, UsageFilter

TAGS = ["cs-product"]


class ByFeatureId(CursorPagination):
    ordering = "feature_id"


class ByDate(CursorPagination):
    ordering = ("date", "id")


class FeatureListView(PlatformGenericAPIView):
    scope_domain = "product"
    serializer_class = s.FeatureSerializer
    filterset_class = FeatureFilter
    pagination_class = ByFeatureId

    def get_queryset(self) -> QuerySet[Feature]:
        return selectors.feature_list()

    @extend_schema(
        tags=TAGS,
        summary="List features",
        operation_id="cs_product_features_list",
        responses=s.FeatureSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Upsert features in bulk",
        description=BULK_DESCRIPTION,
        request=s.FeatureWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "Catalogue",
                request_only=True,
                value=[
                    {
                        "feature_id": "feat_analytics",
                        "name": "Analytics",
                        "category": "insights",
                        "is_key": True,
                        "is_premium": False,
                        "list_price": 0,
                        "adoption_threshold_days": 4,
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, FEATURE_SCHEMA, services.features_bulk_upsert)


class FeatureDetailView(PlatformAPIView):
    scope_domain = "product"

    @extend_schema(tags=TAGS, summary="Get a feature", responses=s.FeatureSerializer)
    def get(self, request: Request, feature_id: str) -> Response:
        feature = selectors.feature_list().filter(feature_id=feature_id).first()
        if feature is None:
            raise FeatureNotFound()
        return Response(s.FeatureSerializer(feature).data)


class UsageView(PlatformGenericAPIView):
    scope_domain = "product"
    serializer_class = s.UsageSerializer
    filterset_class = UsageFilter
    pagination_class = ByDate

    def get_queryset(self) -> QuerySet[FeatureUsage]:
        return selectors.usage_list()

    @extend_schema(
        tags=TAGS,
        summary="List daily usage rows",
        operation_id="cs_product_usage_list",
        responses=s.UsageSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Ingest daily usage in bulk",
        description=BULK_DESCRIPTION + " Natural key: (customer_id, feature_id, date); "
        "unknown feature ids are item errors (`unknown_feature`).",
        request=s.UsageWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "One day",
                request_only=True,
                value=[
                    {
                        "customer_id": "cust_12345",
                        "feature_id": "feat_analytics",
                        "date": "2026-11-25",
                        "events": 140,
                        "active_users": 12,
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, USAGE_SCHEMA, services.usage_ingest)
