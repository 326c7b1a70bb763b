"""Health measures owned by operations: `support`, `sentiment` and `engagement`.

Each runs a fixed number of aggregate queries for any number of customers (one to three),
never one per customer. Days end at midnight in the deployment's time zone.
"""

from collections.abc import Sequence
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet, Sum

from customers.health.measures import MeasureValue, clamp
from customers.read import scorable_customers, stakeholder_coverage
from integrations.clock import days_window, local_day, local_day_end
from integrations.rounding import round_half_up

from .choices import OPEN_TICKET_STATUSES, SurveyKind, TicketPriority
from .models import SupportTicket, SurveyResponse, Task

SUPPORT_DOC = """\
support = max(0, 100 - open_penalty - trend_penalty), where
open_penalty = min(60, 15 x open high-priority tickets + 25 x open urgent tickets), open meaning
status open or pending and opened on or before the scoring day, and
trend_penalty = 40 x clamp(g, 0, 1) with growth g = (last30 - prior30) / max(prior30, 1),
last30 = tickets opened in (as_of - 30d, as_of], prior30 = tickets opened in
(as_of - 60d, as_of - 30d]. Customers without tickets score 100. No ticket opened anywhere in
the deployment in the last 365 days: no data for anyone (the support feed is not connected)."""

SENTIMENT_DOC = """\
sentiment over the survey responses answered in (as_of - 180d, as_of]:
nps_component = the average of 100 per promoter (9-10), 50 per passive (7-8) and 0 per
detractor (0-6); csat_component = the average of (score - 1) / 4 x 100 over CSAT answers (1-5).
Both present: 0.6 x nps_component + 0.4 x csat_component; one present: that one; no responses
in the window: no data. The classic NPS (% promoters - % detractors) and the CSAT mean are
reported beside it."""

ENGAGEMENT_DOC = """\
engagement = 0.6 x touch + 0.4 x coverage, where touch = 100 x clamp((90 - d) / 76, 0, 1) and d
= days since the last completed CSM task (max completed_at on or before the scoring day): 14
days or fewer = 100, 90 or more = 0, never = 0; coverage = 40 if a champion stakeholder + 40 if
an executive sponsor + 20 if 3 or more stakeholders. Customers with neither any task nor any
stakeholder: no data."""


def _for(rows: QuerySet, customer_pks: Sequence[int] | None) -> QuerySet:
    rows = rows.order_by()  # GROUP BY the customer only
    return rows if customer_pks is None else rows.filter(customer_id__in=customer_pks)


def support_growth(last: int, prior: int) -> float:
    """The one support growth formula: (tickets opened in the last window - in the window
    before) ÷ max(the window before, 1); with none before, each new ticket counts +100%."""
    return (last - prior) / max(prior, 1)


# --- support ------------------------------------------------------------------------------


