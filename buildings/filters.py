"""Filters of the enterprise and building registers: one FilterSet per model, shared by the
UI list, the API and exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buildings.models import Building, Enterprise, Park, ServiceSite, Tenancy, industry_choices
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region
from portal.search import name_condition


def region_within(path_field="region__path"):
    return SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field=path_field,
        label=_("街道/社区（区划代码）"),
    )


class ParkFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region_within = region_within()

    ui_fields = ["q", "region_within"]

    class Meta:
        model = Park
        fields = ["q", "region_within", "updated_after"]


class BuildingFilterSet(BaseFilterSet):
    search_fields = ("name", "code", "address")
    region_within = region_within()
    kind = django_filters.MultipleChoiceFilter(choices=Building.Kind.choices, label=_("类型"))
    park = django_filters.NumberFilter(field_name="park_id", label=_("所在园区（编号）"))
    park_code = django_filters.CharFilter(field_name="park__code", label=_("所在园区（编码）"))
    has_service_site = django_filters.BooleanFilter(
        method="filter_has_service_site", label=_("设有服务站点")
    )
    has_organization = django_filters.BooleanFilter(
        method="filter_has_organization", label=_("建有楼宇党组织")
    )

    ui_fields = ["q", "region_within", "kind", "park", "has_service_site", "has_organization"]

    class Meta:
        model = Building
        fields = [
            "q",
            "region_within",
            "kind",
            "park",
            "park_code",
            "has_service_site",
            "has_organization",
            "updated_after",
        ]

    def filter_has_service_site(self, queryset, name, value):
        if value is None:
            return queryset
        with_site = ServiceSite.objects.filter(building__isnull=False).values("building_id")
        return queryset.filter(pk__in=with_site) if value else queryset.exclude(pk__in=with_site)

    def filter_has_organization(self, queryset, name, value):
        from organizations.models import Organization

        if value is None:
            return queryset
        with_org = Organization.objects.active().filter(building__isnull=False)
        ids = with_org.values("building_id")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class EnterpriseFilterSet(BaseFilterSet):
    """``q`` finds a name through the GIN-indexed grams, or a USCC by prefix."""

    ORGANIZATION_CHOICES = [
        ("own", _("单独建立")),
        ("joint", _("联合建立")),
        ("none", _("未建立")),
    ]

    region_within = region_within()
    park = django_filters.NumberFilter(field_name="building__park_id", label=_("所在园区（编号）"))
    building = django_filters.NumberFilter(field_name="building_id", label=_("所在楼宇（编号）"))
    building_code = django_filters.CharFilter(
        field_name="building__code", label=_("所在楼宇（编码）")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Enterprise.Kind.choices, label=_("类型"))
    industry = django_filters.MultipleChoiceFilter(choices=industry_choices, label=_("行业门类"))
    status = django_filters.MultipleChoiceFilter(
        choices=Enterprise.Status.choices, label=_("登记状态")
    )
    has_organization = django_filters.BooleanFilter(
        field_name="party_organization", lookup_expr="isnull", exclude=True, label=_("建有党组织")
    )
    organization_kind = django_filters.ChoiceFilter(
        choices=ORGANIZATION_CHOICES, method="filter_organization_kind", label=_("党组织形式")
    )
    party_organization = django_filters.NumberFilter(
        field_name="party_organization_id", label=_("所在党组织（编号）")
    )
    should_found = django_filters.BooleanFilter(
        field_name="facts__should_found", label=_("应建未建（正式党员3人以上）")
    )
    has_members = django_filters.BooleanFilter(method="filter_has_members", label=_("有党员"))
    uscc_overridden = django_filters.BooleanFilter(
        field_name="uscc_override_reason",
        method="filter_overridden",
        label=_("例外信用代码"),
    )

    ui_fields = [
        "q",
        "region_within",
        "kind",
        "industry",
        "status",
        "organization_kind",
        "should_found",
        "has_members",
    ]
    search_ordering = ("name", "id")

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "region_within",
            "park",
            "building",
            "building_code",
            "kind",
            "industry",
            "status",
            "has_organization",
            "organization_kind",
            "party_organization",
            "should_found",
            "has_members",
            "uscc_overridden",
            "updated_after",
        ]

    def search(self, queryset, name, value):
        value = "".join(value.split())
        if not value:
            return queryset
        code = value.upper()
        if len(code) >= 6 and code.isascii() and code.isalnum():
            return queryset.filter(uscc__startswith=code)
        return queryset.filter(name_condition(value))

    def filter_organization_kind(self, queryset, name, value):
        from organizations.models import Organization

        joint = Organization.Kind.JOINT_BRANCH
        if value == "none":
            return queryset.filter(party_organization__isnull=True)
        if value == "joint":
            return queryset.filter(party_organization__kind=joint)
        if value == "own":
            return queryset.filter(party_organization__isnull=False).exclude(
                party_organization__kind=joint
            )
        return queryset

    def filter_has_members(self, queryset, name, value):
        if value is None:
            return queryset
        condition = Q(facts__members__gt=0)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_overridden(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.exclude(uscc_override_reason="")
            if value
            else queryset.filter(uscc_override_reason="")
        )


class ServiceSiteFilterSet(BaseFilterSet):
    search_fields = ("name", "code", "address")
    region_within = region_within()
    kind = django_filters.MultipleChoiceFilter(choices=ServiceSite.Kind.choices, label=_("类型"))
    building = django_filters.NumberFilter(field_name="building_id", label=_("所在楼宇（编号）"))

    ui_fields = ["q", "region_within", "kind"]

    class Meta:
        model = ServiceSite
        fields = ["q", "region_within", "kind", "building", "updated_after"]


class TenancyFilterSet(BaseFilterSet):
    search_fields = ("enterprise__name", "building__name")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("企业（编号）"))
    building = django_filters.NumberFilter(field_name="building_id", label=_("楼宇（编号）"))
    current = django_filters.BooleanFilter(
        field_name="moved_out_on", lookup_expr="isnull", label=_("当前在驻")
    )

    ui_fields = ["q", "current"]

    class Meta:
        model = Tenancy
        fields = ["q", "enterprise", "building", "current", "updated_after"]
