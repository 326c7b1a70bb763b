"""skill_matching_accuracy (README, "CS operations performance"). Skill names are compared
trimmed and case-folded; the subset test runs in Python once per (CSM, segment) group (JSON
containment is not portable to SQLite)."""

from typing import Any

from django.db.models import Count

from customers.read import active_customers

from ...models import SegmentSkillRequirement
from .base import ratio, skill_set


def skill_matching() -> dict[str, Any]:
    """One query for the requirements (at most one row per segment), one for the active
    customers with a CSM grouped by (CSM, segment); the subset test runs per group."""
    required = {
        segment: skill_set(skills)
        for segment, skills in SegmentSkillRequirement.objects.values_list("segment", "skills")
    }
    groups = (
        active_customers()
        .filter(success_manager__isnull=False)
        .values("success_manager_id", "segment", "success_manager__skills")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = matched = 0
    for group in groups:
        total += group["n"]
        need = required.get(group["segment"])
        if need is None or need <= skill_set(group["success_manager__skills"]):
            matched += group["n"]
    accuracy = ratio(matched, total)
    return {
        "skill_matching_accuracy": accuracy,
        "matched_customers": matched,
        "customers_with_csm": total,
        "skill_matching_accuracy_reason": None
        if accuracy is not None
        else "no active customer has a CSM",
    }
