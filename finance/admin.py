from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.admin_support import IngestedAdmin, ServiceAdmin, copy_saved
from integrations.clock import today
from integrations.domain_errors import DomainError
from integrations.history_admin import HistoryAdmin

from . import selectors
from .bulk_schema import MAX_AMOUNT, closing_problems
from .models import (
    Contract,
    ExpansionOpportunity,
    Forecast,
    ForecastLine,
    Invoice,
    RenewalModelVersion,
    ValueRecord,
    annual_value_of,
)
from .renewals.admin import RenewalModelVersionAdmin
from .services import (
    contract_save,
    invoices_ingest,
    opportunities_ingest,
    value_records_ingest,
)

AUDIT = ("created_at", "updated_at")


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "contract_id",
            "customer",
            "start_date",
            "end_date",
            "value",
            "term",
            "status",
            "renewed_from",
        ]

    def clean(self) -> Any:
        data = super().clean() or {}
        value, term = data.get("value"), data.get("term")
        if value is not None and term and annual_value_of(value, term) > MAX_AMOUNT:
            raise forms.ValidationError(
                f"The annual value (value x 12 / term months) must be at most {MAX_AMOUNT}."
            )
        return data


@admin.register(Contract)
class ContractAdmin(HistoryAdmin, ServiceAdmin):
    """Saves go through contract_save, which derives the annual value as ingestion does."""

    money_fields = ("value",)

    form = ContractForm
    list_display = [
        "contract_id",
        "customer",
        "status",
        "term",
        "start_date",
        "end_date",
        "value",
        "annual_value",
        "renewed_from",
    ]
    list_filter = ["status", "term", "customer__segment"]
    search_fields = ["contract_id", "customer__customer_id", "customer__name"]
    list_select_related = ["customer", "renewed_from"]
    raw_id_fields = ["customer", "renewed_from"]
    date_hierarchy = "end_date"
    readonly_fields = ("annual_value", *AUDIT)
    list_per_page = 50
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # contract_id is the finance system's key: ingestion never changes it either.
        return (*self.readonly_fields, "contract_id") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = contract_save(
            data={f: data[f] for f in (form.changed_data if change else data)},
            contract=Contract.objects.get(pk=obj.pk) if change else None,
        )
        copy_saved(saved, obj)


class PaidFilter(admin.SimpleListFilter):
    title = "payment"
    parameter_name = "paid"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Paid"), ("no", "Unpaid")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        if self.value() == "yes":
            return queryset.filter(paid_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(paid_at__isnull=True)
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(IngestedAdmin):
    money_fields = ("amount",)
    natural_key = ("invoice_id",)

    ingest_service = invoices_ingest

    list_display = ["invoice_id", "customer", "issued_on", "due_on", "amount", "paid_at"]
    list_filter = [PaidFilter, "customer__segment", "due_on"]
    search_fields = ["invoice_id", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "issued_on"
    readonly_fields = AUDIT
    list_per_page = 50
    show_full_result_count = False


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = ExpansionOpportunity
        fields = [
            "opportunity_id",
            "customer",
            "type",
            "product",
            "value",
            "probability",
            "expected_close",
            "status",
            "closed_value",
            "closed_on",
            "source",
        ]

    def clean(self) -> Any:
        """The closing fields agree with the status, as in bulk ingestion (bulk_schema)."""
        data = super().clean() or {}
        if "status" in data:
            closing = {n: data.get(n) for n in ("status", "closed_value", "closed_on")}
            for name, _code, detail in closing_problems(closing):
                self.add_error(name, detail)
        return data


@admin.register(ExpansionOpportunity)
class OpportunityAdmin(IngestedAdmin):
    """Saves are one-item batches through opportunities_ingest (so `opportunity.won` is
    published as ingestion publishes it); whole rows, so the status and its closing fields
    are always written together."""

    money_fields = ("value", "closed_value")
    natural_key = ("opportunity_id",)
    full_rows = True

    ingest_service = opportunities_ingest

    form = OpportunityForm
    list_display = [
        "opportunity_id",
        "customer",
        "type",
        "product",
        "status",
        "value",
        "probability",
        "expected_close",
        "closed_value",
        "closed_on",
        "source",
    ]
    list_filter = ["status", "type", "source", "customer__segment", "expected_close_date"]
    search_fields = ["opportunity_id", "product", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "expected_close_date"
    readonly_fields = ("expected_close_date", *AUDIT)
    list_per_page = 50
    show_full_result_count = False


@admin.register(ValueRecord)
class ValueRecordAdmin(IngestedAdmin):
    money_fields = ("amount",)
    natural_key = ("record_id",)

    ingest_service = value_records_ingest

    list_display = ["record_id", "customer", "date", "category", "amount", "recorded_by"]
    list_filter = ["category", "customer__segment", "date"]
    search_fields = ["record_id", "customer__customer_id", "customer__name", "recorded_by"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    date_hierarchy = "date"
    readonly_fields = AUDIT
    list_per_page = 50
    show_full_result_count = False


FORECAST_LINE_FIELDS = (
    "position",
    "customer",
    "renewal_probability",
    "expansion_probability",
    "expansion_value",
    "risk_factors",
    "arr",
    "expected_renewal",
    "expected_expansion",
    "model_renewal_probability",
    "model_version",
)


class ForecastLineInline(admin.TabularInline):
    model = ForecastLine
    fields = FORECAST_LINE_FIELDS
    readonly_fields = FORECAST_LINE_FIELDS
    can_delete = False
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[ForecastLine]:
        return super().get_queryset(request).select_related("customer")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    """Read-only: forecasts are submitted through the API, one version per submission."""

    list_display = ["forecast_id", "period", "version", "submitted_at", "total", "submitted_total"]
    list_filter = ["period"]
    search_fields = ["forecast_id", "period"]
    inlines = [ForecastLineInline]
    readonly_fields = [
        "forecast_id",
        "period",
        "version",
        "submitted_at",
        "submitted_by",
        "submitted_total",
        "submitted_risk_adjusted",
        "confidence_level",
        "expected_renewal",
        "expected_expansion",
        "total",
        "risk_adjusted",
        "accuracy",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Accuracy")
    def accuracy(self, obj: Forecast) -> str:
        try:
            found = selectors.forecast_accuracy(obj, today())
        except DomainError as exc:
            return exc.text()
        total, brier = found["total"], found["brier_score"]
        percent = "n/a" if total["percent"] is None else f"{total['percent']:.1f} %"
        score = "n/a" if brier is None else f"{brier:.4f}"
        return (
            f"forecast {total['forecast']:.0f}, actual {total['actual']:.0f}, absolute error "
            f"{total['absolute_error']:.0f} ({percent}); Brier score {score} over "
            f"{found['decided_contracts']} decided contract(s)"
        )


admin.site.register(RenewalModelVersion, RenewalModelVersionAdmin)
