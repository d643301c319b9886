"""The sign-in event log, for auditors: who signed in or failed, from where, when."""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import scoping, views
from portal.accounts.models import AuthEvent
from portal.filters import BaseFilterSet
from portal.models import Region
from portal.tables import Column

STREET_LEVELS = (Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE)


def streets(request):
    if request is None:
        return Region.objects.none()
    return scoping.restrict(
        Region.objects.filter(level__in=STREET_LEVELS), request.user, "view"
    ).order_by("code")


class WithinRegion:
    """``user`` as if their scope were ``region`` (one inside their own scope): the audit log
    page narrows to a street with the same scoping code that limits it to the user's scope."""

    is_superuser = False

    def __init__(self, user, region):
        self._user = user
        self.scope_region = region

    def __getattr__(self, name):
        return getattr(self._user, name)


class AuthEventFilterSet(BaseFilterSet):
    search_fields = ("username",)
    event = django_filters.ChoiceFilter(choices=AuthEvent.Kind.choices, label=_("事件"))
    street = django_filters.ModelChoiceFilter(
        queryset=streets, method="filter_street", label=_("街道")
    )
    ip = django_filters.CharFilter(field_name="ip", label=_("IP 地址"))
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("起始日期")
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("截止日期")
    )
    updated_after = None

    ui_fields = ["q", "event", "street", "date_from", "date_to"]

    class Meta:
        model = AuthEvent
        fields = ["q", "event", "street", "ip", "date_from", "date_to"]

    def filter_street(self, queryset, name, value):
        return queryset.filter(region_path__startswith=value.path)


class AuthEventListView(views.ObjectListView):
    queryset = AuthEvent.objects.all()
    filterset_class = AuthEventFilterSet
    columns = [
        Column("at"),
        Column("event"),
        Column("username"),
        Column("ip", order_by=None),
        Column("detail", order_by=None),
        Column("request_id", order_by=None),
        Column("user_agent", order_by=None),
    ]
    default_sort = ["-at"]

    def model_context(self):
        # A read-only log outside the object_urls namespaces: no add/edit/import links.
        return {
            "meta": self.model._meta,
            "can_add": False,
            "can_change": False,
            "can_delete": False,
            "can_import": False,
            "list_url": reverse("authevent_list"),
        }
