"""Thin Celery tasks for finance: call the service, return a summary."""

from celery import shared_task

from integrations.clock import today

from .models import RenewalRiskSummary
from .renewals.services import renewal_model_fit, renewal_risk_summary_refresh
from .renewals.summary import DEFAULT_WINDOWS


@shared_task(
    name="finance.fit_renewal_model", ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def fit_renewal_model() -> int | None:
    """Monthly: fit a renewal-model version on the renewals resolved so far (activated when it
    beats the active version on the hold-out); the new version's number, None when too few."""
    return renewal_model_fit().new_version


@shared_task(
    name="finance.refresh_renewal_risk_summary",
    ignore_result=True,
    time_limit=240,
    soft_time_limit=200,
)
def refresh_renewal_risk_summary() -> int:
    """Every 5 minutes: count the dashboard's renewal-risk summary again (the stored windows
    and the dashboard's), so a view finds it fresh; the number of windows refreshed."""
    windows = set(DEFAULT_WINDOWS) | set(RenewalRiskSummary.objects.values_list("days", flat=True))
    day = today()
    for days in sorted(windows):
        renewal_risk_summary_refresh(as_of=day, days=days)
    return len(windows)
