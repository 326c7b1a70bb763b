"""Sales' domain errors (integrations.domain_errors kinds, stable codes)."""

from integrations.domain_errors import Invalid

# --- expansion readiness ----------------------------------------------------------------------


class InvalidExpansionModel(Invalid):
    default_message = "The expansion model's weights or thresholds are not valid."
    default_code = "invalid_expansion_model"
