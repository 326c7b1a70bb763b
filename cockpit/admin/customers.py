"""The customer list and page as a CS manager meets them: the domains' customer admin,
extended with what the higher domains compute (risk columns, bulk actions)."""

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from customers import read as customers_read
from customers.admin import CustomerAdmin
from customers.models import Customer
from integrations.clock import today
from integrations.money import whole_units
from integrations.rounding import round_half_up

from .. import risk
from .customer_360_view import customer_360_view
from .customer_actions import assign_csm, start_workflow
from .risk_filters import GradeFilter, RenewalWithinFilter, TrendFilter

ARROWS = {"declining": "▼", "stable": "—", "improving": "▲"}
GRADE_COLOURS = {"critical": "#b42318", "at_risk": "#b54708", "healthy": "#067647"}
PROBABILITY_HELP = (
    "The finance renewal model's probability that the next-ending active contract renews, "
    "computed for the customers of this page only: not sortable."
)


class RiskChangeList(ChangeList):
    """Scores the renewal probability of the page's customers only (after the one rows query),
    and keeps customers without a value last whichever way a column is sorted."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        if not self.params.get(ORDER_VAR):
            return risk.worst_first()  # total: it ends with customer_id
        ordering = super().get_ordering(request, queryset)  # then worst first (get_queryset)
        for item in ordering:
            if isinstance(item, OrderBy) and item.nulls_first:
                item.nulls_first, item.nulls_last = None, True  # type: ignore[assignment]
        return ordering

    def get_ordering_field_columns(self) -> dict[int, Literal["desc", "asc"]]:
        if not self.params.get(ORDER_VAR):  # the default: the health column, ascending
            return {self.list_display.index("health"): "asc"}
        return super().get_ordering_field_columns()

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = ScoredPage(self.result_list)


class ScoredPage:
    """The page's rows, each with `renewal` (the finance model's probability, or None), read
    and scored on first use: an action POST builds the change list without showing it."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._source = rows
        self._rows: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._rows is None:
            rows = list(self._source)
            scores = risk.page_renewal_probabilities([c.pk for c in rows], today())
            for customer in rows:
                customer.renewal = scores.get(customer.pk)
            self._rows = rows
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]


class CockpitCustomerAdmin(CustomerAdmin):
    """customers' own admin (saves through its services), re-registered by the cockpit; the
    list is risk first: worst current health first, customers without a score last."""

    list_display = [
        "customer_id",
        "name",
        "health",
        "change_30d",
        "arr",
        "next_renewal",
        "renewal_probability",
        "success_manager",
        "lifecycle_stage",
        "view_360",
    ]
    list_filter = [
        GradeFilter,
        TrendFilter,
        RenewalWithinFilter,
        "success_manager",
        "segment",
        "status",
        "lifecycle_stage",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Worst first here and in RiskChangeList, not in `ordering`: other admins order their
        # customer choices by `ordering`, on querysets without these annotations.
        rows = risk.risk_rows(super().get_queryset(request), today())
        return rows.order_by(*risk.worst_first())

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RiskChangeList

    @admin.display(description="health", ordering=F("health_score").asc(nulls_last=True))
    def health(self, obj: Any) -> str:
        if obj.health_score is None:
            return "—"
        colour = GRADE_COLOURS.get(obj.health_grade, "#475467")
        return format_html(
            '<span style="background:{};color:#fff;padding:1px 6px;border-radius:8px">'
            "{} · {}</span>",
            colour,
            obj.health_score,
            obj.health_grade.replace("_", " "),
        )

    @admin.display(
        description="30-day change", ordering=F("health_change_30d").asc(nulls_last=True)
    )
    def change_30d(self, obj: Any) -> str:
        change = obj.health_change_30d
        if change is None:
            return "—"
        # The arrow is the trend direction (±5 points), the filter's and the read-out's.
        arrow = ARROWS[customers_read.change_direction(change) or "stable"]
        sign = "+" if change > 0 else "−" if change < 0 else ""  # a minus sign, as the reasons
        return f"{arrow} {sign}{abs(change)}"

    @admin.display(description="ARR", ordering=F("arr").asc(nulls_last=True))
    def arr(self, obj: Any) -> str:
        return "—" if obj.arr is None else f"{whole_units(obj.arr):,}"

    @admin.display(description="next renewal", ordering=F("next_renewal").asc(nulls_last=True))
    def next_renewal(self, obj: Any) -> str:
        return "—" if obj.next_renewal is None else obj.next_renewal.isoformat()

    @admin.display(
        description=format_html('<span title="{}">renewal probability</span>', PROBABILITY_HELP)
    )
    def renewal_probability(self, obj: Any) -> str:
        renewal = getattr(obj, "renewal", None)
        return "—" if renewal is None else f"{round_half_up(renewal.probability * 100, 1)} %"

    def get_urls(self) -> list[URLPattern]:
        # Before the stock patterns: their catch-all `<path:object_id>/` would take "360/".
        def view(request: HttpRequest, object_id: str) -> Any:
            return customer_360_view(self, request, object_id)

        name = f"{self.opts.app_label}_{self.opts.model_name}_360"
        own = [path("<path:object_id>/360/", self.admin_site.admin_view(view), name=name)]
        return own + super().get_urls()

    @admin.display(description="360")
    def view_360(self, obj: Customer) -> str:
        """A link to the customer's 360 page (a list column)."""
        url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_360",
            args=[obj.pk],
        )
        return format_html('<a href="{}">360 view</a>', url)

    actions = [
        *CustomerAdmin.actions,
        assign_csm,
        start_workflow,
    ]


admin.site.unregister(Customer)
admin.site.register(Customer, CockpitCustomerAdmin)
