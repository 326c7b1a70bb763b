from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.base import PlatformAPIView, PlatformGenericAPIView
from integrations.api.views_bulk import BULK_DESCRIPTION, BulkResultSerializer, run_bulk
from integrations.pagination import cursor_pagination

from .. import selectors, services
from ..bulk_schema import CONTRACT_SCHEMA, INVOICE_SCHEMA
from ..errors import ContractNotFound, InvoiceNotFound
from ..models import Contract, Invoice
from . import serializers as s
from .filters import ContractFilter, InvoiceFilter

TAGS = ["cs-finance"]


class ContractListView(PlatformGenericAPIView):
    scope_domain = "finance"
    serializer_class = s.ContractSerializer
    filterset_class = ContractFilter
    pagination_class = cursor_pagination("contract_id")

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.contract_list()

    @extend_schema(
        tags=TAGS,
        summary="List contracts",
        operation_id="cs_finance_contracts_list",
        responses=s.ContractSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Upsert contracts in bulk",
        description=BULK_DESCRIPTION + " Natural key: `contract_id`. `renewed_from` names the "
        "previous contract (existing, or in the same batch; otherwise the item error "
        "`unknown_contract`). `end_date` must be after `start_date`; `value` is the total over "
        "the term and may not be negative. Fields left out of an item keep their current "
        "values (a new contract's `status` is `active`).",
        request=s.ContractWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "A renewal",
                request_only=True,
                value=[
                    {
                        "contract_id": "ctr_2023_001",
                        "customer_id": "cust_12345",
                        "start_date": "2023-01-01",
                        "end_date": "2025-12-31",
                        "value": 450000,
                        "term": "3_year",
                        "status": "renewed",
                        "renewed_from": None,
                    },
                    {
                        "contract_id": "ctr_2026_001",
                        "customer_id": "cust_12345",
                        "start_date": "2026-01-01",
                        "end_date": "2026-12-31",
                        "value": 150000,
                        "term": "1_year",
                        "status": "active",
                        "renewed_from": "ctr_2023_001",
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, CONTRACT_SCHEMA, services.contracts_ingest)


class ContractDetailView(PlatformAPIView):
    scope_domain = "finance"

    @extend_schema(tags=TAGS, summary="Get a contract", responses=s.ContractSerializer)
    def get(self, request: Request, contract_id: str) -> Response:
        contract = selectors.contract_list().filter(contract_id=contract_id).first()
        if contract is None:
            raise ContractNotFound()
        return Response(s.ContractSerializer(contract).data)


class InvoiceListView(PlatformGenericAPIView):
    scope_domain = "finance"
    serializer_class = s.InvoiceSerializer
    filterset_class = InvoiceFilter
    pagination_class = cursor_pagination("invoice_id")

    def get_queryset(self) -> QuerySet[Invoice]:
        return selectors.invoice_list()

    @extend_schema(
        tags=TAGS,
        summary="List invoices",
        operation_id="cs_finance_invoices_list",
        responses=s.InvoiceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(
        tags=TAGS,
        summary="Upsert invoices in bulk",
        description=BULK_DESCRIPTION + " Natural key: `invoice_id`. `due_on` may not be before "
        "`issued_on`; `issued_on` and `paid_at` may not be later than tomorrow; `amount` may "
        "not be negative. Leave `paid_at` out (or null) while the invoice is unpaid.",
        request=s.InvoiceWriteSerializer(many=True),
        responses={200: BulkResultSerializer},
        examples=[
            OpenApiExample(
                "Paid and open",
                request_only=True,
                value=[
                    {
                        "invoice_id": "inv_2026_0041",
                        "customer_id": "cust_12345",
                        "issued_on": "2026-09-01",
                        "due_on": "2026-10-01",
                        "amount": 12500,
                        "paid_at": "2026-09-28T10:15:00Z",
                    },
                    {
                        "invoice_id": "inv_2026_0042",
                        "customer_id": "cust_12345",
                        "issued_on": "2026-10-01",
                        "due_on": "2026-10-31",
                        "amount": 12500,
                        "paid_at": None,
                    },
                ],
            )
        ],
    )
    def post(self, request: Request) -> Response:
        return run_bulk(request, INVOICE_SCHEMA, services.invoices_ingest)


class InvoiceDetailView(PlatformAPIView):
    scope_domain = "finance"

    @extend_schema(tags=TAGS, summary="Get an invoice", responses=s.InvoiceSerializer)
    def get(self, request: Request, invoice_id: str) -> Response:
        invoice = selectors.invoice_list().filter(invoice_id=invoice_id).first()
        if invoice is None:
            raise InvoiceNotFound()
        return Response(s.InvoiceSerializer(invoice).data)
