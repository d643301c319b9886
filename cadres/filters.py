"""Filters of the cadres pages, shared by the UI lists, the API and exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cadres import services
from cadres.models import (
    AnnualReview,
    Certificate,
    CommunityWorker,
    Education,
    GradeChange,
    LadderRule,
    Post,
    Secretary,
    TrainingRecord,
)
from members.models import Member
from organizations.models import Organization
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.models import Region


def region_filter(path_field):
    return SubtreeFilter(
        tree_model=Region,
        node_field="code",
        path_field=path_field,
        label=_("街道/社区（区划代码）"),
    )


class SecretaryFilterSet(BaseFilterSet):
    """Filters on ``services.secretaries()`` (its annotations: age, training hours …)."""

    search_fields = ("holder_name", "organization__name")
    region = region_filter("organization__region__path")
    title = django_filters.ChoiceFilter(
        choices=[(t.value, t.label) for t in services.SECRETARY_TITLES], label=_("职务")
    )
    kind = django_filters.MultipleChoiceFilter(
        field_name="organization__kind", choices=Organization.Kind.choices, label=_("组织类别")
    )
    sector = django_filters.MultipleChoiceFilter(
        field_name="organization__sector",
        choices=Organization.Sector.choices,
        label=_("所属领域"),
    )
    age_band = django_filters.ChoiceFilter(
        method="filter_age_band",
        choices=[(key, label) for key, label, _low, _high in services.AGE_BANDS]
        + [("unknown", _("未知"))],
        label=_("年龄段"),
    )
    education = django_filters.MultipleChoiceFilter(
        field_name="holder__education", choices=Member.Education.choices, label=_("学历")
    )
    rating = django_filters.ChoiceFilter(
        field_name="latest_rating", choices=AnnualReview.Rating.choices, label=_("最近述职评议")
    )
    no_training = django_filters.BooleanFilter(
        method="filter_no_training", label=_("本年度未参加培训")
    )
    linked = django_filters.BooleanFilter(
        field_name="holder", lookup_expr="isnull", exclude=True, label=_("已关联党员信息")
    )

    ui_fields = [
        "q",
        "region",
        "title",
        "kind",
        "sector",
        "age_band",
        "education",
        "rating",
        "no_training",
    ]

    class Meta:
        model = Secretary
        fields = [
            "q",
            "region",
            "title",
            "kind",
            "sector",
            "age_band",
            "education",
            "rating",
            "no_training",
            "linked",
            "updated_after",
        ]

    def filter_age_band(self, queryset, name, value):
        condition = services.age_condition(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_no_training(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(training_hours=0) if value else queryset.filter(training_hours__gt=0)


class VacancyFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    region = region_filter("region__path")
    sector = django_filters.MultipleChoiceFilter(
        choices=Organization.Sector.choices, label=_("所属领域")
    )
    ui_fields = ["q", "region", "sector"]

    class Meta:
        model = Organization
        fields = ["q", "region", "sector"]


class TrainingRecordFilterSet(BaseFilterSet):
    search_fields = ("title", "member__name", "organiser", "certificate_no")
    region = region_filter("member__organization__region__path")
    kind = django_filters.MultipleChoiceFilter(
        choices=TrainingRecord.Kind.choices, label=_("培训类别")
    )
    year = django_filters.NumberFilter(field_name="started_on__year", label=_("年度"))
    member = django_filters.NumberFilter(field_name="member_id", label=_("党员编号"))
    ui_fields = ["q", "region", "kind", "year"]

    class Meta:
        model = TrainingRecord
        fields = ["q", "region", "kind", "year", "member", "updated_after"]


class AnnualReviewFilterSet(BaseFilterSet):
    search_fields = ("member__name", "organization__name")
    region = region_filter("organization__region__path")
    year = django_filters.NumberFilter(label=_("年度"))
    rating = django_filters.MultipleChoiceFilter(
        choices=AnnualReview.Rating.choices, label=_("评议等次")
    )
    member = django_filters.NumberFilter(field_name="member_id", label=_("党员编号"))
    ui_fields = ["q", "region", "year", "rating"]

    class Meta:
        model = AnnualReview
        fields = ["q", "region", "year", "rating", "member", "updated_after"]


class CommunityWorkerFilterSet(BaseFilterSet):
    search_fields = ("name",)
    region = region_filter("community__path")
    post = django_filters.MultipleChoiceFilter(choices=Post.choices, label=_("岗位"))
    tier = django_filters.ChoiceFilter(choices=[(t, f"{t}") for t in (1, 2, 3)], label=_("档次"))
    grade = django_filters.NumberFilter(label=_("等级"))
    certificate = django_filters.MultipleChoiceFilter(
        choices=Certificate.choices, label=_("社工职业资格")
    )
    education = django_filters.MultipleChoiceFilter(choices=Education.choices, label=_("学历"))
    employed = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", label=_("在职")
    )
    ui_fields = ["q", "region", "post", "tier", "certificate", "employed"]

    class Meta:
        model = CommunityWorker
        fields = [
            "q",
            "region",
            "post",
            "tier",
            "grade",
            "certificate",
            "education",
            "employed",
            "updated_after",
        ]


class EligibilityFilterSet(CommunityWorkerFilterSet):
    """The eligibility report: workers annotated by ``services.with_eligibility``."""

    eligible = django_filters.BooleanFilter(label=_("符合晋级条件"))
    ui_fields = ["q", "region", "post", "tier", "eligible"]

    class Meta(CommunityWorkerFilterSet.Meta):
        fields = [*CommunityWorkerFilterSet.Meta.fields, "eligible"]


class GradeChangeFilterSet(BaseFilterSet):
    search_fields = ("worker__name", "reason")
    region = region_filter("worker__community__path")
    worker = django_filters.NumberFilter(field_name="worker_id", label=_("社区工作者编号"))
    year = django_filters.NumberFilter(field_name="effective_on__year", label=_("年度"))
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gt", label=_("记录时间晚于")
    )
    ui_fields = ["q", "region", "year"]

    class Meta:
        model = GradeChange
        fields = ["q", "region", "worker", "year", "updated_after"]


class LadderRuleFilterSet(django_filters.FilterSet):
    class Meta:
        model = LadderRule
        fields = ["tier"]
