"""Cross-database questions (综合查询): saved, parameterised reports over the four databases.

Each question is a ``Question`` in the registry below: a key (its page is
``/reports/q/<key>/``, its API resource ``/api/v1/reports/<key>/``), a title, a description
that says exactly what is counted, the FilterSet of its parameters, a builder that returns
the rows the user may see (always through ``portal.scoping``), its columns, and optionally a
chart. Members appear only with their masked ID number and mobile.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buildings.models import Building, Enterprise, ServiceSite
from grids.models import Case as GridCase
from grids.models import Grid
from members import dues
from members.models import Member
from organizations.models import Organization, TermRule
from portal import scoping
from portal.tables import Column
from reports import filters

#: At most this many bars in a chart (the rest are in the table).
CHART_BARS = 15


@dataclass
class Question:
    key: str
    title: str
    description: str
    #: The model whose view permission the question needs (and whose rows it lists).
    model: type
    filterset_class: type | None = None
    columns: list = field(default_factory=list)
    #: ``build(user)``: the rows ``user`` may see, before the parameters are applied.
    build: Callable | None = None
    #: ``chart(queryset)``: {"type": "bar" | "pie", "names": [...], "values": [...]}.
    chart: Callable | None = None
    #: ``group(queryset)``: a grouped question's ``values()`` rows, built from the rows its
    #: parameters narrowed (None: the rows are model instances).
    group: Callable | None = None
    #: Why the question cannot be answered yet (its data does not exist): the page says so
    #: and the API answers 501 instead of an empty, misleading list.
    unavailable: str = ""

    @property
    def available(self):
        return not self.unavailable

    @property
    def grouped(self):
        return self.group is not None

    def queryset(self, user):
        return self.build(user)

    def answer(self, user, data):
        """The question's FilterSet bound to ``data`` (request parameters) and the rows it
        answers: unfiltered while the parameters are invalid (the form shows why)."""
        base = self.queryset(user)
        filterset = self.filterset_class(data or None, queryset=base)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
        return filterset, self.finish(queryset)

    def finish(self, queryset):
        """The rows to show once the parameters are applied."""
        return self.group(queryset) if self.grouped else queryset

    def bound_columns(self):
        return [column.bind(self.model) for column in self.columns]

    def records(self, objects):
        """The rows as objects the columns read (a grouped question's dicts wrapped)."""
        if self.grouped:
            return [SimpleNamespace(**row) for row in objects]
        return list(objects)

    def exportable(self, queryset):
        """``queryset`` as ``portal.exports`` iterates it."""
        return _Records(queryset) if self.grouped else queryset


class _Records:
    """A grouped question's ``values()`` queryset, iterated as objects for the exporter."""

    def __init__(self, queryset):
        self.queryset = queryset

    def iterator(self, chunk_size=2000):
        for row in self.queryset.iterator(chunk_size=chunk_size):
            yield SimpleNamespace(**row)


def column_key(column):
    """The name of a column in the API's rows."""
    return column.accessor.replace(".", "_")


REGISTRY: dict[str, Question] = {}


def register(question):
    REGISTRY[question.key] = question
    return question


def get(key):
    return REGISTRY.get(key)


def all_questions():
    return list(REGISTRY.values())


def _bar_chart(queryset, name_field, label_if_none):
    rows = (
        queryset.order_by()
        .values(name_field)
        .annotate(n=Count("pk"))
        .order_by("-n", name_field)[:CHART_BARS]
    )
    return {
        "type": "bar",
        "names": [row[name_field] or str(label_if_none) for row in rows],
        "values": [row["n"] for row in rows],
    }


def _grouped_bar_chart(name_key, value_key):
    """The chart of a grouped question: its first groups, by ``name_key`` and ``value_key``."""

    def chart(groups):
        rows = list(groups[:CHART_BARS])
        return {
            "type": "bar",
            "names": [row[name_key] for row in rows],
            "values": [row[value_key] for row in rows],
        }

    return chart


# --- 1. enterprises that should found an organisation ----------------------------------


def _should_found(user):
    enterprises = Enterprise.objects.filter(
        status=Enterprise.Status.ACTIVE, facts__should_found=True
    ).select_related("facts", "building", "building__grid", "region", "party_organization")
    return scoping.restrict(enterprises, user).order_by(
        "building__code", "-facts__full_members", "name", "pk"
    )


register(
    Question(
        key="should-found",
        title=gettext_lazy("应建未建党组织的企业"),
        description=gettext_lazy(
            "存续的企业/社会组织中，在职正式党员 3 人以上（党籍状态正常）而尚未单独建立党组织的"
            "（仅纳入联合党支部的也列出），按所在楼宇和网格。数据取自覆盖统计（夜间刷新）。"
        ),
        model=Enterprise,
        filterset_class=filters.ShouldFoundFilterSet,
        columns=[
            Column("name", gettext_lazy("名称"), link=True),
            Column("uscc", gettext_lazy("统一社会信用代码")),
            Column("kind", gettext_lazy("类型")),
            Column("building.name", gettext_lazy("所在楼宇")),
            Column("building.grid.name", gettext_lazy("所在网格")),
            Column("region.name", gettext_lazy("所在区划")),
            Column("facts.full_members", gettext_lazy("正式党员")),
            Column("facts.probationary_members", gettext_lazy("预备党员")),
            Column("party_organization.name", gettext_lazy("所在联合党支部")),
        ],
        build=_should_found,
        chart=lambda qs: _bar_chart(qs, "building__grid__name", gettext_lazy("未落网格")),
    )
)


# --- 2. buildings with no service site ------------------------------------------------


def _buildings_without_site(user):
    in_building = ServiceSite.objects.filter(building=OuterRef("pk"))
    in_park = ServiceSite.objects.filter(building__park=OuterRef("park"))
    buildings = (
        Building.objects.exclude(Exists(in_building))
        .exclude(Exists(in_park))
        .select_related("region", "region__parent", "park", "grid")
        .annotate(
            enterprise_count=F("coverage__enterprises"),
            member_count=F("coverage__members"),
        )
    )
    return scoping.restrict(buildings, user).order_by("region__path", "code", "pk")


register(
    Question(
        key="buildings-without-site",
        title=gettext_lazy("未设党建服务站点的楼宇"),
        description=gettext_lazy(
            "楼宇内没有党建服务站点，且所在园区的各楼宇也都没有的楼宇（不在园区的楼宇只看本楼）。"
            "企业数、党员数取自覆盖统计。"
        ),
        model=Building,
        filterset_class=filters.BuildingWithoutSiteFilterSet,
        columns=[
            Column("code", gettext_lazy("楼宇编码")),
            Column("name", gettext_lazy("楼宇名称"), link=True),
            Column("kind", gettext_lazy("类型")),
            Column("region.parent.name", gettext_lazy("街道/镇")),
            Column("region.name", gettext_lazy("所在社区")),
            Column("park.name", gettext_lazy("所在园区")),
            Column("grid.name", gettext_lazy("所在网格")),
            Column("enterprise_count", gettext_lazy("企业/社会组织")),
            Column("member_count", gettext_lazy("党员数")),
        ],
        build=_buildings_without_site,
        chart=lambda qs: _bar_chart(qs, "region__parent__name", gettext_lazy("其他")),
    )
)


# --- 3. members working in the district, not registered where they live (双报到) --------


def _dual_registration(user):
    members = Member.objects.filter(
        status=Member.Status.NORMAL,
        employer__isnull=False,
        employer__status=Enterprise.Status.ACTIVE,
        residential_grid__isnull=True,
        residential_region__isnull=True,
    ).select_related("organization", "employer", "employer__building", "employer__region")
    return scoping.restrict(members, user).order_by("organization__path", "pk")


register(
    Question(
        key="dual-registration",
        title=gettext_lazy("在职党员未到社区报到（双报到）"),
        description=gettext_lazy(
            "党籍状态正常、工作单位为本区存续企业/社会组织，但既未登记居住地社区、也未登记报到网格的"
            "党员。身份证号和手机号始终脱敏显示。"
        ),
        model=Member,
        filterset_class=filters.DualRegistrationFilterSet,
        columns=[
            Column("name", gettext_lazy("姓名"), link=True),
            Column("gender", gettext_lazy("性别")),
            Column("id_number_masked", gettext_lazy("身份证号")),
            Column("mobile_masked", gettext_lazy("手机号")),
            Column("organization.name", gettext_lazy("所在党支部")),
            Column("employer.name", gettext_lazy("工作单位")),
            Column("employer.building.name", gettext_lazy("单位所在楼宇")),
            Column("employer.region.name", gettext_lazy("单位所在区划")),
        ],
        build=_dual_registration,
        chart=lambda qs: _bar_chart(qs, "employer__name", ""),
    )
)


# --- 4. grids whose leader is not a member in good standing ---------------------------


def _grid_leaders(user):
    problems = dict(filters.GridLeaderFilterSet.PROBLEMS)
    problem = Case(
        When(leader__isnull=True, then=Value("no_leader")),
        When(~Q(leader__status=Member.Status.NORMAL), then=Value("status")),
        When(leader__lost_contact=True, then=Value("lost_contact")),
        default=None,
        output_field=CharField(),
    )
    label = Case(
        *[When(problem=key, then=Value(str(text))) for key, text in problems.items()],
        output_field=CharField(),
    )
    grids = (
        Grid.objects.annotate(problem=problem)
        .filter(problem__isnull=False)
        .annotate(problem_label=label)
        .select_related("region", "region__parent", "leader", "leader__organization")
    )
    return scoping.restrict(grids, user).order_by("region__path", "code", "pk")


def _problem_chart(queryset):
    rows = queryset.order_by().values("problem_label").annotate(n=Count("pk")).order_by("-n")
    return {
        "type": "pie",
        "names": [row["problem_label"] for row in rows],
        "values": [row["n"] for row in rows],
    }


register(
    Question(
        key="grid-leaders",
        title=gettext_lazy("网格长不是正常党员的网格"),
        description=gettext_lazy(
            "未配备网格长，或网格长的党籍状态不是“正常”（停止党籍、出党、退党、死亡），或网格长为"
            "失联党员的网格。网格长的组织关系在其他街道不算问题：在职党员可在居住地担任网格长"
            "（双报到），表中列出其所在党支部供核对。"
        ),
        model=Grid,
        filterset_class=filters.GridLeaderFilterSet,
        columns=[
            Column("code", gettext_lazy("网格编码")),
            Column("name", gettext_lazy("网格名称"), link=True),
            Column("region.parent.name", gettext_lazy("街道/镇")),
            Column("region.name", gettext_lazy("所在社区")),
            Column("problem_label", gettext_lazy("问题")),
            Column("leader.name", gettext_lazy("网格长")),
            Column("leader.status", gettext_lazy("党籍状态")),
            Column("leader.lost_contact", gettext_lazy("失联")),
            Column("leader.organization.name", gettext_lazy("网格长所在党支部")),
        ],
        build=_grid_leaders,
        chart=_problem_chart,
    )
)


# --- 5. organisations overdue for a term election (换届) -------------------------------


def _term_overdue(user):
    today = timezone.localdate()
    days_overdue = Func(Value(today), F("term_end"), arg_joiner=" - ", template="(%(expressions)s)")
    # ``term_due(days)`` lists terms ending within ``days``; -1: ended before today.
    # Only kinds that hold elections (a TermRule): 党小组 and 临时党支部 have no term.
    organizations = (
        Organization.objects.term_due(days=-1)
        .filter(kind__in=TermRule.objects.values("kind"))
        .annotate(days_overdue=Cast(days_overdue, IntegerField()))
        .select_related("region")
    )
    return scoping.restrict(organizations, user).order_by("term_end", "path", "pk")


register(
    Question(
        key="term-overdue",
        title=gettext_lazy("届满未换届的党组织"),
        description=gettext_lazy(
            "届满日期已过（早于今天）而未撤销、实行任期制的党组织，按届满日期排列，"
            "最久未换届的在前。"
        ),
        model=Organization,
        filterset_class=filters.TermOverdueFilterSet,
        columns=[
            Column("code", gettext_lazy("组织编码")),
            Column("name", gettext_lazy("组织名称"), link=True),
            Column("kind", gettext_lazy("组织类别")),
            Column("sector", gettext_lazy("所属领域")),
            Column("region.name", gettext_lazy("所在区划")),
            Column("term_number", gettext_lazy("届次")),
            Column("term_end", gettext_lazy("届满日期")),
            Column("days_overdue", gettext_lazy("超期天数")),
        ],
        build=_term_overdue,
        chart=lambda qs: _bar_chart(qs, "region__name", ""),
    )
)


# --- 6. branches with members in arrears (党费) ---------------------------------------


def _dues_arrears(user):
    members = scoping.restrict(Member.objects.all(), user)
    rows = dues.arrears_queryset(members, timezone.localdate())
    return rows.filter(dues_months_in_arrears__gte=dues.OVERDUE_MONTHS)


def _group_by_branch(queryset):
    return (
        queryset.order_by()
        .values(
            "organization_id",
            "organization__code",
            "organization__name",
            "organization__region__name",
        )
        .annotate(
            members_in_arrears=Count("pk"),
            longest_months=Max("dues_months_in_arrears"),
            earliest_paid_until=Min("dues_paid_until"),
        )
        .order_by("-members_in_arrears", "organization__code")
    )


register(
    Question(
        key="dues-arrears",
        title=gettext_lazy("有党员连续 6 个月以上未交党费的支部"),
        description=gettext_lazy(
            "按党支部汇总党籍状态正常、6 个月以上未交纳党费的党员（自入党当月与首个申报基数年度"
            "1 月中较晚者起，至上月止，每月一笔缴费记录；经批准减免或缓交的月份不计）。"
            "未申报党费基数的党员不计。"
            "党员名单见“党员信息库 › 党费”中该支部的页面。"
        ),
        model=Member,
        filterset_class=filters.DuesArrearsFilterSet,
        columns=[
            Column("organization__code", gettext_lazy("组织编码")),
            Column("organization__name", gettext_lazy("党支部")),
            Column("organization__region__name", gettext_lazy("所在区划")),
            Column("members_in_arrears", gettext_lazy("欠缴 6 个月以上党员")),
            Column("longest_months", gettext_lazy("最长欠缴月数")),
            Column("earliest_paid_until", gettext_lazy("最早交至月份")),
        ],
        build=_dues_arrears,
        group=_group_by_branch,
        chart=_grouped_bar_chart("organization__name", "members_in_arrears"),
    )
)


# --- 7. overdue cases per assignee -----------------------------------------------------


def _overdue_cases(user):
    kind = Case(
        When(assignee_organization__isnull=False, then=Value("organization")),
        When(assignee_member__isnull=False, then=Value("member")),
        When(~Q(assignee_unit=""), then=Value("unit")),
        When(assignee_user__isnull=False, then=Value("user")),
        default=Value("none"),
        output_field=CharField(),
    )
    kinds = dict(filters.OverdueCaseFilterSet.ASSIGNEE_KINDS)
    kind_label = Case(
        *[When(assignee_kind=key, then=Value(str(text))) for key, text in kinds.items()],
        output_field=CharField(),
    )
    name = Case(
        When(assignee_kind="organization", then=F("assignee_organization__name")),
        When(assignee_kind="member", then=F("assignee_member__name")),
        When(assignee_kind="unit", then=F("assignee_unit")),
        When(assignee_kind="user", then=F("assignee_user__username")),
        default=Value(_("（待受理/待派单）")),
        output_field=CharField(),
    )
    # The assignee's identity: names may repeat (two members called 王芳), ids do not.
    ref = Coalesce(
        Cast("assignee_organization_id", CharField()),
        Cast("assignee_member_id", CharField()),
        F("assignee_unit"),
        Cast("assignee_user_id", CharField()),
        output_field=CharField(),
    )
    cases = scoping.restrict(GridCase.objects.filter(overdue=True), user)
    return cases.annotate(assignee_kind=kind).annotate(
        assignee_kind_label=kind_label, assignee_name=name, assignee_ref=ref
    )


def _group_by_assignee(queryset):
    return (
        queryset.order_by()
        .values("assignee_kind", "assignee_ref", "assignee_kind_label", "assignee_name")
        .annotate(cases=Count("pk"), oldest_due=Min("due_at"))
        .order_by("-cases", "assignee_name", "assignee_ref")
    )


register(
    Question(
        key="overdue-cases",
        title=gettext_lazy("超时工单（按承办方）"),
        description=gettext_lazy(
            "当前已超时的需求/问题（本环节时限已过、尚未推进），按承办党组织、承办党员、驻区单位、"
            "承办账号汇总；尚未派单的按“待受理/待派单”汇总。"
        ),
        model=GridCase,
        filterset_class=filters.OverdueCaseFilterSet,
        columns=[
            Column("assignee_kind_label", gettext_lazy("承办方类型")),
            Column("assignee_name", gettext_lazy("承办方")),
            Column("cases", gettext_lazy("超时工单")),
            Column("oldest_due", gettext_lazy("最早时限")),
        ],
        build=_overdue_cases,
        group=_group_by_assignee,
        chart=_grouped_bar_chart("assignee_name", "cases"),
    )
)
