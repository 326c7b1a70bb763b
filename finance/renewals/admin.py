"""The renewal model in the admin (README, "Finance: renewal model"): versions with their
hold-out scores, the prior's coefficients editable (saved through renewal_prior_update), the
active version chosen with the "Make active" action (renewal_model_activate). Fitted versions
are read-only: they are what the data said. Registered by finance/admin.py."""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from integrations.admin_support import ServiceAdmin, copy_saved
from integrations.domain_errors import DomainError

from ..choices import RenewalModelKind
from ..models import RenewalModelEvaluation, RenewalModelVersion
from .prior import prior_problems
from .services import renewal_model_activate, renewal_prior_update


def _number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> SafeString:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def terms_table(terms: Iterable[Mapping[str, Any]]) -> SafeString:
    return _table(
        ("feature", "coefficient (per standard unit)", "mean", "scale"),
        (
            (t.get("feature"), _number(t.get("coefficient")), _number(t.get("mean")),
             _number(t.get("scale")))
            for t in terms
        ),
    )  # fmt: skip


def calibration_table(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    return _table(
        ("decile", "probabilities", "predicted mean", "observed rate", "count"),
        (
            (r["decile"], _bin(r["decile"]),
             _number(r["predicted_mean"]), _number(r["observed_rate"]), r["count"])
            for r in rows
        ),
    )  # fmt: skip


def _bin(decile: int) -> str:
    """[0.0, 0.1) .. [0.9, 1.0]: the last bin includes 1."""
    return f"[{(decile - 1) / 10:.1f}, {decile / 10:.1f}{']' if decile == 10 else ')'}"


class PrettyJSONField(forms.JSONField):
    """One term per line, so the prior's terms read (and edit) as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=1, ensure_ascii=False)


class PriorForm(forms.ModelForm):
    intercept = forms.FloatField(help_text="Log-odds of renewal for a customer at every mean.")
    terms = PrettyJSONField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90}),
        help_text="Every feature once: coefficient (per standard unit), mean, scale (> 0). "
        "A term adds coefficient × (value − mean) / scale to the log-odds.",
    )

    class Meta:
        model = RenewalModelVersion
        fields = ["intercept", "terms"]

    def clean(self) -> Any:
        """The service's own rules, shown on the fields before anything is saved."""
        data = super().clean() or {}
        if "intercept" in data and "terms" in data:
            for field, problem in prior_problems(data["intercept"], data["terms"]):
                self.add_error(field, problem)
        return data


EVALUATION_FIELDS = (
    "evaluated_at",
    "holdout",
    "sample_size",
    "renewed",
    "brier_score",
    "log_loss",
    "auc",
    "baseline_brier_score",
    "calibration_table",
)


class EvaluationInline(admin.TabularInline):
    model = RenewalModelEvaluation
    fields = EVALUATION_FIELDS
    readonly_fields = EVALUATION_FIELDS
    can_delete = False
    extra = 0
    verbose_name = "hold-out evaluation"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="hold-out decisions")
    def holdout(self, obj: RenewalModelEvaluation) -> str:
        return f"{obj.holdout_from} … {obj.holdout_until}"

    @admin.display(description="calibration (by probability decile)")
    def calibration_table(self, obj: RenewalModelEvaluation) -> SafeString:
        return calibration_table(obj.calibration)


def _latest(field: str) -> Subquery:
    rows = RenewalModelEvaluation.objects.filter(model_version=OuterRef("pk"))
    return Subquery(rows.order_by("-evaluated_at", "-pk").values(field)[:1])


class RenewalModelVersionAdmin(ServiceAdmin):
    list_display = [
        "version",
        "kind",
        "is_active",
        "training_size",
        "trained_range",
        "holdout_brier",
        "holdout_auc",
        "created_at",
    ]
    list_filter = ["kind", "is_active"]
    inlines = [EvaluationInline]
    actions = ["make_active"]
    readonly_fields = [
        "version",
        "kind",
        "activation",
        "terms_readable",
        "library",
        "training_size",
        "trained_from",
        "trained_until",
        "notes",
        "created_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RenewalModelVersion]:
        # The latest hold-out scores in the same query as the versions (no query per row).
        return (
            super()
            .get_queryset(request)
            .annotate(latest_brier=_latest("brier_score"), latest_auc=_latest("auc"))
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is not None and obj.kind == RenewalModelKind.PRIOR:
            kwargs["form"] = PriorForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = ["intercept", "terms"] if self._is_prior(obj) else ["intercept"]
        return [*self.readonly_fields[:3], *editable, *self.readonly_fields[3:]]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if self._is_prior(obj) else [*self.readonly_fields, "intercept"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # fitted by renewal_model_fit; the prior is seeded

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # evaluations and published scores refer to versions

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not self._is_prior(obj):
            return False  # a fitted version is what the data said: read-only
        return super().has_change_permission(request, obj)

    @staticmethod
    def _is_prior(obj: Any) -> bool:
        return obj is not None and obj.kind == RenewalModelKind.PRIOR

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not form.changed_data:
            return
        saved = renewal_prior_update(
            intercept=form.cleaned_data["intercept"], terms=form.cleaned_data["terms"]
        )
        copy_saved(saved, obj)

    @admin.display(description="trained on decisions")
    def trained_range(self, obj: RenewalModelVersion) -> str:
        if obj.trained_from is None:
            return "—"
        return f"{obj.trained_from} … {obj.trained_until}"

    @admin.display(description="hold-out Brier")
    def holdout_brier(self, obj: Any) -> str:
        return _number(obj.latest_brier)

    @admin.display(description="hold-out AUC")
    def holdout_auc(self, obj: Any) -> str:
        return _number(obj.latest_auc)

    @admin.display(description="terms")
    def terms_readable(self, obj: RenewalModelVersion) -> SafeString:
        return format_html("intercept {}{}", _number(obj.intercept), terms_table(obj.terms or []))

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_make_active"
        view = self.admin_site.admin_view(self.make_active_view)
        return [path("<path:object_id>/make-active/", view, name=name), *super().get_urls()]

    @admin.display(description="active")
    def activation(self, obj: RenewalModelVersion) -> SafeString:
        """The page's "Make active" button: it posts the page's form (and its CSRF token) to
        the make-active view; edits not saved yet are not saved by it."""
        if obj.is_active:
            return format_html("{}", "Yes: this version scores renewals.")
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_make_active", args=[obj.pk]
        )
        return format_html(
            '<button type="submit" class="button" formaction="{}" formnovalidate>Make active'
            "</button>",
            url,
        )

    def make_active_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not super().has_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            self.message_user(request, "No such renewal model version.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:finance_renewalmodelversion_changelist"))
        try:
            renewal_model_activate(version=obj.version)
            self.message_user(request, f"Version {obj.version} is now active.")
        except DomainError as exc:
            self.message_user(request, exc.text(), messages.ERROR)
        return HttpResponseRedirect(
            reverse("admin:finance_renewalmodelversion_change", args=[obj.pk])
        )

    @admin.action(description="Make active", permissions=["change"])
    def make_active(self, request: HttpRequest, queryset: QuerySet[RenewalModelVersion]) -> None:
        chosen = list(queryset.values_list("version", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, "Select exactly one version to make active.", messages.ERROR)
            return
        renewal_model_activate(version=chosen[0])
        self.message_user(request, f"Version {chosen[0]} is now active.")
