from drf_spectacular.utils import extend_schema, extend_schema_view

from integrations.api.views_bulk import IngestionDetailView, IngestionListView, bulk_post_docs
from integrations.pagination import cursor_pagination

from .. import selectors, services
from ..bulk_schema import (
    CONTRACT_SCHEMA,
    INVOICE_SCHEMA,
    OPPORTUNITY_SCHEMA,
    VALUE_RECORD_SCHEMA,
)
from ..errors import (
    ContractNotFound,
    InvoiceNotFound,
    OpportunityNotFound,
    ValueRecordNotFound,
)
from . import serializers as s
from .filters import ContractFilter, InvoiceFilter, OpportunityFilter, ValueRecordFilter

TAGS = ["cs-finance"]


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List contracts",
        operation_id="cs_finance_contracts_list",
        responses=s.ContractSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Upsert contracts in bulk",
        item="ContractBulkItem",
        schema=CONTRACT_SCHEMA,
        description="Natural key: `contract_id`. `renewed_from` names the "
        "previous contract (existing, or in the same batch; otherwise the item error "
        "`unknown_contract`). `end_date` must be after `start_date`; `value` is the total over "
        "the term and may not be negative. Fields left out of an item keep their current "
        "values (a new contract's `status` is `active`).",
        example=(
            "A renewal",
            [
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
        ),
    ),
)
class ContractListView(IngestionListView):
    scope_domain = "finance"
    serializer_class = s.ContractSerializer
    filterset_class = ContractFilter
    pagination_class = cursor_pagination("contract_id")
    list_queryset = staticmethod(selectors.contract_list)
    bulk_schema = CONTRACT_SCHEMA
    ingest = staticmethod(services.contracts_ingest)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get a contract", responses=s.ContractSerializer)
)
class ContractDetailView(IngestionDetailView):
    scope_domain = "finance"
    list_view = ContractListView
    lookup = "contract_id"
    not_found = ContractNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List invoices",
        operation_id="cs_finance_invoices_list",
        responses=s.InvoiceSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Upsert invoices in bulk",
        item="InvoiceBulkItem",
        schema=INVOICE_SCHEMA,
        description="Natural key: `invoice_id`. `due_on` may not be before "
        "`issued_on`; `issued_on` and `paid_at` may not be later than tomorrow; `amount` may "
        "not be negative. Leave `paid_at` out (or null) while the invoice is unpaid.",
        example=(
            "Paid and open",
            [
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
        ),
    ),
)
class InvoiceListView(IngestionListView):
    scope_domain = "finance"
    serializer_class = s.InvoiceSerializer
    filterset_class = InvoiceFilter
    pagination_class = cursor_pagination("invoice_id")
    list_queryset = staticmethod(selectors.invoice_list)
    bulk_schema = INVOICE_SCHEMA
    ingest = staticmethod(services.invoices_ingest)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get an invoice", responses=s.InvoiceSerializer)
)
class InvoiceDetailView(IngestionDetailView):
    scope_domain = "finance"
    list_view = InvoiceListView
    lookup = "invoice_id"
    not_found = InvoiceNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List expansion opportunities",
        operation_id="cs_finance_opportunities_list",
        responses=s.ExpansionOpportunitySerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Upsert expansion opportunities in bulk",
        item="OpportunityBulkItem",
        schema=OPPORTUNITY_SCHEMA,
        description="Natural key: `opportunity_id`. `expected_close` is a quarter "
        "(`q2_2026`); `probability` a JSON number in [0, 1]. `closed_value` and `closed_on` "
        "are sent with `status`: a won opportunity needs both, a lost one `closed_on`, an "
        "open one neither (an item that sets `status` clears the ones it leaves out). Fields "
        "left out keep their current values (a new opportunity is `open`). Publishes "
        "`opportunity.won` once when an opportunity becomes won.",
        example=(
            "Open and won",
            [
                {
                    "opportunity_id": "opp_2026_001",
                    "customer_id": "cust_12345",
                    "type": "upsell",
                    "product": "advanced_analytics",
                    "value": 50000,
                    "probability": 0.6,
                    "expected_close": "q3_2026",
                    "status": "open",
                    "source": "cs",
                },
                {
                    "opportunity_id": "opp_2026_002",
                    "customer_id": "cust_12345",
                    "type": "add_on",
                    "product": "Premium support",
                    "value": 12000,
                    "probability": 1.0,
                    "expected_close": "q1_2026",
                    "status": "won",
                    "closed_value": 11000,
                    "closed_on": "2026-03-12",
                    "source": "sales",
                },
            ],
        ),
    ),
)
class OpportunityListView(IngestionListView):
    scope_domain = "finance"
    serializer_class = s.ExpansionOpportunitySerializer
    filterset_class = OpportunityFilter
    pagination_class = cursor_pagination("opportunity_id")
    list_queryset = staticmethod(selectors.opportunity_list)
    bulk_schema = OPPORTUNITY_SCHEMA
    ingest = staticmethod(services.opportunities_ingest)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Get an expansion opportunity",
        responses=s.ExpansionOpportunitySerializer,
    )
)
class OpportunityDetailView(IngestionDetailView):
    scope_domain = "finance"
    list_view = OpportunityListView
    lookup = "opportunity_id"
    not_found = OpportunityNotFound


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="List value records",
        operation_id="cs_finance_value_records_list",
        responses=s.ValueRecordSerializer(many=True),
    ),
    post=bulk_post_docs(
        tags=TAGS,
        summary="Upsert value records in bulk",
        item="ValueRecordBulkItem",
        schema=VALUE_RECORD_SCHEMA,
        description="Natural key: `record_id`. Value a customer realised: `amount` in whole "
        "currency units, `date` not later than tomorrow, `evidence` text or a link (at most "
        "2,000 characters), `recorded_by` an email (never trimmed).",
        example=(
            "A saving",
            [
                {
                    "record_id": "val_2026_001",
                    "customer_id": "cust_12345",
                    "date": "2026-04-30",
                    "category": "cost_saving",
                    "amount": 42000,
                    "evidence": "https://wiki.example.com/cust_12345/q1-review",
                    "recorded_by": "sarah.johnson@company.com",
                }
            ],
        ),
    ),
)
class ValueRecordListView(IngestionListView):
    scope_domain = "finance"
    serializer_class = s.ValueRecordSerializer
    filterset_class = ValueRecordFilter
    pagination_class = cursor_pagination("record_id")
    list_queryset = staticmethod(selectors.value_record_list)
    bulk_schema = VALUE_RECORD_SCHEMA
    ingest = staticmethod(services.value_records_ingest)


@extend_schema_view(
    get=extend_schema(tags=TAGS, summary="Get a value record", responses=s.ValueRecordSerializer)
)
class ValueRecordDetailView(IngestionDetailView):
    scope_domain = "finance"
    list_view = ValueRecordListView
    lookup = "record_id"
    not_found = ValueRecordNotFound
