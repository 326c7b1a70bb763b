"""Value realisation over HTTP (README, "Finance: value realisation")."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from customers.read import customer_get
from integrations.api.base import PlatformAPIView
from integrations.api.represent import represent
from integrations.clock import today
from integrations.openapi_errors import ErrorResponse404Serializer

from ..selectors.value import customer_value
from .value_serializers import CustomerValueSerializer


class CustomerValueView(PlatformAPIView):
    scope_domain = "finance"
    read_replica = True

    @extend_schema(
        tags=["cs-finance"],
        summary="A customer's value realisation, revenue attribution and financial health",
        description="Every number from rows, as of today; definitions in the README, "
        '"Finance: value realisation". 404 `customer_not_found`.',
        responses={200: CustomerValueSerializer, 404: ErrorResponse404Serializer},
    )
    def get(self, request: Request, customer_id: str) -> Response:
        document = customer_value(customer_get(customer_id), today())
        return Response(represent(CustomerValueSerializer, document))
