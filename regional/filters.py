"""Filters of the regional registers: one FilterSet per model, shared by the UI list, the API
and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from buildings.models import industry_choices
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region
from regional.models import (
    IndustryCommittee,
    IndustryIssue,
    JointMeeting,
    JointMeetingMembership,
    JointMeetingSession,
    Milestone,
    Need,
    Pairing,
    Project,
    ProjectAllocation,
    ProjectUpdate,
    ResidentUnit,
    Resource,
)


def region_within(path_field="region__path"):
    return SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field=path_field,
        label=_("街道/社区（区划代码）"),
    )


class ResidentUnitFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region_within = region_within()
    kind = django_filters.MultipleChoiceFilter(
        choices=ResidentUnit.Kind.choices, label=_("单位类型")
    )
    meeting = django_filters.NumberFilter(
        field_name="memberships__meeting_id", label=_("联席会议（编号）"), distinct=True
    )
    ui_fields = ["q", "region_within", "kind"]

    class Meta:
        model = ResidentUnit
        fields = ["q", "region_within", "kind", "meeting", "updated_after"]


class JointMeetingFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region_within = region_within()
    level = django_filters.MultipleChoiceFilter(choices=JointMeeting.Level.choices, label=_("层级"))
    ui_fields = ["q", "level", "region_within"]

    class Meta:
        model = JointMeeting
        fields = ["q", "level", "region_within", "updated_after"]


class JointMeetingMembershipFilterSet(BaseFilterSet):
    search_fields = ("unit__name", "representative")
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_("联席会议（编号）"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("成员单位（编号）"))
    current = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", label=_("在册")
    )

    class Meta:
        model = JointMeetingMembership
        fields = ["q", "meeting", "unit", "current", "updated_after"]


class JointMeetingSessionFilterSet(BaseFilterSet):
    search_fields = ("title", "meeting__name")
    meeting = django_filters.NumberFilter(field_name="meeting_id", label=_("联席会议（编号）"))
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label=_("召开日期起")
    )
    ui_fields = ["q", "held_after"]

    class Meta:
        model = JointMeetingSession
        fields = ["q", "meeting", "held_after", "updated_after"]


class NeedFilterSet(BaseFilterSet):
    search_fields = ("title",)
    region_within = region_within()
    status = django_filters.MultipleChoiceFilter(choices=Need.Status.choices, label=_("状态"))
    category = django_filters.MultipleChoiceFilter(choices=Need.Category.choices, label=_("类别"))
    ui_fields = ["q", "status", "category", "region_within"]

    class Meta:
        model = Need
        fields = ["q", "status", "category", "region_within", "updated_after"]


class ResourceFilterSet(BaseFilterSet):
    search_fields = ("name", "unit__name")
    region_within = region_within()
    kind = django_filters.MultipleChoiceFilter(choices=Resource.Kind.choices, label=_("资源类型"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("提供单位（编号）"))
    ui_fields = ["q", "kind", "region_within"]

    class Meta:
        model = Resource
        fields = ["q", "kind", "unit", "region_within", "updated_after"]


class ProjectFilterSet(BaseFilterSet):
    search_fields = ("name", "owner_person")
    region_within = region_within()
    status = django_filters.MultipleChoiceFilter(choices=Project.Status.choices, label=_("状态"))
    ui_fields = ["q", "status", "region_within"]

    class Meta:
        model = Project
        fields = ["q", "status", "region_within", "updated_after"]


class ProjectChildFilterSet(BaseFilterSet):
    search_fields = ()
    project = django_filters.NumberFilter(field_name="project_id", label=_("项目（编号）"))


class ProjectAllocationFilterSet(ProjectChildFilterSet):
    class Meta:
        model = ProjectAllocation
        fields = ["project", "updated_after"]


class MilestoneFilterSet(ProjectChildFilterSet):
    class Meta:
        model = Milestone
        fields = ["project", "updated_after"]


class ProjectUpdateFilterSet(ProjectChildFilterSet):
    class Meta:
        model = ProjectUpdate
        fields = ["project", "updated_after"]


class PairingFilterSet(BaseFilterSet):
    search_fields = ("organization__name", "partner__name")
    status = django_filters.MultipleChoiceFilter(choices=Pairing.Status.choices, label=_("状态"))
    region_within = region_within("partner__region__path")
    ui_fields = ["q", "status", "region_within"]

    class Meta:
        model = Pairing
        fields = ["q", "status", "region_within", "updated_after"]


class IndustryCommitteeFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    industry = django_filters.MultipleChoiceFilter(choices=industry_choices, label=_("行业门类"))
    ui_fields = ["q", "industry"]

    class Meta:
        model = IndustryCommittee
        fields = ["q", "industry", "updated_after"]


class IndustryIssueFilterSet(BaseFilterSet):
    search_fields = ("title",)
    status = django_filters.MultipleChoiceFilter(
        choices=IndustryIssue.Status.choices, label=_("状态")
    )
    committee = django_filters.NumberFilter(field_name="committee_id", label=_("行业党委（编号）"))
    ui_fields = ["q", "status"]

    class Meta:
        model = IndustryIssue
        fields = ["q", "status", "committee", "updated_after"]
