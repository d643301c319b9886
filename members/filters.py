from datetime import date

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member, add_years
from organizations.filters import OrganizationRowFilterSet
from organizations.models import Organization
from portal import scoping
from portal.filters import SubtreeFilter
from portal.search import name_condition


class MemberFilterSet(OrganizationRowFilterSet):
    """Filters of the member list, API and exports. ``q`` searches names through the
    GIN-indexed grams (portal/search.py)."""

    organization_within_code = SubtreeFilter(
        tree_model=Organization,
        node_field="code",
        path_field="organization__path",
        label=_("组织（含下级，编码）"),
    )
    organization = django_filters.NumberFilter(
        field_name="organization_id", label=_("所在党支部（编号）")
    )
    status = django_filters.MultipleChoiceFilter(choices=Member.Status.choices, label=_("党籍状态"))
    category = django_filters.ChoiceFilter(choices=Member.Category.choices, label=_("党员类别"))
    gender = django_filters.ChoiceFilter(choices=Member.Gender.choices, label=_("性别"))
    education = django_filters.MultipleChoiceFilter(
        choices=Member.Education.choices, label=_("学历")
    )
    age_min = django_filters.NumberFilter(
        method="filter_age_min", label=_("年龄不小于"), min_value=0, max_value=150
    )
    age_max = django_filters.NumberFilter(
        method="filter_age_max", label=_("年龄不大于"), min_value=0, max_value=150
    )
    joined_after = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="gte", label=_("入党日期起")
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="lte", label=_("入党日期止")
    )
    flowing = django_filters.BooleanFilter(label=_("流动党员"))
    lost_contact = django_filters.BooleanFilter(label=_("失联党员"))

    ui_fields = [
        "q",
        "region_within",
        "status",
        "category",
        "gender",
        "age_min",
        "age_max",
        "flowing",
        "lost_contact",
    ]

    class Meta:
        model = Member
        fields = [
            "q",
            "organization",
            "organization_within",
            "organization_within_code",
            "region_within",
            "status",
            "category",
            "gender",
            "education",
            "age_min",
            "age_max",
            "joined_after",
            "joined_before",
            "flowing",
            "lost_contact",
            "updated_after",
        ]

    search_ordering = ("name", "id")

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        # The user's scope token lets the grams index answer "in scope" too (portal/search.py).
        user = getattr(self.request, "user", None)
        return queryset.filter(name_condition(value), scoping.token_condition(Member, user))

    def filter_age_min(self, queryset, name, value):
        # at least N years old: born on or before today minus N years
        return queryset.filter(birth_date__lte=add_years(timezone.localdate(), -int(value)))

    def filter_age_max(self, queryset, name, value):
        # at most N years old: born after today minus N+1 years
        latest: date = add_years(timezone.localdate(), -int(value) - 1)
        return queryset.filter(birth_date__gt=latest)
