"""Reads for finance data."""

from django.db.models import QuerySet

from .models import Contract, Invoice


def contract_list() -> QuerySet[Contract]:
    return Contract.objects.select_related("customer", "renewed_from").only(
        "contract_id",
        "start_date",
        "end_date",
        "value",
        "term",
        "status",
        "created_at",
        "updated_at",
        "customer__customer_id",
        "renewed_from__contract_id",
    )


def invoice_list() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("customer").only(
        "invoice_id",
        "issued_on",
        "due_on",
        "amount",
        "paid_at",
        "created_at",
        "updated_at",
        "customer__customer_id",
    )
