"""Pages of organisational life (``/members/meetings/``): the meetings with their attendance,
the compliance report per branch (``compliance/``) and the frequency table
(``frequencies/``, district admins edit it)."""

import tempfile

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from pghistory.models import Events

from members import meetings
from members.meeting_filters import MeetingFilterSet, MeetingFrequencyFilterSet
from members.meeting_forms import ComplianceFilterForm, MeetingForm
from members.models import Meeting, MeetingAttendance, MeetingFrequency
from organizations.models import Organization
from portal import exports, history, scoping, views
from portal.models import Region
from portal.tables import Annotation, Column


class AttendanceRate(Column):
    """出席率 from the two annotated counts (computed: exports read the objects)."""

    def __init__(self):
        super().__init__("attendance_rate", label=gettext_lazy("出席率（%）"), order_by=None)

    def bind(self, model):
        self.lookup = None
        self.choices = None
        return self

    def value(self, obj):
        return meetings.attendance_rate(obj)


MEETING_COLUMNS = [
    Column("held_on"),
    Column("kind"),
    Column("topic", link=True),
    Column("organization.name", label=gettext_lazy("党组织")),
    Column("host"),
    Column("place"),
    Annotation("present_count", label=gettext_lazy("出席"), order_by=None),
    Annotation("absent_count", label=gettext_lazy("请假"), order_by=None),
    AttendanceRate(),
]


def meeting_queryset():
    return meetings.with_attendance(Meeting.objects.select_related("organization"))


class MeetingListView(views.ObjectListView):
    queryset = meeting_queryset()
    filterset_class = MeetingFilterSet
    columns = MEETING_COLUMNS
    template_name = "members/meeting_list.html"


class MeetingDetailView(views.ObjectDetailView):
    """The meeting, who attended, who was on leave and why, and the attendance rate."""

    queryset = Meeting.objects.select_related("organization").prefetch_related(
        Prefetch(
            "attendance",
            queryset=MeetingAttendance.objects.select_related("member").order_by(
                "member__name", "member_id"
            ),
        )
    )
    template_name = "members/meeting_detail.html"
    fields = ["organization", "kind", "held_on", "topic", "place", "host", "created_at"]

    def get_extra_context(self, obj):
        rows = list(obj.attendance.all())
        present = [row for row in rows if row.present]
        absent = [row for row in rows if not row.present]
        return {
            "present": present,
            "absent": absent,
            "attendance_rate": meetings.rate(len(present), len(rows)),
        }


class MeetingEditView(views.ObjectEditView):
    queryset = Meeting.objects.select_related("organization")
    form_class = MeetingForm
    template_name = "members/meeting_form.html"


class MeetingHistoryView(views.ScopedViewMixin, TemplateView):
    """The meeting's own changes and its attendance's, newest first."""

    queryset = Meeting.objects.all()
    template_name = "members/meeting_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        events = (
            Events.objects.references(obj)
            .across("members.MeetingEvent", "members.MeetingAttendanceEvent")
            .order_by("-pgh_created_at", "-pgh_id")
        )
        # portal.history's describer (actors, channels, readable changes) for mixed events.
        context.update(self.object_context(obj, "history"), events=history._describe(events))
        return context


# --- the compliance report -------------------------------------------------------------------


def resolve_within(form, user):
    """The region (``region`` code) or organisation (``organization`` id) the report is
    narrowed to, looked up in the user's scope: anything else is 404."""
    prefix = scoping.scope_prefix(user)
    if prefix is None:
        raise Http404
    code = form.cleaned_data.get("region")
    if code:
        return get_object_or_404(Region.objects.filter(path__startswith=prefix), code=code)
    pk = form.cleaned_data.get("organization")
    if pk:
        organizations = Organization.objects.all()
        if prefix:
            organizations = organizations.filter(region__path__startswith=prefix)
        return get_object_or_404(organizations, pk=pk)
    return None


def compliance_for(form, user):
    """The report's branches for a valid filter form (404 for a region/organisation out of
    scope)."""
    return meetings.compliance(user, within=resolve_within(form, user), **form.window_kwargs())


