"""Report pages: the cross-database questions, the member statistics and the jobs page.

Every page reads through ``portal.scoping``: a question lists only the rows the user may
see, a report job is the requester's or in the user's scope (anything else is 404), and a
statistics job counts only the members its requester may see.
"""

from datetime import date

from django import forms
from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from buildings.models import CoverageSummary
from buildings.report_views import in_district_scope
from members.models import Member
from portal import exports, scoping
from portal.models import ImportJob, Region
from portal.views import CappedPaginator, style_filter_form
from reports import questions
from reports.models import ReportJob, file_days
from reports.tasks import run_report


class QuestionIndexView(LoginRequiredMixin, TemplateView):
    """The questions the user may ask, and the statistical reports."""

    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            questions=[q for q in questions.all_questions() if scoping.can(user, q.model, "view")],
            can_statistics=can_run_statistics(user),
        )
        return context


class QuestionView(LoginRequiredMixin, TemplateView):
    """One question: its parameters, its rows (paginated, capped count), a chart, CSV/XLSX."""

    template_name = "reports/question.html"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        self.question = questions.get(kwargs["key"])
        if self.question is None:
            raise Http404
        if request.user.is_authenticated and not scoping.can(
            request.user, self.question.model, "view"
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        question = self.question
        self.filterset = self.rows = None
        if question.available:
            self.filterset, self.rows = question.answer(request.user, request.GET)
            export = request.GET.get("export")
            if export in ("csv", "xlsx"):
                return exports.export_response(
                    question.exportable(self.rows),
                    question.bound_columns(),
                    f"report-{question.key}",
                    export,
                )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        question = self.question
        context["question"] = question
        if not question.available:
            return context
        columns = question.bound_columns()
        page = CappedPaginator(self.rows, self.paginate_by).get_page(self.request.GET.get("page"))
        records = question.records(page.object_list)
        query = self.request.GET.copy()
        for name in ("page", "export"):
            query.pop(name, None)
        chart = question.chart(self.rows) if question.chart and records else None
        context.update(
            filterset=self.filterset,
            filter_form=style_filter_form(self.filterset.form),
            columns=[{"label": column.label} for column in columns],
            rows=[
                {
                    "url": None if question.grouped else obj.get_absolute_url(),
                    "cells": [(column.text(obj), column.link) for column in columns],
                }
                for obj in records
            ],
            page=page,
            querystring=query.urlencode(),
            chart=chart,
        )
        return context


# --- member statistics -----------------------------------------------------------------


def can_run_statistics(user):
    return scoping.can(user, ReportJob, "add") and scoping.can(user, Member, "view")


def scope_regions(user):
    """The regions a user may report on: their scope region and everything under it."""
    prefix = scoping.scope_prefix(user)
    if prefix is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=prefix).exclude(level=Region.Level.CITY)


def default_as_of():
    """The usual date of the annual statistics: 31 December of last year."""
    return date(timezone.localdate().year - 1, 12, 31)


class StatisticsForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("统计截止日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("统计范围"),
        queryset=Region.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope_regions(user).order_by("path")
        self.fields["region"].empty_label = None

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("统计截止日期不能晚于今天。"))
        return value


