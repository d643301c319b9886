"""Filters of cases (需求/问题) and their categories: one FilterSet shared by the case list
page, its exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Case, CaseCategory, Grid
from portal.filters import BaseFilterSet, SubtreeFilter, UtcIsoDateTimeFilter
from portal.models import Region


class CaseFilterSet(BaseFilterSet):
    """``q`` finds a case by number (prefix, case-insensitive) or title (substring)."""

    state = django_filters.MultipleChoiceFilter(choices=Case.State.choices, label=_("状态"))
    level = django_filters.MultipleChoiceFilter(choices=Case.Level.choices, label=_("处理层级"))
    category = django_filters.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(), label=_("类别")
    )
    category_code = django_filters.CharFilter(field_name="category__code", label=_("类别编码"))
    grid = django_filters.NumberFilter(field_name="grid_id", label=_("网格（编号）"))
    grid_code = django_filters.CharFilter(field_name="grid__code", label=_("网格编码"))
    region_within = SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field="grid__region__path",
        label=_("街道/社区（区划代码）"),
    )
    overdue = django_filters.BooleanFilter(label=_("已超时"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"))
    source = django_filters.MultipleChoiceFilter(choices=Case.Source.choices, label=_("来源"))
    reported_after = UtcIsoDateTimeFilter(
        field_name="reported_at", lookup_expr="gte", label=_("上报时间起")
    )
    reported_before = UtcIsoDateTimeFilter(
        field_name="reported_at", lookup_expr="lt", label=_("上报时间止")
    )

    ui_fields = ["q", "state", "category", "level", "region_within", "overdue"]

    class Meta:
        model = Case
        fields = [
            "q",
            "state",
            "level",
            "category",
            "category_code",
            "grid",
            "grid_code",
            "region_within",
            "overdue",
            "open",
            "source",
            "reported_after",
            "reported_before",
            "updated_after",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__istartswith=value) | Q(title__icontains=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(state__in=Case.OPEN_STATES)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class CaseCategoryFilterSet(BaseFilterSet):
    search_fields = ("name", "code", "keywords")
    active = django_filters.BooleanFilter(label=_("启用"))
    group = django_filters.CharFilter(label=_("分组"))

    class Meta:
        model = CaseCategory
        fields = ["q", "active", "group", "updated_after"]


class GridPickFilterSet(BaseFilterSet):
    """The grid picker of "my grid" for street and district users."""

    search_fields = ("name", "code")

    class Meta:
        model = Grid
        fields = ["q"]
