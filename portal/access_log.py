"""The log of unmasked sensitive data, for auditors: who saw or exported which rows."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal import views
from portal.accounts.auth_log import streets
from portal.filters import BaseFilterSet
from portal.models import SensitiveAccess
from portal.tables import Column


class SensitiveAccessFilterSet(BaseFilterSet):
    search_fields = ("user__username", "path")
    channel = django_filters.ChoiceFilter(choices=SensitiveAccess.Channel.choices, label=_("渠道"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("起始日期")
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("截止日期")
    )
    object_model = django_filters.CharFilter(field_name="model", label=_("对象类型"))
    # The street of the person who looked (auditors, issue 9).
    street = django_filters.ModelChoiceFilter(
        queryset=streets, method="filter_street", label=_("街道")
    )
    updated_after = None

    ui_fields = ["q", "channel", "street", "date_from", "date_to"]

    class Meta:
        model = SensitiveAccess
        fields = ["q", "channel", "object_model", "street", "date_from", "date_to"]

    def filter_street(self, queryset, name, value):
        return queryset.filter(user__scope_region__path__startswith=value.path)


class SensitiveAccessListView(views.ObjectListView):
    queryset = SensitiveAccess.objects.select_related("user")
    read_only = True  # written by the unmasking code only
    filterset_class = SensitiveAccessFilterSet
    columns = [
        Column("at"),
        Column("user.username", label=_("访问人")),
        Column("channel"),
        Column("model"),
        Column("count", label=_("条数"), order_by=None),
        Column("fields", order_by=None),
        Column("path", order_by=None),
    ]
    default_sort = ["-at"]
