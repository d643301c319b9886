"""Filters of micro-wishes and visits, shared by the UI lists, the API and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, Visit, Wish
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region


class GridChoiceFilter(django_filters.ModelChoiceFilter):
    """A grid among those the requesting user may see (a grid out of scope is "not a valid
    choice", like a missing one)."""

    def __init__(self, *args, **kwargs):
        from portal import scoping

        def grids(request):
            queryset = Grid.objects.order_by("code")
            user = getattr(request, "user", None)
            return scoping.restrict(queryset, user) if user is not None else queryset.none()

        kwargs.setdefault("queryset", grids)
        kwargs.setdefault("label", _("网格"))
        super().__init__(*args, **kwargs)


def region_within(path_field):
    return SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field=path_field,
        label=_("街道/社区（区划代码）"),
    )


class WishFilterSet(BaseFilterSet):
    search_fields = ("title", "number")
    ui_fields = ["q", "grid", "state"]

    grid = GridChoiceFilter()
    grid_code = django_filters.CharFilter(field_name="grid__code", label=_("网格编码"))
    region_within = region_within("grid__region__path")
    state = django_filters.MultipleChoiceFilter(choices=Wish.State.choices, label=_("状态"))
    claimed_by_member = django_filters.NumberFilter(
        field_name="claimed_by_member_id", label=_("认领党员（编号）")
    )
    submitted_after = django_filters.DateFilter(
        field_name="created_at__date", lookup_expr="gte", label=_("提交日期起")
    )
    submitted_before = django_filters.DateFilter(
        field_name="created_at__date", lookup_expr="lte", label=_("提交日期止")
    )

    class Meta:
        model = Wish
        fields = [
            "q",
            "grid",
            "grid_code",
            "region_within",
            "state",
            "claimed_by_member",
            "submitted_after",
            "submitted_before",
            "updated_after",
        ]


class VisitFilterSet(BaseFilterSet):
    search_fields = ("household", "notes", "needs_found")
    ui_fields = ["q", "grid", "target", "visited_after", "visited_before"]

    grid = GridChoiceFilter()
    grid_code = django_filters.CharFilter(field_name="grid__code", label=_("网格编码"))
    region_within = region_within("grid__region__path")
    target = django_filters.ChoiceFilter(choices=Visit.Target.choices, label=_("走访对象"))
    visitor_member = django_filters.NumberFilter(
        field_name="visitor_member_id", label=_("走访党员（编号）")
    )
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业（编号）"))
    building = django_filters.NumberFilter(field_name="building_id", label=_("楼宇（编号）"))
    visited_after = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", label=_("走访日期起")
    )
    visited_before = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", label=_("走访日期止")
    )
    has_case = django_filters.BooleanFilter(
        field_name="case", lookup_expr="isnull", exclude=True, label=_("已转立工单")
    )

    class Meta:
        model = Visit
        fields = [
            "q",
            "grid",
            "grid_code",
            "region_within",
            "target",
            "visitor_member",
            "enterprise",
            "building",
            "visited_after",
            "visited_before",
            "has_case",
            "updated_after",
        ]
