"""History of changes (django-simple-history, README "History"): who made each change.

One mechanism for "who": every historical row has `history_user` (the signed-in Django user,
admin or browsable API) and `history_api_client` (the API key, "<name> (<prefix>)", for a
request authenticated by a key). Both come from the request that HistoryRequestMiddleware
exposes; a change without a request (a Celery task, a management command) names neither.

Writes that bypass `save()` (bulk upserts, `QuerySet.update`, `bulk_create`) call
`record_bulk` in the same transaction: one INSERT of historical rows per batch.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from simple_history.models import HistoricalRecords
from simple_history.utils import get_history_manager_for_model

# Fields no history keeps: bookkeeping that changes on every write.
NOISY = ("updated_at",)


class HistoryActor(models.Model):
    """The base of every historical model: the API client beside simple-history's user."""

    history_api_client = models.CharField(
        max_length=200,
        blank=True,
        help_text="The API key that made the change: its name and prefix.",
    )

    class Meta:
        abstract = True


def _request() -> Any:
    return getattr(HistoricalRecords.context, "request", None)


def request_user(request: Any = None, **kwargs: Any) -> AbstractBaseUser | None:
    """simple-history's `get_user`: the Django user only. A request authenticated by an API
    key carries an `ApiClient` as its user (DRF sets it on the Django request too), which is
    no user row: it is recorded in `history_api_client` instead."""
    user = getattr(request, "user", None)
    if isinstance(user, AbstractBaseUser) and user.is_authenticated:
        return user
    return None


def current_api_client() -> str:
    """The API key of the request in progress, as `<name> (<prefix>)`; "" when none."""
    from .models import ApiKey  # the models module builds its history with this one

    key = getattr(getattr(_request(), "user", None), "key", None)
    return f"{key.name} ({key.prefix})" if isinstance(key, ApiKey) else ""


def history_records(*, excluded: Sequence[str] = NOISY) -> HistoricalRecords:
    """The `history = ...` of a tracked model. `excluded`: the model's fields never stored
    (secrets, fields that change on their own; `updated_at` by default: the history row has
    its own time). Each must exist on the model."""
    return HistoricalRecords(
        bases=[HistoryActor],
        get_user=request_user,
        excluded_fields=list(excluded),
    )


def name_api_client(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """pre_create_historical_record receiver (connected in IntegrationsConfig.ready()): the
    API client, and the reason a request gives for all its changes (an admin revert)."""
    if not isinstance(history_instance, HistoryActor):
        return
    row: Any = history_instance
    if not row.history_api_client:
        row.history_api_client = current_api_client()
    if not row.history_change_reason:
        row.history_change_reason = getattr(_request(), "history_change_reason", None)


def is_tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def record_bulk(
    model: type[models.Model],
    rows: Sequence[models.Model],
    *,
    update: bool,
    reason: str = "",
    batch_size: int = 2000,
) -> None:
    """Historical rows for rows written without `save()` (they must carry their primary
    keys and current values): one INSERT per `batch_size`, in the caller's transaction.
    A model without history is ignored, so generic writers may call it for any model."""
    if not rows or not is_tracked(model):
        return
    get_history_manager_for_model(model).bulk_history_create(
        rows,
        batch_size=batch_size,
        update=update,
        default_change_reason=reason,
        custom_historical_attrs={"history_api_client": current_api_client()},
    )


@contextmanager
def paused() -> Iterator[None]:
    """No history rows while it runs, in this whole process: for the demo's reset, which
    deletes the company it seeded (one "deleted" row per record would make it slow and keep
    nothing of value). Never for a request."""
    before = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = before


def forget(*tracked: type[models.Model]) -> None:
    """Delete every history row of these models (the demo's reset, with their records)."""
    for model in tracked:
        get_history_manager_for_model(model).all().delete()
