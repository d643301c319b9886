"""The FilterSet base shared by the UI list, the API and exports, so a filter exists once."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q`` (search over ``search_fields``) and ``updated_after`` (for sync) to every
    model's filters."""

    #: Fields ``q`` looks in; code-like fields match by prefix, names by substring.
    search_fields: tuple[str, ...] = ("name",)
    #: The filters the UI list shows in its filter bar; the rest work from the query string.
    ui_fields: list[str] = ["q"]

    q = django_filters.CharFilter(method="search", label=_("搜索"))
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", label=_("更新时间晚于")
    )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            lookup = "istartswith" if field.endswith("code") else "icontains"
            condition |= Q(**{f"{field}__{lookup}": value})
        return queryset.filter(condition)


class SubtreeFilter(django_filters.CharFilter):
    """ "This node and everything below it": finds the node by ``node_field`` (its id or its
    code) and filters on the materialized path, an indexed prefix match."""

    def __init__(self, *args, tree_model=None, node_field="pk", path_field="path", **kwargs):
        self.tree_model = tree_model
        self.node_field = node_field
        self.path_field = path_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        if self.node_field == "pk" and not value.isdigit():
            return qs.none()
        nodes = self.tree_model.objects.filter(**{self.node_field: value})
        path = nodes.values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        return qs.filter(**{f"{self.path_field}__startswith": path})
