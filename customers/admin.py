from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal

from integrations.admin_support import ServiceAdmin, ServiceInline, VersionedModelAdmin, copy_saved
from integrations.history_admin import HistoryAdmin

from . import services
from .choices import CustomerStatus, MilestoneStatus, StageChangeSource
from .errors import IllegalStageTransition
from .health.admin_views import (
    HealthRescoreViews,
    HealthScoreDisplay,
    ModelVersionFilter,
    SnapshotShowFilter,
)
from .health.measures import registered_measures
from .health.rescore import customers_recompute
from .health.services import health_model_activate, health_model_save
from .models import (
    Customer,
    HealthModel,
    HealthScore,
    LifecycleChange,
    Milestone,
    Stakeholder,
    SuccessPlan,
    TeamMember,
)

AUDIT = ("created_at", "updated_at")


class StakeholderForm(forms.ModelForm):
    """A stakeholder is addressed by its email (the API's key): fixed once created."""

    class Meta:
        model = Stakeholder
        fields = ["customer", "email", "name", "role", "is_champion", "is_executive_sponsor"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("customer", "email"):
                if name in self.fields:
                    self.fields[name].disabled = True


def _changes(form: forms.ModelForm, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Only the fields the form changed, as a service's PATCH data."""
    return {f: form.cleaned_data[f] for f in form.changed_data if f in allowed}


def stakeholder_save(form: forms.ModelForm, customer: Customer) -> Stakeholder:
    """Create or update through the stakeholder services, as the API does."""
    if form.instance.pk:
        current = Stakeholder.objects.get(pk=form.instance.pk)
        data = _changes(form, services.STAKEHOLDER_FIELDS)
        return services.stakeholder_update(stakeholder=current, data=data)
    return services.stakeholder_create(customer=customer, data=form.cleaned_data)


class StakeholderInline(ServiceInline, admin.TabularInline):
    model = Stakeholder
    form = StakeholderForm
    extra = 0
    fields = ["email", "name", "role", "is_champion", "is_executive_sponsor"]


class SuccessPlanInline(admin.TabularInline):
    model = SuccessPlan
    extra = 0
    fields = ["title", "status", "start_date"]
    show_change_link = True


class LifecycleChangeInline(admin.TabularInline):
    model = LifecycleChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_stage", "to_stage", "source", "reason")
    readonly_fields = fields
    ordering = ["-changed_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LifecycleChange]:
        return super().get_queryset(request).select_related("customer")  # the rows' titles

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "customer_id",
            "name",
            "segment",
            "licensed_seats",
            "status",
            "churned_at",
            "lifecycle_stage",
            "success_manager",
        ]

    def clean_lifecycle_stage(self) -> str:
        """The transition table, checked against the stored stage as the service does (the
        service re-checks it under its lock when saving)."""
        stage: str = self.cleaned_data["lifecycle_stage"]
        current = self.instance.lifecycle_stage if self.instance.pk else None
        if current and stage != current:
            allowed = services.allowed_next_stages(current)
            if stage not in allowed:
                raise forms.ValidationError(str(IllegalStageTransition(current, stage, allowed)))
        return stage


def customer_service_data(form: forms.ModelForm, fields: list[str]) -> dict[str, Any]:
    """Form values as the customer services take them: the CSM by email."""
    data: dict[str, Any] = {f: form.cleaned_data[f] for f in fields if f in form.cleaned_data}
    if "success_manager" in data:
        member = data["success_manager"]
        data["success_manager"] = member.email if member else None
    return data


@admin.register(Customer)
class CustomerAdmin(HistoryAdmin, ServiceAdmin):
    """Saves go through customer_create / customer_update with source `admin`: the
    transition table holds, and a stage change writes its history row and event."""

    form = CustomerForm
    list_display = [
        "customer_id",
        "name",
        "segment",
        "status",
        "lifecycle_stage",
        "licensed_seats",
        "success_manager",
        "updated_at",
    ]
    list_filter = ["segment", "status", "lifecycle_stage", "success_manager"]
    search_fields = ["customer_id", "name", "stakeholders__email"]
    list_select_related = ["success_manager"]
    autocomplete_fields = ["success_manager"]
    readonly_fields = AUDIT
    inlines = [StakeholderInline, SuccessPlanInline, LifecycleChangeInline]
    list_per_page = 50
    show_full_result_count = False  # counting 100k rows on every page view is wasted work
    actions = ["recompute_health"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        """Each word matches a customer_id, a name or a stakeholder's email, the email through
        EXISTS: a join would duplicate customers and force a DISTINCT over every match, which
        then sorted them all by risk twice (1.2 s at 10,000 customers)."""
        for word in smart_split(search_term):
            if len(word) > 1 and word[0] in "\"'" and word[0] == word[-1]:
                word = unescape_string_literal(word)  # a quoted phrase, as Django's search
            emails = Stakeholder.objects.filter(customer=OuterRef("pk"), email__icontains=word)
            queryset = queryset.filter(
                Q(customer_id__icontains=word) | Q(name__icontains=word) | Exists(emails)
            )
        return queryset, False

    @admin.action(description="Recompute health now", permissions=["change"])
    def recompute_health(self, request: HttpRequest, queryset: QuerySet[Customer]) -> None:
        """Through the health services (snapshots and events, as the nightly run)."""
        summary = customers_recompute(customer_pks=queryset.values_list("pk", flat=True))
        self.message_user(request, summary.text())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # customer_id is the integrating systems' key: the API never changes it either.
        return (*AUDIT, "customer_id") if obj else AUDIT

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        if change:
            current = Customer.objects.get(pk=obj.pk)  # `obj` already holds the form's values
            saved = services.customer_update(
                customer=current,
                data=customer_service_data(form, form.changed_data),
                source=StageChangeSource.ADMIN,
                reason=f"changed in the admin by {request.user}",
            )
        else:
            saved = services.customer_create(
                data=customer_service_data(form, list(form.cleaned_data)),
                source=StageChangeSource.ADMIN,
            )
        copy_saved(saved, obj)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Stakeholder:
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            if inline in formset.deleted_forms:
                if inline.instance.pk:
                    services.stakeholder_delete(stakeholder=inline.instance)
                    formset.deleted_objects.append(inline.instance)
            elif inline.has_changed():
                saved = stakeholder_save(inline, form.instance)
                if inline.instance.pk:
                    formset.changed_objects.append((saved, inline.changed_data))
                else:
                    formset.new_objects.append(saved)


class SkillsField(forms.Field):
    """Skills as comma-separated words, never typed JSON."""

    widget = forms.TextInput

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return [part.strip() for part in str(value or "").split(",") if part.strip()]


class TeamMemberForm(forms.ModelForm):
    skills = SkillsField(required=False, help_text="Comma-separated, e.g. enterprise, onboarding")

    class Meta:
        model = TeamMember
        fields = ["email", "name", "capacity", "skills", "active", "user"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "email" in self.fields:
            self.fields["email"].disabled = True  # the API addresses a CSM by email


TEAM_MEMBER_FIELDS = ("name", "capacity", "skills", "active", "user")


@admin.register(TeamMember)
class TeamMemberAdmin(ServiceAdmin):
    """Saves (the form and the editable capacity column) go through the team member
    services."""

    form = TeamMemberForm
    list_display = [
        "email",
        "name",
        "capacity",
        "assigned_accounts",
        "skill_list",
        "active",
        "signs_in_as",
    ]
    list_editable = ["capacity"]
    list_filter = ["active", ("user", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["email", "name"]
    raw_id_fields = ["user"]
    readonly_fields = AUDIT

    @admin.display(description="Signs in as", ordering="user__username")
    def signs_in_as(self, obj: TeamMember) -> str:
        return obj.user.get_username() if obj.user else "—"

    @admin.display(description="Skills")
    def skill_list(self, obj: TeamMember) -> str:
        return ", ".join(obj.skills or [])

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeamMember]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _assigned=Count("customers", filter=Q(customers__status=CustomerStatus.ACTIVE))
            )
        )

    @admin.display(description="Assigned accounts", ordering="_assigned")
    def assigned_accounts(self, obj: TeamMember) -> int:
        return getattr(obj, "_assigned", 0)

    def save_model(self, request: HttpRequest, obj: TeamMember, form: Any, change: bool) -> None:
        if change:
            current = TeamMember.objects.get(pk=obj.pk)
            saved = services.team_member_update(
                member=current, data=_changes(form, TEAM_MEMBER_FIELDS)
            )
        else:
            data = form.cleaned_data
            saved = services.team_member_create(
                email=data["email"], **{f: data[f] for f in TEAM_MEMBER_FIELDS if f in data}
            )
        copy_saved(saved, obj)


@admin.register(Stakeholder)
class StakeholderAdmin(HistoryAdmin, ServiceAdmin):
    """Saves go through the stakeholder services, as the API's."""

    form = StakeholderForm
    list_display = ["email", "name", "role", "customer", "is_champion", "is_executive_sponsor"]
    list_filter = ["is_champion", "is_executive_sponsor"]
    search_fields = ["email", "name", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = AUDIT

    def save_model(self, request: HttpRequest, obj: Stakeholder, form: Any, change: bool) -> None:
        copy_saved(stakeholder_save(form, form.cleaned_data.get("customer") or obj.customer), obj)

    def delete_model(self, request: HttpRequest, obj: Stakeholder) -> None:
        services.stakeholder_delete(stakeholder=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Stakeholder]) -> None:
        for stakeholder in queryset:
            services.stakeholder_delete(stakeholder=stakeholder)


class MilestoneInline(ServiceInline, admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["title", "status", "due_date", "achieved_on"]


def milestone_save(form: Any, milestone: Milestone) -> Milestone:
    """An edited milestone through customers.services.milestone_update (its date rules hold
    here as in the API); a new one is a plain insert (nothing to check yet)."""
    if not milestone.pk:
        milestone.save()
        return milestone
    current = Milestone.objects.get(pk=milestone.pk)
    return services.milestone_update(
        milestone=current, data={f: form.cleaned_data[f] for f in form.changed_data}
    )


@admin.register(SuccessPlan)
class SuccessPlanAdmin(HistoryAdmin, ServiceAdmin):
    list_display = ["title", "customer", "status", "start_date", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    readonly_fields = AUDIT
    inlines = [MilestoneInline]

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not Milestone:
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline in formset.forms:
            if inline in formset.deleted_forms:
                if inline.instance.pk:
                    inline.instance.delete()
                    formset.deleted_objects.append(inline.instance)
            elif inline.has_changed():
                milestone = inline.save(commit=False)
                milestone.plan = form.instance
                existed = bool(milestone.pk)
                saved = milestone_save(inline, milestone)
                if existed:
                    formset.changed_objects.append((saved, inline.changed_data))
                else:
                    formset.new_objects.append(saved)


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin):
    """Edits go through customers.services.milestone_update, as the API's PATCH."""

    list_display = ["milestone_id", "title", "plan", "status", "due_date", "achieved_on"]
    list_filter = ["status"]
    search_fields = ["milestone_id", "title", "plan__title", "plan__customer__customer_id"]
    list_select_related = ["plan"]
    date_hierarchy = "due_date"
    actions = ["mark_achieved"]

    def save_model(self, request: HttpRequest, obj: Milestone, form: Any, change: bool) -> None:
        copy_saved(milestone_save(form, obj), obj)

    @admin.action(description="Mark selected milestones achieved (today)", permissions=["change"])
    def mark_achieved(self, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        done = already = 0
        for milestone in queryset:
            if milestone.status == MilestoneStatus.ACHIEVED:
                already += 1
                continue
            services.milestone_update(
                milestone=milestone, data={"status": MilestoneStatus.ACHIEVED}
            )
            done += 1
        text = f"Marked {done} milestone{'' if done == 1 else 's'} achieved"
        if already:
            text += f"; {already} {'was' if already == 1 else 'were'} already achieved"
        self.message_user(request, text + ".", messages.SUCCESS if done else messages.WARNING)


@admin.register(LifecycleChange)
class LifecycleChangeAdmin(admin.ModelAdmin):
    list_display = ["customer", "from_stage", "to_stage", "source", "changed_at"]
    list_filter = ["to_stage", "source"]
    search_fields = ["customer__customer_id", "customer__name", "reason"]
    list_select_related = ["customer"]
    date_hierarchy = "changed_at"
    readonly_fields = ["customer", "from_stage", "to_stage", "source", "reason", "changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class HealthModelForm(forms.ModelForm):
    class Meta:
        model = HealthModel
        fields = ["name", "weights", "critical_below", "at_risk_below", "active"]

    def clean_weights(self) -> dict[str, float]:
        """Known measures with numeric weights >= 0, one of them positive: anything else
        would fail the nightly recompute, not this save."""
        weights = self.cleaned_data["weights"]
        known = registered_measures()
        if not isinstance(weights, Mapping) or not weights:
            raise forms.ValidationError('An object of measure → weight, e.g. {"support": 0.3}.')
        unknown = sorted(set(weights) - set(known))
        if unknown:
            raise forms.ValidationError(
                f"Unknown measure(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        for name, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise forms.ValidationError(f"The weight of {name} must be a number >= 0.")
        if not any(w > 0 for w in weights.values()):
            raise forms.ValidationError("At least one weight must be above 0.")
        return dict(weights)

    def clean(self) -> Any:
        data = super().clean() or {}
        critical, at_risk = data.get("critical_below"), data.get("at_risk_below")
        if critical is not None and at_risk is not None and not critical <= at_risk <= 100:
            raise forms.ValidationError("Bands: critical_below <= at_risk_below <= 100.")
        return data


@admin.register(HealthModel)
class HealthModelAdmin(HistoryAdmin, HealthRescoreViews, VersionedModelAdmin):
    """Saves go through health_model_save: a model that has scored customers gets a new
    version instead of rewriting history; activating one deactivates the others. After a
    save the message bar offers to rescore everyone now (health_admin views)."""

    form = HealthModelForm
    list_display = ["version", "name", "active", "critical_below", "at_risk_below", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["version", "created_at"]
    actions = ["activate"]

    def save_version(self, *, data: Any, model: Any) -> Any:
        return health_model_save(data=data, model=model)

    def activate_version(self, *, model: Any) -> Any:
        return health_model_activate(model=model)

    def save_model(self, request: HttpRequest, obj: HealthModel, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.offer_rescore(request, obj)


SNAPSHOT_FIELDS = (
    "customer",
    "score",
    "grade_badge",
    "as_of",
    "computed_at",
    "model_version",
    "non_usage_score",
    "reasons_list",
    "components_table",
)


@admin.register(HealthScore)
class HealthScoreAdmin(HealthScoreDisplay, admin.ModelAdmin):
    """Snapshots are computed, never typed: read-only. The list shows each customer's latest
    snapshot unless "Show: all snapshots" is chosen."""

    list_display = [
        "customer_name",
        "customer_key",
        "score",
        "grade_badge",
        "computed_at",
        "as_of",
        "model_version",
    ]
    # A date filter, not a date hierarchy: the hierarchy's year/month links cost a DISTINCT
    # scan of every snapshot on each page view (95 ms at 10,000 customers).
    list_filter = [
        SnapshotShowFilter,
        "grade",
        ModelVersionFilter,
        ("computed_at", admin.DateFieldListFilter),
    ]
    search_fields = ["customer__customer_id", "customer__name"]
    list_select_related = ["customer"]
    show_full_result_count = False
    fields = SNAPSHOT_FIELDS
    readonly_fields = SNAPSHOT_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
