"""Domain errors of the finance app, each with a stable code."""

from integrations.domain_errors import NotFound


class ContractNotFound(NotFound):
    default_message = "No contract with this contract_id."
    default_code = "contract_not_found"


class InvoiceNotFound(NotFound):
    default_message = "No invoice with this invoice_id."
    default_code = "invoice_not_found"


class OpportunityNotFound(NotFound):
    default_message = "No opportunity with this opportunity_id."
    default_code = "opportunity_not_found"


class ValueRecordNotFound(NotFound):
    default_message = "No value record with this record_id."
    default_code = "value_record_not_found"
