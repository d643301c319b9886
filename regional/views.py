"""Pages of regional Party building: the generic list/detail/edit pages of every register,
the project's workflow actions (allocate, complete a milestone, start, close, cancel), the
"升级为需求" action of a grid case, the pairing report and the overview at /regional/."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from portal import exports, scoping, views
from portal.tables import Column, bind_columns
from regional import filters, forms, models, services
from regional.models import (
    IndustryCommittee,
    IndustryCommitteeMember,
    IndustryIssue,
    JointMeeting,
    JointMeetingMembership,
    JointMeetingSession,
    Milestone,
    Need,
    Pairing,
    PairingActivity,
    PairingEvaluation,
    Project,
    ProjectUpdate,
    ResidentUnit,
    Resource,
    SessionAttendance,
)


def visible(user, queryset):
    """The rows of ``queryset`` the user may see ([] without the view permission)."""
    return scoping.restrict(queryset, user, "view")


def can(user, model, action="add"):
    return scoping.can(user, model, action)


# --- resident units and joint meetings ------------------------------------------------------


class ResidentUnitListView(views.ObjectListView):
    queryset = ResidentUnit.objects.select_related("region")
    filterset_class = filters.ResidentUnitFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("kind"),
        Column("region.name", label=_("所在街道/社区")),
        Column("address"),
        Column("contact_name"),
    ]


class ResidentUnitDetailView(views.ObjectDetailView):
    queryset = ResidentUnit.objects.select_related("region", "enterprise")
    template_name = "regional/residentunit_detail.html"
    fields = models.RESIDENT_UNIT_INPUT_FIELDS

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "memberships": visible(
                user, obj.memberships.select_related("meeting__region")
            ).order_by("meeting__code"),
            "resources": visible(user, Resource.objects.with_remaining().filter(unit=obj)),
            "can_add_resource": can(user, Resource),
        }


class JointMeetingListView(views.ObjectListView):
    queryset = JointMeeting.objects.select_related("region", "convener").annotate(
        unit_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))
    )
    filterset_class = filters.JointMeetingFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("level"),
        Column("region.name", label=_("所在区划")),
        Column("convener.name", label=_("召集党组织")),
        Column("unit_count", label=_("在册成员单位"), order_by="unit_count", export=False),
    ]


class JointMeetingDetailView(views.ObjectDetailView):
    queryset = JointMeeting.objects.select_related("region", "convener")
    template_name = "regional/jointmeeting_detail.html"
    fields = models.JOINT_MEETING_INPUT_FIELDS

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "memberships": obj.memberships.select_related("unit__region").order_by(
                "left_on", "unit__name"
            ),
            "sessions": obj.sessions.annotate(
                present=Count("attendance", filter=Q(attendance__present=True)),
                absent=Count("attendance", filter=Q(attendance__present=False)),
            ),
            "can_edit_meeting": scoping.in_scope(obj, user, "change"),
        }


class MembershipListView(views.ObjectListView):
    queryset = JointMeetingMembership.objects.select_related("meeting", "unit")
    filterset_class = filters.JointMeetingMembershipFilterSet
    columns = [
        Column("meeting.name", label=_("联席会议"), link=True),
        Column("unit.name", label=_("成员单位"), link=True),
        Column("representative"),
        Column("representative_title"),
        Column("joined_on"),
        Column("left_on"),
    ]


class MembershipDetailView(views.ObjectDetailView):
    queryset = JointMeetingMembership.objects.select_related("meeting", "unit")


class SessionListView(views.ObjectListView):
    queryset = JointMeetingSession.objects.select_related("meeting")
    filterset_class = filters.JointMeetingSessionFilterSet
    columns = [
        Column("held_on", link=True),
        Column("title", link=True),
        Column("meeting.name", label=_("联席会议")),
    ]


class SessionDetailView(views.ObjectDetailView):
    queryset = JointMeetingSession.objects.select_related("meeting")
    template_name = "regional/jointmeetingsession_detail.html"

    def get_extra_context(self, obj):
        return {"attendance": obj.attendance.select_related("unit").order_by("unit__name")}


class AttendanceListView(views.ObjectListView):
    queryset = SessionAttendance.objects.select_related("session__meeting", "unit")
    filterset_class = type(
        "SessionAttendanceFilterSet",
        (filters.BaseFilterSet,),
        {"Meta": type("Meta", (), {"model": SessionAttendance, "fields": ["updated_after"]})},
    )
    columns = [
        Column("session.title", label=_("会议"), link=True),
        Column("unit.name", label=_("成员单位")),
        Column("present"),
    ]


class AttendanceDetailView(views.ObjectDetailView):
    queryset = SessionAttendance.objects.select_related("session", "unit")


# --- the three lists -------------------------------------------------------------------------


class NeedListView(views.ObjectListView):
    queryset = Need.objects.select_related("region", "source_unit")
    filterset_class = filters.NeedFilterSet
    columns = [
        Column("title", link=True),
        Column("category"),
        Column("status"),
        Column("region.name", label=_("所在区划")),
        Column("source_unit.name", label=_("提出单位")),
        Column("created_at"),
    ]


class NeedDetailView(views.ObjectDetailView):
    queryset = Need.objects.select_related("region", "source_unit", "source_case")
    template_name = "regional/need_detail.html"
    fields = (*models.NEED_INPUT_FIELDS, "status", "source_case", "status_note")

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "projects": visible(user, obj.projects.all()),
            "can_add_project": can(user, Project),
        }


class ResourceListView(views.ObjectListView):
    queryset = Resource.objects.with_remaining().select_related("unit", "region")
    filterset_class = filters.ResourceFilterSet
    columns = [
        Column("name", link=True),
        Column("kind"),
        Column("unit.name", label=_("提供单位")),
        Column("quantity"),
        Column("remaining", label=_("剩余数量"), order_by=None),
        Column("unit_of_measure"),
        Column("available_to"),
    ]


class ResourceDetailView(views.ObjectDetailView):
    queryset = Resource.objects.with_remaining().select_related("unit", "region")
    template_name = "regional/resource_detail.html"
    fields = models.RESOURCE_INPUT_FIELDS

    def get_extra_context(self, obj):
        return {
            "allocations": visible(
                self.request.user, obj.allocations.select_related("project")
            ).order_by("id"),
        }


def with_milestone_counts(queryset):
    return queryset.annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__done_on__isnull=False), distinct=True
        ),
    )


class ProjectListView(views.ObjectListView):
    queryset = with_milestone_counts(Project.objects.select_related("region", "owner_organization"))
    filterset_class = filters.ProjectFilterSet
    columns = [
        Column("name", link=True),
        Column("status"),
        Column("owner_organization.name", label=_("牵头党组织")),
        Column("owner_person"),
        Column("progress", label=_("进度（%）"), order_by=None),
        Column("start_on"),
        Column("end_on"),
    ]


class ProjectDetailView(views.ObjectDetailView):
    queryset = with_milestone_counts(Project.objects.select_related("region", "owner_organization"))
    template_name = "regional/project_detail.html"
    fields = tuple(f for f in models.PROJECT_INPUT_FIELDS if f != "needs")

    def get_extra_context(self, obj):
        user = self.request.user
        may_change = scoping.in_scope(obj, user, "change")
        resources = visible(user, Resource.objects.with_remaining().select_related("unit"))
        return {
            "needs": visible(user, obj.needs.select_related("region")),
            "allocations": obj.allocations.select_related("resource__unit").order_by("id"),
            "milestones": obj.milestones.all(),
            "updates": obj.updates.all(),
            "may_change": may_change,
            "is_open": obj.status in services.OPEN_PROJECT,
            "allocation_form": forms.AllocationForm(resources=resources) if may_change else None,
        }


class ProjectEditView(views.ObjectEditView):
    """The generic edit page; ``?needs=1&needs=2`` preselects the needs a new project
    answers (the need page's "新建项目" link)."""

    queryset = Project.objects.all()
    form_class = forms.ProjectForm

    def get_initial(self):
        initial = super().get_initial()
        if "needs" in self.request.GET:
            initial["needs"] = self.request.GET.getlist("needs")
            needs = visible(self.request.user, Need.objects.filter(pk__in=initial["needs"]))
            first = needs.select_related("region").first()
            if first is not None and "region" not in initial:
                initial["region"] = first.region_id
                initial.setdefault("name", first.title)
        return initial


class ProjectChildListView(views.ObjectListView):
    columns = [Column("project.name", label=_("项目"), link=True)]


class MilestoneListView(ProjectChildListView):
    queryset = Milestone.objects.select_related("project")
    filterset_class = filters.MilestoneFilterSet
    columns = [
        Column("title", link=True),
        Column("project.name", label=_("项目")),
        Column("due_on"),
        Column("done_on"),
    ]


class MilestoneDetailView(views.ObjectDetailView):
    queryset = Milestone.objects.select_related("project")
    fields = ("project", "title", "due_on", "done_on", "note")


class ProjectUpdateListView(ProjectChildListView):
    queryset = ProjectUpdate.objects.select_related("project")
    filterset_class = filters.ProjectUpdateFilterSet
    columns = [
        Column("date", link=True),
        Column("project.name", label=_("项目")),
        Column("text"),
        Column("progress"),
    ]


class ProjectUpdateDetailView(views.ObjectDetailView):
    queryset = ProjectUpdate.objects.select_related("project")


class ProjectActionView(LoginRequiredMixin, View):
    """POST a workflow step of a project: ``allocate``, ``complete`` (a milestone),
    ``start``, ``close``, ``cancel``. Refusals come back as a message naming the reason."""

    def post(self, request, pk, step):
        user = request.user
        project = get_object_or_404(visible(user, Project.objects.all()), pk=pk)
        if not scoping.can(user, Project, "change"):
            raise PermissionDenied
        try:
            self.run(step, project, request)
        except services.RegionalError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return HttpResponseRedirect(project.get_absolute_url())

    def run(self, step, project, request):
        user, data = request.user, request.POST
        if step == "allocate":
            resources = visible(user, Resource.objects.all())
            form = forms.AllocationForm(data, resources=resources)
            if not form.is_valid():
                raise services.RegionalError(
                    [
                        f"{form.fields[name].label}：{' '.join(errors)}"
                        for name, errors in form.errors.items()
                    ]
                )
            services.allocate(
                project, form.cleaned_data["resource"], form.cleaned_data["quantity"], user
            )
            messages.success(request, _("已分配资源。"))
        elif step == "complete":
            milestone = get_object_or_404(project.milestones.all(), pk=data.get("milestone"))
            services.complete_milestone(milestone, user)
            messages.success(request, _("节点已完成。"))
        elif step == "start":
            services.start_project(project, user)
        elif step == "close":
            _project, unsettled = services.close_project(project, user, note=data.get("note", ""))
            messages.success(request, _("项目已结项。"))
            for need in unsettled:
                messages.warning(request, f"{need.title}：{need.status_note}")
        elif step == "cancel":
            services.cancel_project(project, user, note=data.get("note", ""))
        else:
            raise PermissionDenied


class EscalateCaseView(LoginRequiredMixin, View):
    """The case page's "升级为需求" button: the case becomes a need (needs.add_need)."""

    def post(self, request, pk):
        from grids.models import Case

        case = get_object_or_404(visible(request.user, Case.objects.all()), pk=pk)
        if not scoping.can(request.user, Need, "add"):
            raise PermissionDenied
        try:
            need = services.escalate_case(case, request.user)
        except services.RegionalError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(case.get_absolute_url())
        messages.success(request, _("已升级为需求清单中的需求。"))
        return HttpResponseRedirect(need.get_absolute_url())


# --- pairings --------------------------------------------------------------------------------


class PairingListView(views.ObjectListView):
    queryset = Pairing.objects.select_related("organization", "partner")
    filterset_class = filters.PairingFilterSet
    columns = [
        Column("organization.name", label=_("结对党组织"), link=True),
        Column("partner.name", label=_("被结对党组织"), link=True),
        Column("status"),
        Column("started_on"),
        Column("ended_on"),
    ]


class PairingDetailView(views.ObjectDetailView):
    queryset = Pairing.objects.select_related("organization", "partner")
    template_name = "regional/pairing_detail.html"
    fields = models.PAIRING_INPUT_FIELDS

    def get_extra_context(self, obj):
        return {"activities": obj.activities.all(), "evaluations": obj.evaluations.all()}


class PairingActivityListView(views.ObjectListView):
    queryset = PairingActivity.objects.select_related("pairing__organization", "pairing__partner")
    filterset_class = type(
        "PairingActivityFilterSet",
        (filters.BaseFilterSet,),
        {
            "search_fields": ("title",),
            "Meta": type("Meta", (), {"model": PairingActivity, "fields": ["q", "updated_after"]}),
        },
    )
    columns = [
        Column("held_on", link=True),
        Column("title", link=True),
        Column("pairing.partner.name", label=_("被结对党组织")),
        Column("participants"),
    ]


class PairingActivityDetailView(views.ObjectDetailView):
    queryset = PairingActivity.objects.select_related("pairing")


class PairingEvaluationListView(views.ObjectListView):
    queryset = PairingEvaluation.objects.select_related("pairing__partner")
    filterset_class = type(
        "PairingEvaluationFilterSet",
        (filters.BaseFilterSet,),
        {"Meta": type("Meta", (), {"model": PairingEvaluation, "fields": ["updated_after"]})},
    )
    columns = [
        Column("year", link=True),
        Column("pairing.partner.name", label=_("被结对党组织")),
        Column("rating"),
    ]


class PairingEvaluationDetailView(views.ObjectDetailView):
    queryset = PairingEvaluation.objects.select_related("pairing")


class UnpairedReportView(LoginRequiredMixin, TemplateView):
    """Non-public organisations (非公企业/社会组织) without an active pairing, by street;
    ``?export=csv|xlsx`` downloads the same rows."""

    template_name = "regional/unpaired_report.html"
    columns = [
        Column("code"),
        Column("name"),
        Column("sector"),
        Column("region.name", label=_("所在区划")),
    ]

    def get(self, request, *args, **kwargs):
        from organizations.models import Organization

        if not scoping.can(request.user, Pairing, "view"):
            raise PermissionDenied
        self.rows = services.unpaired_organizations(request.user, request.GET.get("street"))
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            columns = bind_columns(self.columns, Organization)
            return exports.export_response(self.rows, columns, "unpaired-organizations", export)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from portal.models import Region

        context = super().get_context_data(**kwargs)
        prefix = scoping.scope_prefix(self.request.user) or ""
        streets = Region.objects.filter(
            level__in=JointMeeting.REGION_LEVELS[JointMeeting.Level.STREET],
            path__startswith=prefix,
        ).order_by("code")
        context.update(
            rows=self.rows[:500],
            total=self.rows.count(),
            streets=streets,
            street=self.request.GET.get("street", ""),
            querystring=self.request.GET.urlencode(),
        )
        return context


# --- industry committees ---------------------------------------------------------------------


class IndustryCommitteeListView(views.ObjectListView):
    queryset = IndustryCommittee.objects.select_related("organization").annotate(
        member_count=Count("memberships", distinct=True)
    )
    filterset_class = filters.IndustryCommitteeFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("industry"),
        Column("organization.name", label=_("行业党组织")),
        Column("member_count", label=_("成员党组织"), order_by="member_count", export=False),
    ]


