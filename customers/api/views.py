from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.views_bulk import bulk_post_docs, run_bulk
from integrations.keyset_pagination import KeysetPagination, SortKey, parse_decimal
from integrations.openapi_errors import ErrorResponse409Serializer, ErrorResponse409StageSerializer
from integrations.pagination import cursor_pagination
from integrations.prepared import PreparedQuery

from .. import facts, read, selectors, services
from ..bulk_schema import CUSTOMER_BULK_SCHEMA
from ..choices import CustomerStatus
from ..errors import CustomerNotFound
from ..health import selectors as health_selectors
from ..health import services as health_services
from ..models import Customer, Milestone, Stakeholder, SuccessPlan, TeamMember
from . import health_serializers as hs
from . import plan_serializers as ps
from . import serializers as s
from .filters import ORDERINGS, CustomerFilter, TeamMemberFilter

TAG_CUSTOMERS = ["customers"]
TAG_TEAM = ["team-members"]


def with_risk(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Customers with what `CustomerSerializer` shows besides the columns, in the same query:
    the latest health and its 30-day change (`read.with_health`) and ARR (`facts`)."""
    return read.with_health(customers).annotate(arr=facts.arr_expression("pk"))


_RISK_CUSTOMER = PreparedQuery(
    lambda customer_id: with_risk(selectors.customer_list()).filter(customer_id=customer_id),
    customer_id=str,
)


def risk_customer_get(customer_id: str) -> Customer:
    """`selectors.customer_get` with `with_risk`'s annotations (CustomerNotFound: 404);
    compiled once per thread (its annotations cost ~5 ms to build and compile)."""
    customer = _RISK_CUSTOMER.first(customer_id=customer_id)
    if customer is None:
        raise CustomerNotFound()
    return customer


_VALUE_PARSERS: dict[str, Callable[[str], Any]] = {
    "health_score": int,
    "health_change_30d": int,
    "arr": parse_decimal,
}


class CustomerPagination(KeysetPagination):
    ordering = ("customer_id",)  # type: ignore[assignment]


class CustomerListView(PlatformGenericAPIView):
    scope_domain = "customers"
    read_replica = True
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilter
    pagination_class = CustomerPagination

    def get_queryset(self) -> QuerySet[Customer]:
        return with_risk(selectors.customer_list())

    def sort_key(self, request: Request) -> SortKey | None:
        """The keyset the paginator orders by (`ordering`, validated by the filter)."""
        by = ORDERINGS.get(request.query_params.get("ordering", "customer_id"))
        if by is None:
            return None
        field, descending = by
        return SortKey(field, descending, "customer_id", _VALUE_PARSERS[field])

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="List customers",
        description="Each customer with its latest health (score, grade, 30-day change) and "
        "ARR. Find the accounts at risk in one call: `?grade=critical,at_risk&"
        "ordering=health_score`, or `?renewal_within_days=90&ordering=-arr`. Sorted lists "
        "page with the same opaque cursors; customers without the sorted value come last.",
        operation_id="customers_list",
        responses=s.CustomerSerializer(many=True),
        examples=[
            OpenApiExample("An account at risk", response_only=True, value=s.CUSTOMER_EXAMPLE)
        ],
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Create a customer",
        request=s.CustomerWriteSerializer,
        responses={201: s.CustomerSerializer},
    )
    def post(self, request: Request) -> Response:
        data = s.CustomerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_create(data=data.validated_data)
        created = risk_customer_get(customer.customer_id)
        return Response(s.CustomerSerializer(created).data, status=status.HTTP_201_CREATED)


class CustomerDetailView(PlatformAPIView):
    scope_domain = "customers"

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Get a customer",
        responses=s.CustomerSerializer,
        examples=[OpenApiExample("A customer", response_only=True, value=s.CUSTOMER_EXAMPLE)],
    )
    def get(self, request: Request, customer_id: str) -> Response:
        return Response(s.CustomerSerializer(risk_customer_get(customer_id)).data)

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Update a customer",
        description="Partial update. A `lifecycle_stage` change must follow the allowed "
        "transitions (409 lists the allowed stages) and is recorded in the stage history.",
        request=s.CustomerPatchSerializer,
        responses={200: s.CustomerSerializer, 409: ErrorResponse409StageSerializer},
    )
    def patch(self, request: Request, customer_id: str) -> Response:
        customer = selectors.customer_get(customer_id)
        data = s.CustomerPatchSerializer(customer, data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_update(customer=customer, data=data.validated_data)
        return Response(s.CustomerSerializer(risk_customer_get(customer.customer_id)).data)


class CustomerBulkView(PlatformAPIView):
    scope_domain = "customers"

    @bulk_post_docs(
        tags=TAG_CUSTOMERS,
        summary="Upsert customers in bulk",
        item="CustomerBulkItem",
        schema=CUSTOMER_BULK_SCHEMA,
        description="Natural key: `customer_id`. Fields left out of an "
        "item keep their current values; an unknown `success_manager` is an item error.",
        example=(
            "Two customers",
            [
                {
                    "customer_id": "cust_12345",
                    "name": "Acme",
                    "segment": "enterprise",
                    "licensed_seats": 250,
                    "success_manager": "sarah.smith@company.com",
                },
                {"customer_id": "cust_12346", "name": "Globex", "segment": "mid_market"},
            ],
        ),
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, CUSTOMER_BULK_SCHEMA, services.customers_bulk_upsert)


class StakeholderListView(PlatformGenericAPIView):
    scope_domain = "customers"
    read_replica = True
    serializer_class = s.StakeholderSerializer
    pagination_class = cursor_pagination("email")

    def get_queryset(self) -> QuerySet[Stakeholder]:
        if getattr(self, "swagger_fake_view", False):
            return Stakeholder.objects.none()
        return selectors.stakeholder_list(selectors.customer_get(self.kwargs["customer_id"]))

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="List a customer's stakeholders",
        operation_id="customers_stakeholders_list",
        responses=s.StakeholderSerializer(many=True),
    )
    def get(self, request: Request, customer_id: str) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Add a stakeholder",
        request=s.StakeholderWriteSerializer,
        responses={201: s.StakeholderSerializer},
    )
    def post(self, request: Request, customer_id: str) -> Response:
        customer = selectors.customer_get(customer_id)
        data = s.StakeholderWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stakeholder = services.stakeholder_create(customer=customer, data=data.validated_data)
        return Response(s.StakeholderSerializer(stakeholder).data, status=status.HTTP_201_CREATED)


class StakeholderDetailView(PlatformAPIView):
    scope_domain = "customers"

    def _get(self, customer_id: str, email: str) -> Stakeholder:
        return selectors.stakeholder_get(selectors.customer_get(customer_id), email)

    @extend_schema(
        tags=TAG_CUSTOMERS, summary="Get a stakeholder", responses=s.StakeholderSerializer
    )
    def get(self, request: Request, customer_id: str, email: str) -> Response:
        return Response(s.StakeholderSerializer(self._get(customer_id, email)).data)

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Update a stakeholder",
        request=s.StakeholderPatchSerializer,
        responses=s.StakeholderSerializer,
    )
    def patch(self, request: Request, customer_id: str, email: str) -> Response:
        stakeholder = self._get(customer_id, email)
        data = s.StakeholderPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        stakeholder = services.stakeholder_update(stakeholder=stakeholder, data=data.validated_data)
        return Response(s.StakeholderSerializer(stakeholder).data)

    @extend_schema(tags=TAG_CUSTOMERS, summary="Remove a stakeholder", responses={204: None})
    def delete(self, request: Request, customer_id: str, email: str) -> Response:
        services.stakeholder_delete(stakeholder=self._get(customer_id, email))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _with_load(queryset: QuerySet[TeamMember]) -> QuerySet[TeamMember]:
    return queryset.annotate(
        assigned_accounts=Count("customers", filter=Q(customers__status=CustomerStatus.ACTIVE))
    )


class TeamMemberListView(PlatformGenericAPIView):
    scope_domain = "customers"
    read_replica = True
    serializer_class = s.TeamMemberSerializer
    filterset_class = TeamMemberFilter
    pagination_class = cursor_pagination("email")

    def get_queryset(self) -> QuerySet[TeamMember]:
        return _with_load(selectors.team_member_list())

    @extend_schema(
        tags=TAG_TEAM,
        summary="List team members (CSMs)",
        operation_id="team_members_list",
        responses=s.TeamMemberSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAG_TEAM,
        summary="Add a team member",
        request=s.TeamMemberWriteSerializer,
        responses={201: s.TeamMemberSerializer},
    )
    def post(self, request: Request) -> Response:
        data = s.TeamMemberWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.team_member_create(**data.validated_data)
        return Response(_member_out(member.email), status=status.HTTP_201_CREATED)


def _member_out(email: str) -> Any:
    return s.TeamMemberSerializer(_with_load(selectors.team_member_list()).get(email=email)).data


class TeamMemberDetailView(PlatformAPIView):
    scope_domain = "customers"

    @extend_schema(tags=TAG_TEAM, summary="Get a team member", responses=s.TeamMemberSerializer)
    def get(self, request: Request, email: str) -> Response:
        return Response(_member_out(selectors.team_member_get(email).email))

    @extend_schema(
        tags=TAG_TEAM,
        summary="Update a team member",
        request=s.TeamMemberPatchSerializer,
        responses=s.TeamMemberSerializer,
    )
    def patch(self, request: Request, email: str) -> Response:
        member = selectors.team_member_get(email)
        data = s.TeamMemberPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.team_member_update(member=member, data=data.validated_data)
        return Response(_member_out(member.email))


class CustomerHealthView(PlatformAPIView):
    scope_domain = "customers"
    read_replica = True

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="A customer's health, explained",
        description="The current score with each measure's score, weight and inputs, the "
        "trend (change vs ~30 days ago, weekly slope, direction) and the weekly history.",
        parameters=[hs.HealthQuerySerializer],
        responses=hs.HealthSerializer,
    )
    def get(self, request: Request, customer_id: str) -> Response:
        customer = selectors.customer_get(customer_id)
        query = hs.HealthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        detail = health_selectors.health_detail(customer, weeks=query.validated_data["weeks"])
        return Response(hs.HealthSerializer(detail).data)


class CustomerHealthRecomputeView(PlatformAPIView):
    scope_domain = "customers"

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Recompute a customer's health now",
        description="Scores the customer from current data, stores a snapshot and publishes "
        "`customer.health_changed` (and `customer.health_declined` on a worse grade or a "
        "15-point drop within 30 days). Returns the same body as GET .../health. A churned "
        "customer is not scored any more: 409 `customer_churned`, nothing written.",
        request=None,
        responses={200: hs.HealthSerializer, 409: ErrorResponse409Serializer},
    )
    def post(self, request: Request, customer_id: str) -> Response:
        customer = selectors.customer_get(customer_id)
        health_services.health_recompute_now(customer=customer)
        return Response(hs.HealthSerializer(health_selectors.health_detail(customer)).data)


# --- success plans (README "Sales: handoff") ----------------------------------------------


class SuccessPlanListView(PlatformGenericAPIView):
    scope_domain = "customers"
    read_replica = True
    serializer_class = ps.SuccessPlanSerializer
    pagination_class = cursor_pagination("-created_at", "-id")

    def get_queryset(self) -> QuerySet[SuccessPlan]:
        if getattr(self, "swagger_fake_view", False):
            return SuccessPlan.objects.none()
        return selectors.success_plan_list(selectors.customer_get(self.kwargs["customer_id"]))

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="List a customer's success plans with objectives and milestones",
        operation_id="customers_success_plans_list",
        responses=ps.SuccessPlanSerializer(many=True),
    )
    def get(self, request: Request, customer_id: str) -> Response:
        return self.list_response()


class SuccessPlanDetailView(PlatformAPIView):
    scope_domain = "customers"

    @extend_schema(
        tags=TAG_CUSTOMERS, summary="Get a success plan", responses=ps.SuccessPlanSerializer
    )
    def get(self, request: Request, customer_id: str, plan_id: str) -> Response:
        plan = selectors.success_plan_get(selectors.customer_get(customer_id), plan_id)
        return Response(ps.SuccessPlanSerializer(plan).data)


class MilestoneDetailView(PlatformAPIView):
    scope_domain = "customers"

    def _get(self, customer_id: str, plan_id: str, milestone_id: str) -> Milestone:
        plan = selectors.success_plan_get(selectors.customer_get(customer_id), plan_id)
        return selectors.milestone_get(plan, milestone_id)

    @extend_schema(tags=TAG_CUSTOMERS, summary="Get a milestone", responses=ps.MilestoneSerializer)
    def get(self, request: Request, customer_id: str, plan_id: str, milestone_id: str) -> Response:
        return Response(ps.MilestoneSerializer(self._get(customer_id, plan_id, milestone_id)).data)

    @extend_schema(
        tags=TAG_CUSTOMERS,
        summary="Update a milestone's status or achieved date",
        description="`achieved` without `achieved_on` is achieved today; `achieved_on` needs "
        "status `achieved` (given or current) and cannot be in the future; any other status "
        "clears the date.",
        request=ps.MilestonePatchSerializer,
        responses=ps.MilestoneSerializer,
    )
    def patch(
        self, request: Request, customer_id: str, plan_id: str, milestone_id: str
    ) -> Response:
        milestone = self._get(customer_id, plan_id, milestone_id)
        data = ps.MilestonePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        milestone = services.milestone_update(milestone=milestone, data=data.validated_data)
        return Response(ps.MilestoneSerializer(milestone).data)
