"""What the sales handoff tests share: the spec's request, verbatim, and its URL."""

from typing import Any

from tests.support.bodies import edited

URL = "/api/v1/cs-sales/handoff/{}"

SPEC_REQUEST: dict[str, Any] = {
    "customer_id": "cust_12345",
    "handoff_data": {
        "deal_value": 150000,
        "contract_terms": "3_year",
        "key_stakeholders": ["john.doe@company.com"],
        "success_criteria": ["adoption_target", "roi_target"],
        "sales_notes": "Strong technical champion, budget confirmed",
    },
    "success_initiation": {
        "onboarding_start": "2025-12-05",
        "success_manager": "sarah.smith@company.com",
        "first_check_in": "2025-12-12",
    },
}


def spec_request(**changes: Any) -> dict[str, Any]:
    """The spec's request with `changes` applied; keys like "handoff_data.deal_value" reach
    into the nested objects, and the value `...` removes the key."""
    return edited(SPEC_REQUEST, changes)