class IndustryCommitteeDetailView(views.ObjectDetailView):
    queryset = IndustryCommittee.objects.select_related("organization")
    template_name = "regional/industrycommittee_detail.html"
    fields = models.INDUSTRY_COMMITTEE_INPUT_FIELDS

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "members": obj.memberships.select_related("organization__region").order_by(
                "organization__code"
            ),
            "issues": visible(user, obj.issues.select_related("raised_by")),
        }


class IndustryCommitteeMemberListView(views.ObjectListView):
    queryset = IndustryCommitteeMember.objects.select_related("committee", "organization")
    filterset_class = type(
        "IndustryCommitteeMemberFilterSet",
        (filters.BaseFilterSet,),
        {"Meta": type("Meta", (), {"model": IndustryCommitteeMember, "fields": ["updated_after"]})},
    )
    columns = [
        Column("committee.name", label=_("行业党委"), link=True),
        Column("organization.name", label=_("成员党组织")),
        Column("joined_on"),
    ]


class IndustryCommitteeMemberDetailView(views.ObjectDetailView):
    queryset = IndustryCommitteeMember.objects.select_related("committee", "organization")


class IndustryIssueListView(views.ObjectListView):
    queryset = IndustryIssue.objects.select_related("committee", "raised_by")
    filterset_class = filters.IndustryIssueFilterSet
    columns = [
        Column("title", link=True),
        Column("committee.name", label=_("行业党委")),
        Column("raised_by.name", label=_("提出党组织")),
        Column("raised_on"),
        Column("status"),
        Column("resolved_on"),
    ]


