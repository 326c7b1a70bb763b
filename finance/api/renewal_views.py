"""Renewals due and the renewal model's calibration over HTTP (README, "Finance: renewals due
and calibration")."""

from decimal import Decimal
from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.clock import today
from integrations.openapi_errors import ErrorResponse409Serializer
from integrations.pagination import SortedListPagination

from ..renewals.calibration_read import renewal_calibration
from ..renewals.due import DueRenewal, due_documents, renewals_due
from . import renewal_serializers as rs

TAGS = ["cs-finance"]
NO_ACTIVE_MODEL = "409 `no_active_renewal_model` when an admin left no model version active."


def _sort_key(row: DueRenewal) -> tuple[int, str]:
    return row.sort_key


class RenewalsDueView(PlatformGenericAPIView):
    scope_domain = "finance"
    read_replica = True
    serializer_class = rs.RenewalDueSerializer
    pagination_class = SortedListPagination
    filter_backends = ()

    @extend_schema(
        tags=TAGS,
        summary="Renewals due: contracts ending soon, with the model's probability and ARR at risk",
        description="Active contracts ending in (today, today + `due_within_days`], one per "
        "customer: the customer's next-ending active contract, which the renewal model scores "
        "(a later contract of the same customer in the window is not listed until the first "
        "is decided). Each row: ARR (the contract's annual_value), the active model version's "
        "renewal probability with its terms, ARR at risk = ARR x (1 - probability), the latest "
        "health score and grade, and the CSM. Filters: `segment`, `csm` (email, "
        "case-insensitive), `min_arr` (ARR at least), `max_probability` (probability at "
        "most). Ordered by ARR at risk (largest first), then contract_id; paginated with "
        "signed cursors like every list (the order is computed after scoring, so a cursor "
        "holds the sort key of the row it continues from). ARR at risk never exceeds ARR, "
        "so a page scores renewals in ARR order only until its rows are settled: the first "
        "pages cost a few hundred scorings, not one per renewal in the window. " + NO_ACTIVE_MODEL,
        parameters=[rs.RenewalsQuerySerializer],
        operation_id="cs_finance_renewals_list",
        responses={200: rs.RenewalDueSerializer(many=True), 409: ErrorResponse409Serializer},
    )
    def get(self, request: Request) -> Response:
        query = rs.RenewalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        paginator = cast(SortedListPagination, self.paginator)
        paginator.check_request(request)
        min_arr = params.get("min_arr")
        rows = renewals_due(
            as_of=today(),
            days=params["due_within_days"],
            segment=params.get("segment"),
            csm=params.get("csm"),
            min_arr=None if min_arr is None else Decimal(min_arr),
            max_probability=params.get("max_probability"),
            # Scored in ARR order until this page and its links are settled (issue 17).
            enough=lambda prefix: paginator.covers_page(prefix, _sort_key),
        )
        page = paginator.paginate_list(rows, _sort_key, request, view=self)
        data = rs.renewal_due_data(due_documents(page))
        return paginator.get_paginated_response(data)


class RenewalCalibrationView(PlatformAPIView):
    scope_domain = "finance"
    read_replica = True

    @extend_schema(
        tags=TAGS,
        summary="The renewal model in use and how well it is calibrated on its hold-out",
        description="The active model version (coefficients, means, scales, training size and "
        "date range), its `basis` (`fitted`, or the documented `prior` with the `reason`: "
        "fewer than 200 resolved renewals, or chosen in the admin) and the latest evaluation "
        "of that version on a time-ordered hold-out (the latest 20 % of resolved renewals of "
        "the fit run): Brier score, log loss, AUC, sample size, the baseline Brier score of "
        "always predicting the training renewal rate, and the calibration table by probability "
        "decile (predicted mean vs observed rate, count). Before any evaluation: `evaluation` "
        "null with `evaluation_reason`. " + NO_ACTIVE_MODEL,
        responses={200: rs.RenewalCalibrationSerializer, 409: ErrorResponse409Serializer},
    )
    def get(self, request: Request) -> Response:
        return Response(rs.RenewalCalibrationSerializer(renewal_calibration(today())).data)