def support(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    end = local_day_end(as_of)
    if not SupportTicket.objects.filter(days_window(as_of, 365).instants("opened_at")).exists():
        return {}
    last = days_window(as_of, 30)
    prior_start = last.prior().start
    is_open = Q(status__in=OPEN_TICKET_STATUSES)
    rows = (
        _for(SupportTicket.objects.all(), customer_pks)
        .filter(opened_at__lt=end)
        .filter(is_open | Q(opened_at__gte=prior_start))
        .values("customer_id")
        .annotate(
            open_high=Count("id", filter=is_open & Q(priority=TicketPriority.HIGH)),
            open_urgent=Count("id", filter=is_open & Q(priority=TicketPriority.URGENT)),
            last30=Count("id", filter=last.instants("opened_at")),
            prior30=Count("id", filter=last.prior().instants("opened_at")),
        )
    )
    counts = {row["customer_id"]: row for row in rows}
    if customer_pks is None:  # everyone scorable on the day, churned later or not (D2)
        targets: Sequence[int] = list(scorable_customers(as_of).values_list("pk", flat=True))
    else:
        targets = customer_pks
    empty = {"open_high": 0, "open_urgent": 0, "last30": 0, "prior30": 0}
    result: dict[int, MeasureValue] = {}
    for pk in targets:
        row = counts.get(pk, empty)
        open_high, open_urgent = row["open_high"], row["open_urgent"]
        last30, prior30 = row["last30"], row["prior30"]
        open_penalty = min(60, 15 * open_high + 25 * open_urgent)
        growth = support_growth(last30, prior30)
        trend_penalty = 40 * clamp(growth)
        result[pk] = MeasureValue(
            score=round_half_up(max(0.0, 100 - open_penalty - trend_penalty), 2),
            inputs={
                "open_high_tickets": open_high,
                "open_urgent_tickets": open_urgent,
                "open_penalty": open_penalty,
                "tickets_last_30d": last30,
                "tickets_prior_30d": prior30,
                "ticket_growth": round_half_up(growth, 4),
                "trend_penalty": round_half_up(trend_penalty, 2),
            },
        )
    return result


# --- sentiment ----------------------------------------------------------------------------


def sentiment(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    nps, csat = Q(kind=SurveyKind.NPS), Q(kind=SurveyKind.CSAT)
    rows = (
        _for(SurveyResponse.objects.all(), customer_pks)
        .filter(days_window(as_of, 180).instants("answered_at"))
        .values("customer_id")
        .annotate(
            nps_responses=Count("id", filter=nps),
            promoters=Count("id", filter=nps & Q(score__gte=9)),
            passives=Count("id", filter=nps & Q(score__gte=7, score__lte=8)),
            detractors=Count("id", filter=nps & Q(score__lte=6)),
            csat_responses=Count("id", filter=csat),
            csat_sum=Sum("score", filter=csat),
        )
    )
    result: dict[int, MeasureValue] = {}
    for row in rows:
        n_nps, n_csat = row["nps_responses"], row["csat_responses"]
        promoters, passives, detractors = row["promoters"], row["passives"], row["detractors"]
        nps_component = nps_score = csat_component = csat_mean = None
        if n_nps:
            nps_component = (100 * promoters + 50 * passives) / n_nps
            nps_score = round_half_up(100 * (promoters - detractors) / n_nps)
        if n_csat:
            csat_total = row["csat_sum"]
            csat_mean = csat_total / n_csat
            csat_component = 100 * (csat_total - n_csat) / (4 * n_csat)
        # Both present: 0.6 / 0.4; one present: that one alone.
        parts = [(w, c) for w, c in ((0.6, nps_component), (0.4, csat_component)) if c is not None]
        if not parts:
            continue
        score = parts[0][1] if len(parts) == 1 else sum(w * c for w, c in parts)
        result[row["customer_id"]] = MeasureValue(
            score=round_half_up(score, 2),
            inputs={
                "nps_responses": n_nps,
                "promoters": promoters,
                "passives": passives,
                "detractors": detractors,
                "nps": nps_score,
                "csat_responses": n_csat,
                "csat_mean": None if csat_mean is None else round_half_up(csat_mean, 2),
                "nps_component": None if nps_component is None else round_half_up(nps_component, 2),
                "csat_component": None
                if csat_component is None
                else round_half_up(csat_component, 2),
            },
        )
    return result


# --- engagement ---------------------------------------------------------------------------


def engagement(customer_pks: Sequence[int] | None, as_of: date) -> dict[int, MeasureValue]:
    end = local_day_end(as_of)
    tasks = {
        row["customer_id"]: row
        for row in _for(Task.objects.all(), customer_pks)
        .values("customer_id")
        .annotate(tasks=Count("id"), last_touch=Max("completed_at", filter=Q(completed_at__lt=end)))
    }
    people = stakeholder_coverage(customer_pks)
    result: dict[int, MeasureValue] = {}
    for pk in tasks.keys() | people.keys():
        task_row = tasks.get(pk, {})
        last_touch: datetime | None = task_row.get("last_touch")
        touch_day = None if last_touch is None else local_day(last_touch)
        days_since = None if touch_day is None else (as_of - touch_day).days
        touch = 0.0 if days_since is None else 100 * clamp((90 - days_since) / 76)
        coverage_row = people.get(pk)
        stakeholders = coverage_row.stakeholders if coverage_row else 0
        has_champion = bool(coverage_row and coverage_row.has_champion)
        has_sponsor = bool(coverage_row and coverage_row.has_executive_sponsor)
        coverage = 40 * has_champion + 40 * has_sponsor + 20 * (stakeholders >= 3)
        result[pk] = MeasureValue(
            score=round_half_up(0.6 * touch + 0.4 * coverage, 2),
            inputs={
                "tasks": task_row.get("tasks", 0),
                "last_touch_on": None if touch_day is None else touch_day.isoformat(),
                "days_since_last_touch": days_since,
                "touch": round_half_up(touch, 2),
                "stakeholders": stakeholders,
                "has_champion": has_champion,
                "has_executive_sponsor": has_sponsor,
                "coverage": coverage,
            },
        )
    return result
