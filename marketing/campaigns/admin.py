"""Campaign admin (README "Marketing: campaigns"): campaigns are created by the API and read
here, with the impact read-out and the members of each group; priors are edited here."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from integrations.admin_support import ServiceAdmin, copy_saved

from ..choices import MemberGroup
from ..models import Campaign, CampaignMember, CampaignTypePrior
from ..signals.segments import known_segments
from . import selectors
from .selectors import campaign_impact
from .services import campaign_type_prior_save

INLINE_LIMIT = 50
MEMBER_FIELDS = [
    "customer",
    "group",
    "segments",
    "baseline_score",
    "baseline_grade",
    "baseline_computed_at",
    "baseline_events_30d",
]


class FinishedFilter(admin.SimpleListFilter):
    title = "finished"
    parameter_name = "finished"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Finished (window ended)"), ("no", "Running")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return selectors.finished(queryset)
        if self.value() == "no":
            return selectors.running(queryset)
        return queryset


class _MembersInline(admin.TabularInline):
    """This campaign's first INLINE_LIMIT members of one group (by customer_id); the title
    says how many there are and the impact read-out links to the full filtered list."""

    model = CampaignMember
    group = ""
    label = ""
    fields = tuple(MEMBER_FIELDS)
    readonly_fields = tuple(MEMBER_FIELDS)
    extra = 0
    can_delete = False
    show_change_link = False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # One inline instance per request (ModelAdmin.get_inline_instances): the title counts.
        total = 0 if obj is None else getattr(obj, f"{self.group}_count")
        self.verbose_name_plural = (
            f"{self.label}: the first {min(total, INLINE_LIMIT)} of {total} by customer_id "
            "(all of them: Audience, Members)"
        )
        return super().get_formset(request, obj, **kwargs)

    def members(self, campaign: Campaign) -> QuerySet[CampaignMember]:
        """This campaign's first INLINE_LIMIT of the group: narrowed to the campaign BEFORE
        the slice (a slice over every campaign's members showed a few or none)."""
        rows = CampaignMember.objects.filter(campaign=campaign, group=self.group)
        first = rows.order_by("customer__customer_id").values_list("pk", flat=True)
        return (
            rows.filter(pk__in=list(first[:INLINE_LIMIT]))
            .select_related("customer")
            .order_by("customer__customer_id")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TreatedInline(_MembersInline):
    group = MemberGroup.TREATED
    label = "Treated members (the send list)"
    verbose_name_plural = label


class HoldoutInline(_MembersInline):
    group = MemberGroup.HOLDOUT
    label = "Holdout members (never sent to)"
    verbose_name_plural = label


def segment_registry_html() -> str:
    rows = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
        ((s.name, s.kind, s.description) for s in known_segments()),
    )
    return format_html(
        "<table><tr><th>segment</th><th>kind</th><th>definition</th></tr>{}</table>", rows
    )


# The campaign as requested (the detail page's first section; all read-only).
DETAILS = (
    "campaign_id",
    "name",
    "external_campaign_id",
    "trigger_type",
    "campaign_type",
    "segments",
    "match",
    "holdout_fraction",
    "measurement_window_days",
    "created_at",
    "ends_at",
    "finalized_at",
)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read-only: POST /api/v1/cs-marketing/campaigns creates campaigns (with their members
    and holdout); the daily sweep freezes the impact of finished ones."""

    list_display = [
        "campaign_id",
        "name",
        "campaign_type",
        "trigger_type",
        "size",
        "treated_count",
        "holdout_count",
        "created_at",
        "ends_at",
        "finalized_at",
    ]
    list_filter = ["campaign_type", "trigger_type", FinishedFilter]
    search_fields = ["campaign_id", "name", "external_campaign_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [TreatedInline, HoldoutInline]
    fieldsets = [
        (None, {"fields": DETAILS}),
        ("Audience", {"fields": ["size", "treated_count", "holdout_count", "members_links"]}),
        ("Estimated impact (at creation)", {"fields": ["estimated_impact"]}),
        ("Measured impact", {"fields": ["impact_readout"]}),
        ("Segment registry", {"fields": ["segment_registry"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        *DETAILS,
        "size",
        "treated_count",
        "holdout_count",
        "members_links",
        "estimated_impact",
        "impact_readout",
        "segment_registry",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a record of what was sent (README): never deleted, nor its members

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, _MembersInline) and obj is not None and obj.pk:
            kwargs["queryset"] = inline.members(obj)
        return kwargs

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # The registry in a collapsible block under the list (the template), not the title.
        extra = {**(extra_context or {}), "segment_registry": segment_registry_html()}
        return super().changelist_view(request, extra)

    @admin.display(description="Members")
    def members_links(self, obj: Campaign) -> str:
        url = reverse("admin:marketing_campaignmember_changelist")
        return format_html_join(
            " · ",
            '<a href="{}?campaign__id__exact={}&group__exact={}">all {} members ({})</a>',
            (
                (url, obj.pk, MemberGroup.TREATED, "treated", obj.treated_count),
                (url, obj.pk, MemberGroup.HOLDOUT, "holdout", obj.holdout_count),
            ),
        )

    @admin.display(description="Treated vs holdout")
    def impact_readout(self, obj: Campaign) -> str:
        impact = campaign_impact(obj)
        t, h, lift = impact["treated"], impact["holdout"], impact["lift"]
        rows = [
            ("members", t["n"], h["n"], ""),
            ("retention rate", t["retention_rate"], h["retention_rate"], lift["retention_pp"]),
            (
                "mean health change (n with health)",
                f"{t['mean_health_change']} ({t['n_with_health']})",
                f"{h['mean_health_change']} ({h['n_with_health']})",
                lift["health_change_points"],
            ),
            ("expansion revenue", t["expansion_revenue"], h["expansion_revenue"], ""),
            (
                "expansion revenue per member",
                t["expansion_revenue_per_member"],
                h["expansion_revenue_per_member"],
                lift["expansion_revenue_per_member"],
            ),
            (
                "engagement ratio (events 30d ÷ baseline)",
                t["engagement_ratio"],
                h["engagement_ratio"],
                lift["engagement_pct"],
            ),
        ]
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        reasons = format_html_join("", "<li>{}: {}</li>", sorted(impact["lift_reasons"].items()))
        state = "final (frozen)" if impact["final"] else "so far"
        return format_html(
            "<p>Measured {} at {}.</p><table><tr><th></th><th>treated</th><th>holdout</th>"
            "<th>lift</th></tr>{}</table><ul>{}</ul>",
            state,
            impact["measured_at"],
            body,
            reasons,
        )

    @admin.display(description="Known segments")
    def segment_registry(self, obj: Campaign) -> str:
        return segment_registry_html()


@admin.register(CampaignMember)
class CampaignMemberAdmin(admin.ModelAdmin):
    """Read-only: members are materialised when the campaign is created."""

    list_display = ["campaign", *MEMBER_FIELDS]
    list_filter = ["group", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["customer__customer_id", "customer__name", "campaign__campaign_id"]
    list_select_related = ["campaign", "customer"]
    show_full_result_count = False
    readonly_fields = ["campaign", *MEMBER_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CampaignTypePrior)
class CampaignTypePriorAdmin(ServiceAdmin):
    """The expected impact of a campaign type before any of it finished (README). Saves go
    through campaign_type_prior_save; every type keeps its row (seeded by a migration)."""

    list_display = [
        "campaign_type",
        "retention_improvement_low",
        "retention_improvement_high",
        "engagement_lift",
        "updated_at",
    ]
    fields = [
        "campaign_type",
        "retention_improvement_low",
        "retention_improvement_high",
        "engagement_lift",
        "note",
        "updated_at",
    ]
    readonly_fields = ["updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["campaign_type", "updated_at"] if obj else ["updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            current = CampaignTypePrior.objects.get(pk=obj.pk)
            data = {f: form.cleaned_data[f] for f in form.changed_data}
        else:
            current, data = obj, dict(form.cleaned_data)
        copy_saved(campaign_type_prior_save(prior=current, data=data), obj)
