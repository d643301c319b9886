"""The FilterSet base shared by the UI list, the API and exports, so a filter exists once."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time compared in UTC. ISO text may carry any offset up to ±23:59;
    PostgreSQL refuses literals beyond ±15:59 (a 500 found by the API fuzzing, issue 9)."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:  # past year 9999 (or before year 1) once in UTC
                beyond_max = value.year > 1
                if self.lookup_expr.startswith("gt"):
                    return qs.none() if beyond_max else qs
                return qs if beyond_max else qs.none()
        return super().filter(qs, value)


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q`` (search over ``search_fields``) and ``updated_after`` (for sync) to every
    model's filters."""

    #: Fields ``q`` looks in; code-like fields match by prefix, names by substring.
    search_fields: tuple[str, ...] = ("name",)
    #: The filters the UI list shows in its filter bar; the rest work from the query string.
    ui_fields: list[str] = ["q"]
    #: How search results are ordered (None: the list's usual order). On a large table a
    #: search ordered by the primary key can walk that index past every non-match; ordering
    #: by name lets PostgreSQL fetch the matches from the search index and sort just those.
    search_ordering: tuple[str, ...] | None = None

    @property
    def searching(self):
        return bool(self.is_bound and (self.data.get("q") or "").strip())

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.search_ordering and self.searching:
            queryset = queryset.order_by(*self.search_ordering)
        return queryset

    q = django_filters.CharFilter(method="search", label=_("搜索"))
    updated_after = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", label=_("更新时间晚于")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            # Our choice filters test a column of the row itself, never a to-many relation,
            # so django-filter's default DISTINCT (over every column) would only cost time.
            if isinstance(filter_, django_filters.MultipleChoiceFilter):
                filter_.distinct = False
            # A number past PostgreSQL's integer range fails in the database (a 500 found by
            # the API fuzzing, issue 9): such a value is a 400 naming the filter instead.
            if type(filter_) is django_filters.IsoDateTimeFilter:
                # Every time filter of every app compares in UTC (see UtcIsoDateTimeFilter).
                filter_.__class__ = UtcIsoDateTimeFilter
            if isinstance(filter_, django_filters.NumberFilter):
                if filter_.lookup_expr == "year" or filter_.field_name.endswith("__year"):
                    # A calendar year: a whole number Python's dates can hold.
                    filter_.field_class = forms.IntegerField
                    filter_.extra.setdefault("min_value", 1)
                    filter_.extra.setdefault("max_value", 9999)
                filter_.extra.setdefault("min_value", INT_MIN)
                filter_.extra.setdefault("max_value", INT_MAX)

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