COMPLIANCE_HEADER = [
    gettext_lazy("组织编码"),
    gettext_lazy("党组织"),
    gettext_lazy("会议类型"),
    gettext_lazy("周期"),
    gettext_lazy("每周期应开次数"),
    gettext_lazy("党小组数"),
    gettext_lazy("应达标周期"),
    gettext_lazy("已达标周期"),
    gettext_lazy("实际召开次数"),
    gettext_lazy("达标率（%）"),
    gettext_lazy("未达标周期"),
]


def compliance_lines(branches):
    """The report as lines of cell texts (header first): one per branch and kind."""
    yield [str(label) for label in COMPLIANCE_HEADER]
    for item in branches:
        for row in item.kinds:
            yield [
                exports.safe_cell(item.branch.code),
                exports.safe_cell(item.branch.name),
                str(row.kind_label),
                str(row.period_label),
                str(row.required_count),
                str(row.units) if row.kind == "group" else "",
                str(row.due),
                str(row.met),
                str(row.held),
                "" if row.rate is None else str(row.rate),
                exports.safe_cell("、".join(row.missing)),
            ]


def xlsx_lines(lines, filename):
    import xlsxwriter

    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            sheet.write_string(r, c, value, bold if r == 0 else None)
    workbook.close()
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


class ComplianceView(views.ScopedViewMixin, TemplateView):
    """Required against held meetings per branch, kind and period, with the missing periods
    and a compliance rate; ``?export=csv|xlsx`` downloads the same rows."""

    queryset = Meeting.objects.all()
    template_name = "members/meeting_compliance.html"
    paginate_by = 25

    def region_choices(self):
        """The user's scope region and the level below it (a street's communities, the
        district's streets), for the region filter."""
        user = self.request.user
        prefix = scoping.scope_prefix(user)
        regions = Region.objects.all()
        if prefix:
            top = user.scope_region
            regions = regions.filter(path__startswith=prefix, depth__lte=top.depth + 1)
        else:
            regions = regions.filter(depth__lte=1)
        return [("", _("全部")), *regions.order_by("path").values_list("code", "name")]

    def get(self, request, *args, **kwargs):
        form = ComplianceFilterForm(request.GET)
        form.fields["region"].widget = forms.Select(
            choices=self.region_choices(), attrs={"class": "form-select"}
        )
        branches = []
        if form.is_valid():
            branches = compliance_for(form, request.user)
            export = request.GET.get("export")
            if export in ("csv", "xlsx"):
                year = form.cleaned_data["year"]
                name = exports.export_filename(f"meeting-compliance-{year}", export)
                lines = compliance_lines(branches)
                if export == "xlsx":
                    return xlsx_lines(lines, name)
                return exports.stream_csv(lines, name)
        page = Paginator(branches, self.paginate_by).get_page(request.GET.get("page"))
        query = request.GET.copy()
        for key in ("page", "export"):
            query.pop(key, None)
        due = sum(b.due for b in branches)
        met = sum(b.met for b in branches)
        context = self.get_context_data(
            form=form,
            page=page,
            querystring=query.urlencode(),
            branch_count=len(branches),
            compliant_count=sum(1 for b in branches if b.compliant),
            overall_rate=meetings.rate(met, due),
            frequencies=MeetingFrequency.objects.all(),
            can_edit_frequencies=scoping.can(request.user, MeetingFrequency, "change"),
        )
        return self.render_to_response(context, status=200 if form.is_valid() else 400)


# --- frequencies -----------------------------------------------------------------------------


class MeetingFrequencyListView(views.ObjectListView):
    queryset = MeetingFrequency.objects.all()
    filterset_class = MeetingFrequencyFilterSet
    columns = [
        Column("kind", link=True),
        Column("period"),
        Column("required_count"),
        Column("note"),
        Column("updated_at"),
    ]


class MeetingFrequencyDetailView(views.ObjectDetailView):
    queryset = MeetingFrequency.objects.all()
    fields = ["kind", "period", "required_count", "note", "updated_at"]
