import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import LeadershipPosition, Organization
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region


class OrganizationRowFilterSet(BaseFilterSet):
    """The filters of every list whose rows belong to an organisation (``organization``):
    members, applicants, meetings, elections, positions. One definition, so the street
    filter and the subtree filter mean the same on each of them."""

    region_within = SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field="organization__region__path",
        label=_("街道/社区（区划代码）"),
    )
    organization_within = SubtreeFilter(
        tree_model=Organization, path_field="organization__path", label=_("组织（含下级，编号）")
    )
    organization = django_filters.NumberFilter(
        field_name="organization_id", label=_("党组织（编号）")
    )


class OrganizationFilterSet(BaseFilterSet):
    search_fields = ("name", "short_name", "code")
    within = SubtreeFilter(tree_model=Organization, label=_("此组织及所有下级（编号）"))
    within_code = SubtreeFilter(
        tree_model=Organization, node_field="code", label=_("此组织及所有下级（编码）")
    )
    region_within = SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field="region__path",
        label=_("区划（含下级，代码）"),
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Organization.Kind.choices, label=_("组织类别")
    )
    sector = django_filters.MultipleChoiceFilter(
        choices=Organization.Sector.choices, label=_("所属领域")
    )
    dissolved = django_filters.BooleanFilter(
        field_name="dissolved_on", lookup_expr="isnull", exclude=True, label=_("已撤销")
    )
    term_due = django_filters.BooleanFilter(method="filter_term_due", label=_("90 天内届满"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("直接上级（编号）"))

    ui_fields = ["q", "kind", "sector", "region_within", "within_code", "dissolved", "term_due"]

    class Meta:
        model = Organization
        fields = [
            "q",
            "within",
            "within_code",
            "region_within",
            "kind",
            "sector",
            "dissolved",
            "term_due",
            "parent",
            "updated_after",
        ]

    def filter_term_due(self, queryset, name, value):
        if value is None:
            return queryset
        due = Organization.objects.term_due().values("pk")
        return queryset.filter(pk__in=due) if value else queryset.exclude(pk__in=due)


class LeadershipPositionFilterSet(OrganizationRowFilterSet):
    search_fields = ("holder_name", "organization__name")
    title = django_filters.MultipleChoiceFilter(
        choices=LeadershipPosition.Title.choices, label=_("职务")
    )
    current = django_filters.BooleanFilter(method="filter_current", label=_("现任"))

    ui_fields = ["q", "title", "current"]

    class Meta:
        model = LeadershipPosition
        fields = ["q", "organization", "organization_within", "title", "current", "updated_after"]

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        from django.db.models import Q

        current = Q(ended_on__isnull=True) | Q(ended_on__gte=timezone.localdate())
        return queryset.filter(current) if value else queryset.exclude(current)
