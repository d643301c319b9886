"""Pages of 班长工程: the secretaries (书记队伍) with their figures, summary chart and the
branches without a secretary; training records and 述职评议 (generic register pages); the
community workers with their promotion history, the promotion form and the eligibility
report; the ladder rules (district admins edit them)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, F, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from cadres import services
from cadres.filters import (
    AnnualReviewFilterSet,
    CommunityWorkerFilterSet,
    EligibilityFilterSet,
    GradeChangeFilterSet,
    SecretaryFilterSet,
    TrainingRecordFilterSet,
    VacancyFilterSet,
)
from cadres.forms import (
    LADDER_RULE_FIELDS,
    REVIEW_FIELDS,
    TRAINING_FIELDS,
    WORKER_FIELDS,
    LadderRuleForm,
    PromotionForm,
)
from cadres.models import (
    AnnualReview,
    CommunityWorker,
    GradeChange,
    LadderRule,
    Secretary,
    TrainingRecord,
)
from members.models import Member
from organizations.models import LeadershipPosition, Organization
from portal import scoping, views
from portal.models import Region
from portal.tables import Annotation, Column


def as_of_date(request):
    """The report date from ``?as_of=YYYY-MM-DD`` (today when missing or malformed)."""
    try:
        return date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


class Computed(Column):
    """A column computed per row in Python (no lookup: exports read objects)."""

    def __init__(self, label, function):
        super().__init__("pk", label=label, order_by=None)
        self.function = function

    def bind(self, model):
        self.lookup = None
        self.choices = None
        return self

    def value(self, obj):
        return self.function(obj)


class ReportListView(views.ObjectListView):
    """A list that is a report over a model: no add/import buttons, its own title."""

    template_name = "cadres/report_list.html"
    title = ""
    #: Which model's generic pages the "back" links go to.
    list_url_name = None

    def model_context(self):
        context = super().model_context()
        context.update(can_add=False, can_import=False, title=self.title)
        if self.list_url_name:
            context["list_url"] = reverse(self.list_url_name)
        return context


# --- secretaries -------------------------------------------------------------------------


STREET_NAME = Case(
    When(
        organization__region__level=Region.Level.COMMUNITY,
        then=F("organization__region__parent__name"),
    ),
    default=F("organization__region__name"),
    output_field=CharField(),
)

SECRETARY_COLUMNS = [
    Column("holder_name", label=gettext_lazy("姓名"), link=True),
    Column("title"),
    Column("organization.name", label=gettext_lazy("所在组织")),
    Column("organization.kind", label=gettext_lazy("组织类别")),
    Column("organization.sector", label=gettext_lazy("所属领域")),
    Annotation("street_name", gettext_lazy("街道")),
    Annotation("age", gettext_lazy("年龄")),
    Column("holder.gender", label=gettext_lazy("性别")),
    Column("holder.education", label=gettext_lazy("学历")),
    Column("started_on", label=gettext_lazy("任职日期")),
    Annotation("tenure", gettext_lazy("本职任职年限")),
    Annotation("secretary_years", gettext_lazy("累计任书记年限")),
    Annotation("training_hours", gettext_lazy("本年度培训学时")),
    Annotation("latest_rating", gettext_lazy("最近述职评议"), choices=AnnualReview.Rating.choices),
    Annotation("latest_review_year", gettext_lazy("评议年度")),
]


class SecretaryListView(ReportListView):
    """Every current 书记/副书记 in scope with their figures on ``as_of`` (today by
    default), a summary by age and education (chart) and the number of branches without a
    secretary. A constant number of queries: the list, its count, the summary, the
    vacancies."""

    queryset = Secretary.objects.all()
    filterset_class = SecretaryFilterSet
    columns = SECRETARY_COLUMNS
    template_name = "cadres/secretary_list.html"
    title = gettext_lazy("书记队伍")
    default_sort = ["organization__path", "title"]

    def get_queryset(self):
        self.as_of = as_of_date(self.request)
        queryset = services.secretaries(self.as_of).annotate(street_name=STREET_NAME)
        return scoping.restrict(queryset, self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = services.secretary_summary(self.object_list)
        vacancies = None
        if scoping.can(self.request.user, Organization, "view"):
            vacancies = scoping.restrict(
                services.vacant_organizations(self.as_of), self.request.user
            ).count()
        context.update(
            summary=summary,
            vacancies=vacancies,
            as_of=self.as_of,
            chart={
                "age": {
                    "names": [n for n, _c in summary["age"]],
                    "values": [c for _n, c in summary["age"]],
                },
                "education": {
                    "names": [n for n, _c in summary["education"]],
                    "values": [c for _n, c in summary["education"]],
                },
                "labels": {"age": _("年龄结构"), "education": _("学历结构"), "count": _("人数")},
            },
        )
        return context


class SecretaryDetailView(views.ObjectDetailView):
    """A secretary's profile: the post's figures, the holder's other posts, training and
    述职 records. Member data is the masked kind only (no ID number, no mobile)."""

    queryset = Secretary.objects.all()
    template_name = "cadres/secretary_detail.html"

    def get_queryset(self):
        self.as_of = timezone.localdate()
        queryset = services.secretaries(self.as_of).annotate(street_name=STREET_NAME)
        return scoping.restrict(queryset, self.request.user)

    def object_context(self, obj, tab):
        # The post's audit trail is the position's (organizations keeps the table).
        return {
            **self.model_context(),
            "can_change": False,
            "can_delete": False,
            "object": obj,
            "tab": tab,
            "history_url": reverse("organizations:leadershipposition_history", args=[obj.pk]),
        }

    def detail_fields(self, obj):
        holder = obj.holder
        rows = [
            (_("姓名"), obj.holder_name),
            (_("职务"), obj.get_title_display()),
            (_("所在组织"), obj.organization.name),
            (_("组织类别"), obj.organization.get_kind_display()),
            (_("所属领域"), obj.organization.get_sector_display()),
            (_("街道"), obj.street_name),
            (_("性别"), holder.get_gender_display() if holder else None),
            (_("年龄"), obj.age),
            (_("学历"), holder.get_education_display() if holder else None),
            (_("任职日期"), obj.started_on),
            (_("本职任职年限"), obj.tenure),
            (_("累计任书记年限"), obj.secretary_years),
            (_("本年度培训学时"), obj.training_hours),
            (
                _("最近述职评议"),
                f"{obj.latest_review_year} {dict(AnnualReview.Rating.choices)[obj.latest_rating]}"
                if obj.latest_rating
                else None,
            ),
        ]
        return [{"label": label, "value": value, "url": None} for label, value in rows]

    def get_extra_context(self, obj):
        user = self.request.user
        holder = obj.holder
        context = {"holder": holder, "positions": [], "trainings": [], "reviews": []}
        if holder is None:
            return context
        if scoping.can(user, Member, "view") and scoping.in_scope(holder, user):
            context["holder_url"] = holder.get_absolute_url()
        context["positions"] = list(
            scoping.restrict(
                LeadershipPosition.objects.filter(holder=holder).select_related("organization"),
                user,
            ).order_by("-started_on")
        )
        context["trainings"] = list(
            scoping.restrict(TrainingRecord.objects.filter(member=holder), user).order_by(
                "-started_on"
            )[:50]
        )
        context["reviews"] = list(
            scoping.restrict(
                AnnualReview.objects.filter(member=holder).select_related("organization"), user
            ).order_by("-year")[:20]
        )
        context["can_add_training"] = scoping.can(user, TrainingRecord, "add")
        context["can_add_review"] = scoping.can(user, AnnualReview, "add")
        return context


class VacancyListView(ReportListView):
    """Branch-level organisations in scope with no secretary in post."""

    queryset = Organization.objects.all()
    filterset_class = VacancyFilterSet
    title = gettext_lazy("书记空缺的党支部")
    list_url_name = "cadres:secretary_list"
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("kind"),
        Column("sector"),
        Column("region.name", label=gettext_lazy("所在区划")),
        Column("parent.name", label=gettext_lazy("上级组织")),
    ]
    default_sort = ["path"]

    def get_queryset(self):
        return scoping.restrict(
            services.vacant_organizations(as_of_date(self.request)), self.request.user
        )


# --- training records and reviews ----------------------------------------------------------


class TrainingRecordListView(views.ObjectListView):
    queryset = TrainingRecord.objects.select_related("member", "member__organization")
    filterset_class = TrainingRecordFilterSet
    columns = [
        Column("member.name", label=gettext_lazy("党员"), link=True),
        Column("member.organization.name", label=gettext_lazy("所在党支部")),
        Column("title", link=True),
        Column("kind"),
        Column("organiser"),
        Column("started_on"),
        Column("ended_on"),
        Column("hours"),
        Column("certificate_no"),
    ]


class TrainingRecordDetailView(views.ObjectDetailView):
    queryset = TrainingRecord.objects.select_related("member")
    fields = TRAINING_FIELDS


class AnnualReviewListView(views.ObjectListView):
    queryset = AnnualReview.objects.select_related("member", "organization", "reviewer")
    filterset_class = AnnualReviewFilterSet
    columns = [
        Column("year", link=True),
        Column("member.name", label=gettext_lazy("述职人"), link=True),
        Column("organization.name", label=gettext_lazy("所在组织")),
        Column("rating"),
        Column("score"),
        Column("reviewer.name", label=gettext_lazy("评议单位")),
    ]


class AnnualReviewDetailView(views.ObjectDetailView):
    queryset = AnnualReview.objects.select_related("member", "organization", "reviewer")
    fields = REVIEW_FIELDS


# --- community workers ---------------------------------------------------------------------


WORKER_COLUMNS = [
    Column("name", link=True),
    Column("community.name", label=gettext_lazy("所在居民区")),
    Column("post"),
    Column("gender"),
    Column("birth_date"),
    Column("education"),
    Column("certificate"),
    Column("hired_on"),
    Column("tier"),
    Column("grade"),
    Column("current_since"),
    Column("left_on"),
]


class CommunityWorkerListView(views.ObjectListView):
    queryset = CommunityWorker.objects.select_related("community")
    filterset_class = CommunityWorkerFilterSet
    columns = WORKER_COLUMNS


class CommunityWorkerDetailView(views.ObjectDetailView):
    queryset = CommunityWorker.objects.select_related("community", "member", "user")
    template_name = "cadres/communityworker_detail.html"
    fields = [*WORKER_FIELDS[:8], "tier", "grade", "current_since", "member", "left_on", "note"]

    def get_extra_context(self, obj):
        user = self.request.user
        today = timezone.localdate()
        rules = services.ladder_rules()
        annotated = services.with_eligibility(
            CommunityWorker.objects.filter(pk=obj.pk), today, rules
        ).first()
        return {
            "changes": obj.grade_changes.select_related("approved_by").order_by(
                "-effective_on", "-id"
            ),
            "eligible": annotated.eligible,
            "reasons": services.ineligibility_reasons(annotated, today, rules),
            "can_promote": scoping.can(user, CommunityWorker, "change")
            and scoping.can(user, GradeChange, "add"),
        }


class PromoteView(views.ScopedViewMixin, TemplateView):
    """Promote, demote or move a worker to another tier through ``services.promote``."""

    queryset = CommunityWorker.objects.select_related("community")
    template_name = "cadres/promote.html"
    action = "change"

    def get_form(self, worker):
        data = self.request.POST if self.request.method == "POST" else None
        initial = {
            "to_tier": worker.tier,
            "to_grade": min(worker.grade + 1, 18),
            "effective_on": timezone.localdate(),
        }
        return PromotionForm(data, worker=worker, user=self.request.user, initial=initial)

    def get(self, request, *args, **kwargs):
        worker = self.get_object()
        return self.render_to_response(self.context(worker, self.get_form(worker)))

    def post(self, request, *args, **kwargs):
        worker = self.get_object()
        form = self.get_form(worker)
        if form.is_valid():
            messages.success(request, _("已调整“%(worker)s”的等级。") % {"worker": worker})
            return HttpResponseRedirect(worker.get_absolute_url())
        return self.render_to_response(self.context(worker, form), status=400)

    def context(self, worker, form):
        return {
            **self.model_context(),
            "object": worker,
            "form": form,
            "rules": services.ladder_rules().values(),
        }


class EligibilityListView(ReportListView):
    """Workers in scope and whether each may step up a grade on ``as_of``; with the
    reasons of those who may not."""

    queryset = CommunityWorker.objects.all()
    filterset_class = EligibilityFilterSet
    title = gettext_lazy("晋级资格")
    list_url_name = "cadres:communityworker_list"
    template_name = "cadres/eligibility_list.html"

    def get_queryset(self):
        self.as_of = as_of_date(self.request)
        self.rules = services.ladder_rules()
        queryset = services.with_eligibility(
            CommunityWorker.objects.select_related("community"), self.as_of, self.rules
        )
        return scoping.restrict(queryset, self.request.user)

    def get_columns(self):
        return [
            Column("name", link=True),
            Column("community.name", label=gettext_lazy("所在居民区")),
            Column("post"),
            Column("tier"),
            Column("grade"),
            Column("current_since"),
            Column("certificate"),
            Column("education"),
            Annotation("eligible", gettext_lazy("符合晋级条件")),
            Computed(
                gettext_lazy("不符合的原因"),
                lambda worker: "；".join(
                    str(r) for r in services.ineligibility_reasons(worker, self.as_of, self.rules)
                ),
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["as_of"] = self.as_of
        return context


class GradeChangeListView(ReportListView):
    queryset = GradeChange.objects.select_related("worker", "worker__community", "approved_by")
    filterset_class = GradeChangeFilterSet
    title = gettext_lazy("等级变动记录")
    default_sort = ["-effective_on", "-id"]
    columns = [
        Column("worker.name", label=gettext_lazy("社区工作者"), link=True),
        Column("worker.community.name", label=gettext_lazy("所在居民区")),
        Column("from_tier"),
        Column("from_grade"),
        Column("to_tier"),
        Column("to_grade"),
        Column("effective_on"),
        Column("exception"),
        Column("reason"),
        Column("approved_by.username", label=gettext_lazy("审批人")),
    ]


# --- ladder rules --------------------------------------------------------------------------


class LadderRuleMixin(LoginRequiredMixin):
    """The ladder rules: a district-wide table with no region. Everyone whose roles may
    view them reads them; only district-wide users with the permission edit them."""

    action = "view"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated:
            if not scoping.can(user, LadderRule, self.action):
                raise PermissionDenied
            if self.action != "view" and not scoping.district_wide(user):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LadderRuleListView(LadderRuleMixin, TemplateView):
    template_name = "cadres/ladderrule_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            rules=LadderRule.objects.order_by("tier"),
            can_change=scoping.can(user, LadderRule, "change") and scoping.district_wide(user),
            fields=LADDER_RULE_FIELDS,
        )
        return context


class LadderRuleEditView(LadderRuleMixin, TemplateView):
    template_name = "cadres/ladderrule_edit.html"
    action = "change"

    def get(self, request, pk):
        rule = get_object_or_404(LadderRule, pk=pk)
        return self.render_to_response({"object": rule, "form": LadderRuleForm(instance=rule)})

    def post(self, request, pk):
        rule = get_object_or_404(LadderRule, pk=pk)
        form = LadderRuleForm(request.POST, instance=rule)
        if form.is_valid():
            form.save()
            messages.success(request, _("已保存“%(object)s”。") % {"object": rule})
            return HttpResponseRedirect(reverse("cadres:ladderrule_list"))
        return self.render_to_response({"object": rule, "form": form}, status=400)
