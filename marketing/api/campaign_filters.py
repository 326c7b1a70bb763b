"""Filters of the campaign lists (README "Marketing: campaigns")."""

import django_filters
from django.db.models import QuerySet

from ..campaigns.selectors import finished, running
from ..choices import CampaignStatus, CampaignType, MemberGroup, TriggerType
from ..models import Campaign, CampaignMember


class CampaignFilter(django_filters.FilterSet):
    campaign_type = django_filters.ChoiceFilter(choices=CampaignType.choices)
    trigger_type = django_filters.ChoiceFilter(choices=TriggerType.choices)
    status = django_filters.ChoiceFilter(
        choices=CampaignStatus.choices,
        method="filter_status",
        help_text="running: ends_at still ahead; finished: the window has ended.",
    )

    class Meta:
        model = Campaign
        fields = ["campaign_type", "trigger_type", "status"]

    def filter_status(
        self, queryset: QuerySet[Campaign], name: str, value: str
    ) -> QuerySet[Campaign]:
        return running(queryset) if value == CampaignStatus.RUNNING else finished(queryset)


class CampaignMemberFilter(django_filters.FilterSet):
    group = django_filters.ChoiceFilter(
        choices=MemberGroup.choices, help_text="treated (the send list) or holdout."
    )

    class Meta:
        model = CampaignMember
        fields = ["group"]
