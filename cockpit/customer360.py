"""The customer 360 page's data: every domain's read-out of one customer, read only through
the domains' public read modules, as plain dataclasses for the template.

The number of queries is fixed whatever the customer holds: each list is capped
(`integrations.capped`: the first rows and the set's size in one query) and every other
read-out is one of the domains' fixed-query readers."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from customers import read as customers_read
from customers.models import Customer
from finance import read as finance_read
from integrations.capped import Capped
from integrations.clock import days_window, today
from marketing import read as marketing_read
from operations import read as operations_read
from product import read as product_read
from sales import read as sales_read

from .score_chart import ScoreChart, score_chart

ROWS = 10  # rows listed per section; the section links to the full admin list
CHART_WEEKS = 12
ADOPTION_DAYS = 30
TICKET_DAYS = 30
SURVEY_DAYS = 90


@dataclass(frozen=True, slots=True)
class Component:
    """One row of the health snapshot's components table (as stored with the snapshot)."""

    measure: str
    description: str | None
    score: float | None
    weight: float
    effective_weight: float
    inputs: tuple[tuple[str, Any], ...]
    reason: str | None


@dataclass(frozen=True, slots=True)
class Health:
    score: int | None
    grade: str | None
    computed_at: datetime | None
    as_of: date | None
    model_version: int | None
    components: tuple[Component, ...]
    explanation: str | None  # the formula
    reasons: tuple[str, ...]  # the explanation in words, worst first (customers' health reasons)
    change_30d: int | None
    direction: str | None
    chart: ScoreChart
    missing: str | None  # why there is no score


@dataclass(frozen=True, slots=True)
class Plan:
    pk: int
    view: customers_read.SuccessPlanView


@dataclass(frozen=True, slots=True)
class Customer360:
    customer: Customer
    as_of: date
    health: Health
    lifecycle: tuple[customers_read.StageChange, ...]
    lifecycle_position: customers_read.LifecyclePosition | None
    plans: tuple[Plan, ...]
    adoption: tuple[product_read.CustomerFeatureAdoption, ...]
    tickets: Capped[operations_read.TicketRow]
    ticket_summary: operations_read.TicketSummary
    surveys: operations_read.SurveySummary | None
    tasks: Capped[operations_read.TaskRow]
    contracts: Capped[finance_read.ContractRow]
    arr: Decimal | None
    invoices: Capped[finance_read.InvoiceRow]
    payment: finance_read.PaymentFacts | None
    value: finance_read.RealizedValue | None
    renewal: finance_read.RenewalProbability | None
    opportunities: tuple[finance_read.OpenOpportunity, ...]
    expansion: sales_read.ExpansionReadiness | None
    campaigns: Capped[marketing_read.CampaignMembershipRow]
    touchpoints: Capped[marketing_read.TouchpointRow]
    workflow_runs: Capped[operations_read.WorkflowRunRow]
    alerts: Capped[operations_read.AlertRow]
    escalations: Capped[operations_read.EscalationRow]
    open_interventions: operations_read.OpenInterventions
    feedback: Capped[product_read.FeedbackRow]

    @property
    def adopted_features(self) -> int:
        return sum(1 for a in self.adoption if a.adopted)

    @property
    def renewal_percent(self) -> float | None:
        """The renewal probability as a percentage, one decimal."""
        return None if self.renewal is None else round(self.renewal.probability * 100, 1)


def _health(customer: Customer) -> Health:
    detail = customers_read.health_detail(customer, weeks=CHART_WEEKS)
    components = tuple(
        Component(
            name,
            c.get("description"),
            c.get("score"),
            c.get("weight", 0.0),
            c.get("effective_weight", 0.0),
            tuple(sorted((c.get("inputs") or {}).items())),
            c.get("reason"),
        )
        for name, c in sorted(detail["components"].items())
    )
    trend = detail["trend"] or {}
    weekly = [(h["week_start"], h["score"], h["grade"]) for h in detail["history"]]
    return Health(
        score=detail["score"],
        grade=detail["grade"],
        computed_at=detail["computed_at"],
        as_of=detail["as_of"],
        model_version=detail["model_version"],
        components=components,
        explanation=detail.get("explanation"),
        reasons=tuple(detail.get("reasons", ())),
        change_30d=trend.get("change_30d"),
        direction=trend.get("direction"),
        chart=score_chart(weekly),
        missing=detail["reason"],
    )


def customer_360(customer: Customer, *, as_of: date | None = None) -> Customer360:
    """Everything the 360 page shows for one customer, as of a day (default today)."""
    day = as_of or today()
    pk = customer.pk
    pks = [pk]
    plan_pks = customers_read.success_plan_pks(pks).get(pk, ())
    plans = customers_read.success_plans(plan_pks)
    return Customer360(
        customer=customer,
        as_of=day,
        health=_health(customer),
        lifecycle=customers_read.lifecycle_histories(pks).get(pk, ()),
        lifecycle_position=customers_read.lifecycle_positions(pks).get(pk),
        plans=tuple(Plan(p, plans[p]) for p in plan_pks if p in plans),
        adoption=tuple(product_read.customer_adoption(pk, as_of=day, window_days=ADOPTION_DAYS)),
        tickets=operations_read.customer_tickets(pk, limit=ROWS),
        ticket_summary=operations_read.ticket_summaries(pks, window=days_window(day, TICKET_DAYS))[
            pk
        ],
        surveys=operations_read.survey_summaries(pks, window=days_window(day, SURVEY_DAYS)).get(pk),
        tasks=operations_read.customer_tasks(pk, limit=ROWS),
        contracts=finance_read.customer_contracts(pk, limit=ROWS),
        arr=finance_read.arr(pks).get(pk),
        invoices=finance_read.customer_invoices(pk, limit=ROWS),
        payment=finance_read.payment_status(pks, day).get(pk),
        value=finance_read.realized_value(pks, day).get(pk),
        renewal=finance_read.renewal_probabilities(pks, day).get(pk),
        opportunities=finance_read.open_opportunities(pks).get(pk, ()),
        expansion=sales_read.expansion_readiness(pks).get(pk),
        campaigns=marketing_read.campaign_memberships(pk, limit=ROWS),
        touchpoints=marketing_read.customer_touchpoints(pk, limit=ROWS),
        workflow_runs=operations_read.customer_workflow_runs(pk, limit=ROWS),
        alerts=operations_read.customer_alerts(pk, limit=ROWS),
        escalations=operations_read.customer_escalations(pk, limit=ROWS),
        open_interventions=operations_read.open_interventions(pks)[pk],
        feedback=product_read.customer_feedback(pk, limit=ROWS),
    )