class IndustryIssueDetailView(views.ObjectDetailView):
    queryset = IndustryIssue.objects.select_related("committee", "raised_by")
    fields = models.INDUSTRY_ISSUE_INPUT_FIELDS


# --- overview --------------------------------------------------------------------------------


class OverviewView(LoginRequiredMixin, TemplateView):
    """/regional/: what the user's scope holds, the open needs, projects by status."""

    template_name = "regional/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        counted = [
            (JointMeeting, "regional:jointmeeting_list"),
            (ResidentUnit, "regional:residentunit_list"),
            (Need, "regional:need_list"),
            (Resource, "regional:resource_list"),
            (Project, "regional:project_list"),
            (Pairing, "regional:pairing_list"),
            (IndustryCommittee, "regional:industrycommittee_list"),
        ]
        cards = [
            {
                "label": model._meta.verbose_name_plural,
                "count": visible(user, model.objects.all()).count(),
                "url": reverse(url),
            }
            for model, url in counted
            if scoping.can(user, model, "view")
        ]
        by_status = dict(
            visible(user, Project.objects.order_by())
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        chart = {
            "names": [str(label) for _value, label in Project.Status.choices],
            "values": [by_status.get(value, 0) for value, _label in Project.Status.choices],
        }
        open_needs = visible(user, Need.objects.filter(status=Need.Status.OPEN)).select_related(
            "region"
        )
        context.update(cards=cards, chart=chart, open_needs=open_needs[:10])
        return context
