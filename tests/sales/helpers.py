"""What the sales handoff tests share: the spec's request, verbatim, and its URL."""

import copy
from typing import Any

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
    body = copy.deepcopy(SPEC_REQUEST)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = body
        for parent in parents:
            node = node[parent]
        if value is ...:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return body
