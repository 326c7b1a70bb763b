"""Claiming due deliveries under the per-endpoint concurrency limit (README "Webhooks").

At most `WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT` attempts of one endpoint are in flight (claimed
and not yet recorded: `leased_until` still ahead) at any time, so a slow or dead receiver's
backlog holds at most that many worker slots and every other endpoint's deliveries keep
flowing. Each endpoint's due rows are ranked oldest first and only its free slots are taken;
across endpoints the first rank of each comes before anyone's second, so a large backlog does
not crowd the others out of a batch. One API client's endpoints together hold at most
`WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT` slots (staff-made endpoints count as one client): without
it, one key with a few hanging receivers held every slot of the pool, 2 per endpoint, and
everyone's deliveries waited behind them (found by an attack run: a healthy receiver's lag went
from 0.3 s to 16 s with 5 such endpoints on an 8-slot pool). Claims take turns (one advisory
lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two sweeps never both fill the same free
slots; the chosen rows are locked with SKIP LOCKED and re-checked, so a row another
transaction holds is left alone.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from integrations.writes import serialize

from ..choices import DeliveryStatus
from ..models import WebhookDelivery


def max_in_flight() -> int:
    return max(1, int(getattr(settings, "WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT", 2)))


def max_in_flight_per_client() -> int:
    return max(1, int(getattr(settings, "WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT", 4)))


def claim(*, lease: timedelta, limit: int, endpoint_pk: int | None = None) -> list[tuple[int, str]]:
    """Lease up to `limit` due deliveries of enabled endpoints (only `endpoint_pk`'s when
    given), within each endpoint's and each client's free slots: [(delivery pk, lease
    token)], fairest first. At most five queries (lock, in-flight counts, ranked due rows,
    row locks, update)."""
    with transaction.atomic():
        serialize("webhooks.claim")
        now = timezone.now()
        pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        # Every client's attempts in flight, also for one endpoint's claim (its owner's other
        # endpoints share the client's slots).
        in_flight = list(
            pending.filter(leased_until__gt=now)
            .values("endpoint_id", "endpoint__owner_id")
            .annotate(n=Count("id"))
            .values_list("endpoint_id", "endpoint__owner_id", "n")
        )
        if endpoint_pk is not None:
            pending = pending.filter(endpoint_id=endpoint_pk)
        busy = {endpoint: n for endpoint, _, n in in_flight}
        taken: Counter[str | None] = Counter()  # by owner (ApiKey pk; None: staff)
        for _, owner, n in in_flight:
            taken[owner] += n
        cap, client_cap = max_in_flight(), max_in_flight_per_client()
        full = [endpoint for endpoint, n in busy.items() if n >= cap]
        if endpoint_pk is not None and endpoint_pk in full:
            return []  # its slots are all taken
        ranked = (
            pending.filter(next_attempt_at__lte=now, endpoint__enabled=True)
            .exclude(endpoint_id__in=full)  # a hung receiver's backlog is not even ranked
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("endpoint_id")],
                    order_by=[F("next_attempt_at").asc(), F("id").asc()],
                )
            )
            .filter(rank__lte=cap)
            .values_list("pk", "endpoint_id", "endpoint__owner_id", "rank", "next_attempt_at")
        )
        # Ordered by the slot each row would fill at its endpoint (in flight + rank): every
        # endpoint's first attempt in flight before anyone's second, also within one client.
        candidates = sorted(
            (busy.get(endpoint, 0) + rank, due, pk, owner)
            for pk, endpoint, owner, rank, due in ranked
            if rank <= cap - busy.get(endpoint, 0)
        )
        picked: list[int] = []
        for _, _, pk, owner in candidates:
            if len(picked) == limit:
                break
            if taken[owner] < client_cap:
                taken[owner] += 1
                picked.append(pk)
        order = {pk: i for i, pk in enumerate(picked)}
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(order), status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .values_list("pk", flat=True)
        )
        until = now + lease
        WebhookDelivery.objects.filter(pk__in=rows).update(
            next_attempt_at=until, leased_until=until
        )
    return [(pk, until.isoformat()) for pk in sorted(rows, key=order.__getitem__)]