class StatisticsView(LoginRequiredMixin, TemplateView):
    """Choose the date and region; the report is generated as a Celery job."""

    template_name = "reports/statistics.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_run_statistics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = kwargs.get("form") or StatisticsForm(
            user=user,
            initial={"as_of": default_as_of(), "region": getattr(user.scope_region, "code", "")},
        )
        context.update(
            form=form,
            jobs=ReportJob.objects.filter(user=user, kind=ReportJob.Kind.MEMBER_STATISTICS)
            .select_related("region")
            .order_by("-created_at", "-id")[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = StatisticsForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.MEMBER_STATISTICS,
            params={"as_of": form.cleaned_data["as_of"].isoformat()},
            user=request.user,
            region=form.cleaned_data["region"],
        )
        transaction.on_commit(lambda: run_report.delay(job.pk))
        return redirect("reports:job", pk=job.pk)


def visible_report_jobs(user):
    """The report jobs a user may open: their own, and those of regions in their scope."""
    scoped = scoping.restrict(ReportJob.objects.all(), user, "view")
    return ReportJob.objects.filter(Q(user=user) | Q(pk__in=scoped.values("pk")))


class ReportJobView(LoginRequiredMixin, TemplateView):
    """A report job's progress (polled by htmx while it runs) and, when done, its table."""

    template_name = "reports/job.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/includes/job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = visible_report_jobs(self.request.user).select_related("user", "region")
        context["job"] = get_object_or_404(jobs, pk=kwargs["pk"])
        return context


class ReportJobDownloadView(LoginRequiredMixin, View):
    """A report job's result file: to its requester and users in scope only."""

    def get(self, request, pk):
        job = get_object_or_404(visible_report_jobs(request.user), pk=pk)
        if job.state == ReportJob.State.EXPIRED:
            return HttpResponse(_("该文件已过期删除，请重新生成。"), status=410)
        if job.state != ReportJob.State.DONE or not job.result:
            raise Http404
        try:
            handle = job.result.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=job.result.name.rsplit("/", 1)[-1],
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


# --- the jobs page ----------------------------------------------------------------------


class JobsView(LoginRequiredMixin, TemplateView):
    """Every import and report job of the user (whole-district staff: every job in their
    scope their roles may view), newest first, with progress while they run, plus the time
    of the last coverage refresh."""

    template_name = "reports/jobs.html"
    limit = 100

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["reports/includes/jobs_table.html"]
        return [self.template_name]

    def visible(self, queryset, user):
        if in_district_scope(user) and scoping.can(user, queryset.model, "view"):
            return scoping.restrict(queryset, user, "view") | queryset.filter(user=user)
        return queryset.filter(user=user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        imports = (
            self.visible(ImportJob.objects.all(), user)
            .defer("content", "errors")
            .select_related("user")
            .order_by("-created_at")[: self.limit]
        )
        reports = (
            self.visible(ReportJob.objects.all(), user)
            .defer("data")
            .select_related("user", "region")
            .order_by("-created_at")[: self.limit]
        )
        jobs = [import_row(job, user) for job in imports] + [report_row(job) for job in reports]
        jobs.sort(key=lambda row: row["created_at"], reverse=True)
        jobs = jobs[: self.limit]
        refreshed = None
        if scoping.can(user, CoverageSummary, "view"):
            refreshed = scoping.restrict(CoverageSummary.objects.all(), user).aggregate(
                at=Max("refreshed_at")
            )["at"]
        context.update(
            jobs=jobs,
            running=any(not row["finished"] for row in jobs),
            limit=self.limit,
            coverage_refreshed_at=refreshed,
            file_days=file_days(),
        )
        return context


def _spec_title(label):
    try:
        return apps.get_model(label)._meta.verbose_name
    except (LookupError, ValueError):
        return label


def import_row(job, user):
    mine = job.user_id == user.pk or user.is_superuser  # the import page's own rule
    status = ImportJob.Status
    failed = job.status in (status.INVALID, status.FAILED)
    return {
        "kind": _("导入：%(what)s") % {"what": _spec_title(job.spec)},
        "name": job.filename,
        "state": job.get_status_display(),
        "state_class": "danger" if failed else "success" if job.status == status.DONE else "",
        "progress": job.progress,
        "finished": job.is_finished,
        "user": job.user,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "url": _url("import_job", job.pk) if mine else None,
        "file_url": None,
        "error_url": _url("import_job_errors", job.pk) if mine and failed else None,
        "error": job.message if failed else "",
        "expires_at": None,
    }


def report_row(job):
    state = ReportJob.State
    return {
        "kind": job.get_kind_display(),
        "name": _("%(region)s，截至 %(date)s")
        % {"region": job.region.name, "date": job.params.get("as_of", "")},
        "state": job.get_state_display(),
        "state_class": {state.DONE: "success", state.FAILED: "danger"}.get(job.state, ""),
        "progress": job.progress,
        "finished": job.is_finished,
        "user": job.user,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "url": _url("reports:job", job.pk),
        "file_url": _url("reports:job_download", job.pk) if job.state == state.DONE else None,
        "error_url": None,
        "error": job.error,
        "expires_at": job.expires_at if job.state == state.DONE else None,
    }


def _url(name, pk):
    from django.urls import reverse

    return reverse(name, args=[pk])
