"""Thin Celery tasks for finance: call the service, return a summary."""

from celery import shared_task

from .renewals.services import renewal_model_fit


@shared_task(
    name="finance.fit_renewal_model", ignore_result=True, time_limit=3600, soft_time_limit=3500
)
def fit_renewal_model() -> int | None:
    """Monthly: fit a renewal-model version on the renewals resolved so far (activated when it
    beats the active version on the hold-out); the new version's number, None when too few."""
    return renewal_model_fit().new_version
