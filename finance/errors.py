"""Domain errors of the finance app, each with a stable code."""

from rest_framework.exceptions import NotFound


class ContractNotFound(NotFound):
    default_detail = "No contract with this contract_id."
    default_code = "contract_not_found"


class InvoiceNotFound(NotFound):
    default_detail = "No invoice with this invoice_id."
    default_code = "invoice_not_found"
