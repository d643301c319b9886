"""The parameters of the cross-database questions: one FilterSet per question, shared by the
question's page, its exports and its API resource."""

import django_filters
from django.utils.translation import gettext_lazy as _

from buildings.models import Building, Enterprise
from grids.models import Case as GridCase
from grids.models import CaseCategory, Grid
from members.models import Member
from organizations.models import Organization
from portal.filters import SubtreeFilter
from portal.models import Region

REGION_LABEL = _("街道/社区（区划代码）")


def _region(path_field, label=REGION_LABEL):
    return SubtreeFilter(tree_model=Region, node_field="code", path_field=path_field, label=label)


class QuestionFilterSet(django_filters.FilterSet):
    """A question's parameters: every filter shows in the page's filter bar."""

    @property
    def ui_fields(self):
        return list(self.filters)


class ShouldFoundFilterSet(QuestionFilterSet):
    region_within = _region("region__path")
    building = django_filters.CharFilter(field_name="building__code", label=_("楼宇编码"))
    grid = django_filters.CharFilter(field_name="building__grid__code", label=_("网格编码"))
    kind = django_filters.MultipleChoiceFilter(choices=Enterprise.Kind.choices, label=_("类型"))

    class Meta:
        model = Enterprise
        fields = ["region_within", "building", "grid", "kind"]


class BuildingWithoutSiteFilterSet(QuestionFilterSet):
    region_within = _region("region__path")
    kind = django_filters.MultipleChoiceFilter(choices=Building.Kind.choices, label=_("类型"))
    in_park = django_filters.BooleanFilter(
        field_name="park", lookup_expr="isnull", exclude=True, label=_("位于园区")
    )

    class Meta:
        model = Building
        fields = ["region_within", "kind", "in_park"]


class DualRegistrationFilterSet(QuestionFilterSet):
    region_within = _region("organization__region__path", _("党员所在组织区划（代码）"))
    employer_within = _region("employer__region__path", _("工作单位区划（代码）"))
    organization_within = SubtreeFilter(
        tree_model=Organization,
        node_field="code",
        path_field="organization__path",
        label=_("党组织及下级（组织编码）"),
    )

    class Meta:
        model = Member
        fields = ["region_within", "employer_within", "organization_within"]


class GridLeaderFilterSet(QuestionFilterSet):
    PROBLEMS = [
        ("no_leader", _("未配备网格长")),
        ("status", _("网格长党籍状态不正常")),
        ("lost_contact", _("网格长为失联党员")),
    ]

    region_within = _region("region__path")
    problem = django_filters.MultipleChoiceFilter(choices=PROBLEMS, label=_("问题"))

    class Meta:
        model = Grid
        fields = ["region_within", "problem"]


class TermOverdueFilterSet(QuestionFilterSet):
    region_within = _region("region__path")
    kind = django_filters.MultipleChoiceFilter(
        choices=Organization.Kind.choices, label=_("组织类别")
    )
    sector = django_filters.MultipleChoiceFilter(
        choices=Organization.Sector.choices, label=_("所属领域")
    )

    class Meta:
        model = Organization
        fields = ["region_within", "kind", "sector"]


class DuesArrearsFilterSet(QuestionFilterSet):
    region_within = _region("organization__region__path")
    organization = django_filters.CharFilter(field_name="organization__code", label=_("党支部编码"))
    min_months = django_filters.NumberFilter(
        field_name="dues_months_in_arrears",
        lookup_expr="gte",
        min_value=6,
        label=_("至少欠缴月数"),
    )

    class Meta:
        model = Member
        fields = ["region_within", "organization", "min_months"]


class OverdueCaseFilterSet(QuestionFilterSet):
    ASSIGNEE_KINDS = [
        ("organization", _("党组织")),
        ("member", _("党员")),
        ("unit", _("驻区单位")),
        ("user", _("账号")),
        ("none", _("未派单")),
    ]

    region_within = _region("grid__region__path")
    category = django_filters.ModelChoiceFilter(
        queryset=CaseCategory.objects.all(), label=_("类别")
    )
    level = django_filters.MultipleChoiceFilter(choices=GridCase.Level.choices, label=_("处理层级"))
    assignee_kind = django_filters.MultipleChoiceFilter(
        choices=ASSIGNEE_KINDS, label=_("承办方类型")
    )

    class Meta:
        model = GridCase
        fields = ["region_within", "category", "level", "assignee_kind"]
