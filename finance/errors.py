"""Domain errors of the finance app, each with a stable code."""

from datetime import date
from typing import Any

from integrations.domain_errors import Conflict, Invalid, NotFound, Unprocessable


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


class ForecastNotFound(NotFound):
    default_message = "No forecast with this forecast_id."
    default_code = "forecast_not_found"


class NoForecastForPeriod(NotFound):
    default_message = "No forecast has been submitted for this period."
    default_code = "forecast_not_found"


class PeriodNotOver(Conflict):
    """Accuracy is measured once the forecast's quarter has ended."""

    default_code = "period_not_over"

    def __init__(self, ends_on: date) -> None:
        self.ends_on = ends_on
        super().__init__(f"The period ends on {ends_on.isoformat()}; accuracy is known after it.")

    def extra(self) -> dict[str, Any]:
        return {"period_ends_on": self.ends_on.isoformat()}


class NoActiveRenewalModel(Conflict):
    """An admin can leave no renewal model version active; nothing scores until one is."""

    default_message = "No renewal model version is active; activate one in the admin."
    default_code = "no_active_renewal_model"


class RenewalTrainingOneClass(Unprocessable):
    """A logistic regression needs renewed and lost contracts among its training examples."""

    default_message = (
        "The training renewals are all of one outcome (all renewed or all lost); "
        "a model needs both."
    )
    default_code = "renewal_training_one_class"


class RenewalModelVersionNotFound(NotFound):
    default_message = "No renewal model version with this number."
    default_code = "renewal_model_version_not_found"


class RenewalPriorInvalid(Invalid):
    """The prior's intercept or terms as edited are refused (`attr` names what)."""

    default_message = "Invalid renewal prior."
    default_code = "renewal_prior_invalid"
