"""Filters of the meeting list, API and exports, and of the frequency table."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Meeting, MeetingFrequency, MeetingKind
from organizations.filters import OrganizationRowFilterSet
from portal.filters import BaseFilterSet


class MeetingFilterSet(OrganizationRowFilterSet):
    """``q`` searches the topic, the host and the organisation's name."""

    search_fields = ("topic", "host", "organization__name")

    kind = django_filters.MultipleChoiceFilter(choices=MeetingKind.choices, label=_("会议类型"))
    year = django_filters.NumberFilter(field_name="held_on", lookup_expr="year", label=_("年度"))
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("召开日期起")
    )
    held_before = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label=_("召开日期止")
    )

    ui_fields = ["q", "region_within", "kind", "held_after", "held_before"]

    class Meta:
        model = Meeting
        fields = [
            "q",
            "region_within",
            "organization_within",
            "organization",
            "kind",
            "year",
            "held_after",
            "held_before",
            "updated_after",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class MeetingFrequencyFilterSet(BaseFilterSet):
    search_fields = ("note",)
    ui_fields = ["q"]

    class Meta:
        model = MeetingFrequency
        fields = ["q"]
