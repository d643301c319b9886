"""Filters of elections and of the term status list (one FilterSet per list: UI, API, export)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from organizations.filters import OrganizationRowFilterSet
from organizations.models import Election, Organization
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region


class ElectionFilterSet(OrganizationRowFilterSet):
    search_fields = ("organization__name", "organization__code", "approval_number")
    year = django_filters.NumberFilter(field_name="held_on__year", label=_("年份"))
    kind = django_filters.ChoiceFilter(choices=Election.Kind.choices, label=_("选举类型"))

    ui_fields = ["q", "region_within", "year", "kind"]

    class Meta:
        model = Election
        fields = [
            "q",
            "region_within",
            "organization_within",
            "organization",
            "year",
            "kind",
            "updated_after",
        ]


class TermStatusFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region_within = SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field="region__path",
        label=_("街道/社区（区划代码）"),
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Organization.Kind.choices, label=_("组织类别")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已届满"))

    ui_fields = ["q", "region_within", "kind", "overdue"]

    class Meta:
        model = Organization
        fields = ["q", "region_within", "kind", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(days_left__lt=0) if value else queryset.filter(days_left__gte=0)
