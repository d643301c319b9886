"""Filters of the grid register, shared by the UI list, the API, exports and the map data."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region


def parse_bbox(value):
    """``min_lng,min_lat,max_lng,max_lat`` as four floats, or None when malformed."""
    try:
        parts = [float(part) for part in (value or "").split(",")]
    except ValueError:
        return None
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        return None
    return parts


class GridFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region_within = SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field="region__path",
        label=_("街道/社区（区划代码）"),
    )
    has_leader = django_filters.BooleanFilter(
        field_name="leader", lookup_expr="isnull", exclude=True, label=_("已配网格长")
    )
    leader = django_filters.NumberFilter(field_name="leader_id", label=_("网格长（党员编号）"))
    worker = django_filters.NumberFilter(method="filter_worker", label=_("网格员（党员编号）"))
    bbox = django_filters.CharFilter(
        method="filter_bbox", label=_("范围（最小经度,最小纬度,最大经度,最大纬度）")
    )

    ui_fields = ["q", "region_within", "has_leader"]

    class Meta:
        model = Grid
        fields = [
            "q",
            "region_within",
            "has_leader",
            "leader",
            "worker",
            "bbox",
            "updated_after",
        ]

    def filter_worker(self, queryset, name, value):
        # A subquery, not a join: a grid with several workers stays one row.
        through = Grid.workers.through.objects.filter(member_id=value)
        return queryset.filter(pk__in=through.values("grid_id"))

    def filter_bbox(self, queryset, name, value):
        """Grids whose bounding box meets the given box (those without a boundary drop)."""
        box = parse_bbox(value)
        if box is None:
            return queryset.none()
        min_lng, min_lat, max_lng, max_lat = box
        return queryset.filter(
            Q(max_lng__gte=min_lng)
            & Q(min_lng__lte=max_lng)
            & Q(max_lat__gte=min_lat)
            & Q(min_lat__lte=max_lat)
        )
