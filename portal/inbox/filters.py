"""The one filter of inbox items, shared by the inbox page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.inbox.models import InboxItem
from portal.inbox.services import UNREAD

#: The inbox page's tabs and the API's ``state`` filter.
STATES = {
    "unread": (_("未读"), UNREAD),
    "all": (_("全部"), Q()),
    "done": (_("已完成"), Q(done_at__isnull=False)),
    "open": (_("未完成"), Q(done_at__isnull=True)),
}


class InboxItemFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[(key, label) for key, (label, _q) in STATES.items()],
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=InboxItem.Kind.choices)

    class Meta:
        model = InboxItem
        fields = ["state", "kind"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(STATES[value][1])
