"""Generic UI views: a model's list, detail, history, edit, delete and import pages are a few
lines each, because these classes do the work (as NetBox's generic views do).

Every view reads through ``portal.scoping``: rows out of scope are 404, actions the user's
roles do not grant are 403, and writes are re-checked after save inside the transaction.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from portal import crypto, exports, history, imports, scoping
from portal.forms import ImportForm
from portal.models import ImportJob
from portal.search import name_condition
from portal.tables import bind_columns


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows (``COUNT`` over a ``LIMIT`` subquery): a list of hundreds
    of thousands shows "10,000+" instead of scanning every row on each page view. Filters
    narrow the list; the API's ``count`` stays exact."""

    cap = 10_000

    @cached_property
    def count(self):
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


def model_url(model, view, *args):
    meta = model._meta
    return reverse(f"{meta.app_label}:{meta.model_name}_{view}", args=args)


class ScopedViewMixin(LoginRequiredMixin):
    """Ties a view to a model, the user's scope and one action the roles must grant."""

    queryset = None
    action = "view"
    #: A register nobody edits through the pages (a log): no add, edit, delete or import
    #: buttons whatever the roles grant.
    read_only = False

    @property
    def model(self):
        return self.queryset.model

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scoping.can(request.user, self.model, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return scoping.restrict(self.queryset.all(), self.request.user, "view")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def model_context(self):
        user, model = self.request.user, self.model
        writable = not self.read_only
        return {
            "meta": model._meta,
            "can_add": writable and scoping.can(user, model, "add"),
            "can_change": writable and scoping.can(user, model, "change"),
            "can_delete": writable and scoping.can(user, model, "delete"),
            "can_import": writable
            and scoping.can(user, model, "add")
            and _spec_label(model) in imports.specs(),
            "list_url": model_url(model, "list"),
        }

    def object_context(self, obj, tab):
        """What an object's tabbed pages (detail, history) share."""
        return {
            **self.model_context(),
            "object": obj,
            "tab": tab,
            "history_url": model_url(self.model, "history", obj.pk),
        }


def _spec_label(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


class ObjectListView(ScopedViewMixin, TemplateView):
    """Filters (the model's FilterSet), search, sorting, pagination and CSV/XLSX export."""

    template_name = "portal/object_list.html"
    filterset_class = None
    columns = []
    default_sort = None
    paginate_by = 25
    max_paginate_by = 200

    def get(self, request, *args, **kwargs):
        self.filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        queryset = (
            self.filterset.qs
            if self.filterset.is_bound and self.filterset.is_valid()
            else self.get_queryset()
        )
        self.bound_columns = bind_columns(self.get_columns(), self.model)
        queryset = self.sort(queryset)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            self.exporting(queryset)
            return exports.export_response(
                queryset, self.bound_columns, self.model._meta.model_name, export
            )
        self.object_list = queryset
        return super().get(request, *args, **kwargs)

    def get_columns(self):
        return self.columns

    def exporting(self, queryset):
        """Hook: called before an export of ``queryset`` streams (access logs)."""

    def showing(self, objects):
        """Hook: called with the rows of the page about to be shown (access logs)."""

    def sort(self, queryset):
        allowed = {c.order_by for c in self.bound_columns if c.order_by}
        key = self.request.GET.get("sort", "")
        self.sort_key = key if key.lstrip("-") in allowed else ""
        if self.sort_key:
            return queryset.order_by(self.sort_key, "pk")
        if self.filterset.search_ordering and self.filterset.searching:
            return queryset  # already in the filterset's search order
        return queryset.order_by(*(self.default_sort or self.model._meta.ordering or ["pk"]), "pk")

    def get_paginate_by(self):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            size = self.paginate_by
        return max(1, min(size, self.max_paginate_by))

    def get_template_names(self):
        if (
            self.request.headers.get("HX-Request")
            and self.request.headers.get("HX-Target") == "object-table"
        ):
            return ["portal/includes/object_table.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = CappedPaginator(self.object_list, self.get_paginate_by())
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        for name in ("page", "export"):
            query.pop(name, None)
        sort_query = query.copy()
        sort_query.pop("sort", None)
        columns = [
            {
                "label": column.label,
                "sort": column.order_by,
                "active": self.sort_key.lstrip("-") == column.order_by,
                "descending": self.sort_key.startswith("-"),
            }
            for column in self.bound_columns
        ]
        self.showing(page.object_list)
        rows = [
            {
                "url": obj.get_absolute_url(),
                "cells": [(column.text(obj), column.link) for column in self.bound_columns],
            }
            for obj in page.object_list
        ]
        context.update(
            self.model_context(),
            filterset=self.filterset,
            filter_form=style_filter_form(self.filterset.form),
            columns=columns,
            rows=rows,
            page=page,
            querystring=query.urlencode(),
            sort_querystring=sort_query.urlencode(),
            per_page=self.get_paginate_by(),
        )
        return context


def style_filter_form(form):
    from django import forms

    from portal.forms import DropdownCheckboxes

    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.SelectMultiple):
            field.widget = DropdownCheckboxes(choices=field.choices)
        elif isinstance(widget, forms.NullBooleanSelect):
            widget.choices = [("unknown", _("全部")), ("true", _("是")), ("false", _("否"))]
            widget.attrs.setdefault("class", "form-select form-select-sm")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")
    return form


class ObjectDetailView(ScopedViewMixin, TemplateView):
    """The object's fields, plus whatever ``get_extra_context`` adds (children, positions)."""

    template_name = "portal/object_detail.html"
    fields = None

    def get_extra_context(self, obj):
        return {}

    def detail_fields(self, obj):
        names = self.fields or [f.name for f in obj._meta.fields if f.editable and f.name != "id"]
        result = []
        for name in names:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            value = display() if display else getattr(obj, name)
            if isinstance(value, bool):
                value = _("是") if value else _("否")
            url = (
                value.get_absolute_url()
                if hasattr(value, "get_absolute_url") and scoping.in_scope(value, self.request.user)
                else None
            )
            result.append({"label": field.verbose_name, "value": value, "url": url})
        return result

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object = self.get_object()
        context.update(
            self.object_context(obj, "detail"),
            fields=self.detail_fields(obj),
            **self.get_extra_context(obj),
        )
        return context


class ObjectHistoryView(ScopedViewMixin, TemplateView):
    """The object's history tab: every insert/update/delete with who, when, from where."""

    template_name = "portal/object_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        context.update(self.object_context(obj, "history"), events=history.events_for(obj))
        return context


class ObjectEditView(ScopedViewMixin, TemplateView):
    """Create (no ``pk``) or update. Validation is the model's ``full_clean()``."""

    template_name = "portal/object_edit.html"
    form_class = None

    @property
    def action(self):
        return "change" if "pk" in self.kwargs else "add"

    def get_instance(self):
        if "pk" in self.kwargs:
            return self.get_object()
        return self.model()

    def get_initial(self):
        return {
            name: value
            for name, value in self.request.GET.items()
            if name in self.form_class.base_fields
        }

    def get_form(self, instance):
        if self.request.method == "POST":
            return self.form_class(self.request.POST, instance=instance, user=self.request.user)
        return self.form_class(
            instance=instance, user=self.request.user, initial=self.get_initial()
        )

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        return self.render_to_response(
            self.get_context_data(form=self.get_form(instance), object=instance)
        )

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(instance)
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = form.save()
                    scoping.ensure_in_scope(obj, request.user, self.action)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("已保存“%(object)s”。") % {"object": obj})
                return HttpResponseRedirect(obj.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(form=form, object=instance), status=400
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.model_context(), is_new=self.action == "add")
        return context


class ObjectDeleteView(ScopedViewMixin, TemplateView):
    template_name = "portal/object_delete.html"
    action = "delete"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.model_context(), object=self.get_object())
        return context

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError:
            messages.error(
                request,
                _("“%(object)s”仍被其他数据引用（例如存在下级），不能删除。") % {"object": obj},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(request, _("已删除“%(object)s”。") % {"object": obj})
        return HttpResponseRedirect(model_url(self.model, "list"))


class ObjectImportView(ScopedViewMixin, TemplateView):
    """Upload a file; the import runs in Celery and the job page shows its progress."""

    template_name = "portal/object_import.html"
    action = "add"
    #: The upload form (a model whose import takes other file types gives its own).
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = imports.get_spec(_spec_label(self.model))
        context.update(
            self.model_context(),
            form=kwargs.get("form") or self.form_class(),
            headers=spec.template_headers(),
            jobs=ImportJob.objects.filter(user=self.request.user, spec=spec.label)[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        from portal.tasks import run_import

        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            user=request.user,
            spec=_spec_label(self.model),
            filename=upload.name,
            content=crypto.encrypt_bytes(upload.read()),
            dry_run=form.cleaned_data["dry_run"],
        )
        transaction.on_commit(lambda: run_import.delay(job.pk))
        return redirect("import_job", pk=job.pk)


class ImportJobView(LoginRequiredMixin, TemplateView):
    """An import's progress (polled by htmx while it runs) and its report."""

    template_name = "portal/import_job.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["portal/includes/import_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ImportJob.objects.all()
        if not self.request.user.is_superuser:
            jobs = jobs.filter(user=self.request.user)
        job = get_object_or_404(jobs.defer("content"), pk=kwargs["pk"])
        context.update(job=job, errors=job.errors[:500])
        return context


class ImportJobRetryView(ImportJobView):
    """Run a failed import again from its stored upload (kept, encrypted, until a job ends
    with a result; a job stuck for an hour, its worker gone, may be retried too)."""

    def post(self, request, *args, **kwargs):
        from portal.tasks import run_import

        job = self.get_context_data(**kwargs)["job"]
        if not job.can_retry:
            messages.error(request, _("该导入任务不能重试。"))
            return redirect("import_job", pk=job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.PENDING, progress=0, errors=[], message="", finished_at=None
        )
        transaction.on_commit(lambda: run_import.delay(job.pk))
        return redirect("import_job", pk=job.pk)


class ImportJobErrorsView(ImportJobView):
    """The error report of an import as CSV, to correct the file against."""

    def get(self, request, *args, **kwargs):
        job = self.get_context_data(**kwargs)["job"]
        header = [str(_("行号")), str(_("列")), str(_("问题"))]
        lines = [
            [exports.safe_cell(str(cell)) for cell in (e["row"], e["column"], e["message"])]
            for e in job.errors
        ]
        return exports.stream_csv([header, *lines], f"import-{job.pk}-errors.csv")


class ImportTemplateView(ScopedViewMixin, View):
    """An empty file with the right headers, to fill in."""

    def get(self, request, *args, **kwargs):
        spec = imports.get_spec(_spec_label(self.model))
        response = HttpResponse(
            "\ufeff" + ",".join(spec.template_headers()) + "\r\n",
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.model._meta.model_name}-template.csv"'
        )
        return response


class AutocompleteView(LoginRequiredMixin, View):
    """``/autocomplete/<app.model>/?q=``: the first matches the user may see, as JSON."""

    LIMIT = 20

    def get(self, request, label):
        from django.apps import apps

        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise Http404 from None
        fields = getattr(model, "autocomplete_fields", None)
        if not fields or not hasattr(model, "scope_path"):
            raise Http404
        related = {f.split("__")[0] for f in fields if "__" in f}
        queryset = scoping.restrict(model.objects.select_related(*related), request.user, "view")
        term = request.GET.get("q", "").strip()
        if term:
            condition = Q()
            for field in fields:
                if field == "name" and any(f.name == "name_grams" for f in model._meta.fields):
                    condition |= name_condition(term)  # the GIN-indexed grams
                    continue
                lookup = "istartswith" if field.endswith("code") else "icontains"
                condition |= Q(**{f"{field}__{lookup}": term})
            queryset = queryset.filter(condition)
        results = [
            {"id": obj.pk, "text": str(obj), "code": getattr(obj, "code", "")}
            for obj in queryset[: self.LIMIT]
        ]
        return JsonResponse({"results": results})


def object_urls(
    prefix,
    model,
    *,
    list_view,
    detail,
    form=None,
    edit=None,
    history=None,
    delete=None,
    importable=False,
    import_view=None,
    template=None,
):
    """The URL patterns of one model's generic pages, named ``<model_name>_list`` and so on.

    Pages without a view of their own are the generic ones for ``model``: history, delete,
    edit (with ``form``) and, when ``importable``, import and its template download."""
    from django.urls import path

    name = model._meta.model_name
    queryset = model._default_manager.all()

    def page(given, generic, **attrs):
        return given.as_view() if given else generic.as_view(queryset=queryset, **attrs)

    edit_page = page(edit, ObjectEditView, form_class=form)
    history_page = page(history, ObjectHistoryView)
    patterns = [
        path(f"{prefix}", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}add/", edit_page, name=f"{name}_add"),
        path(f"{prefix}<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}<int:pk>/history/", history_page, name=f"{name}_history"),
        path(f"{prefix}<int:pk>/edit/", edit_page, name=f"{name}_edit"),
        path(f"{prefix}<int:pk>/delete/", page(delete, ObjectDeleteView), name=f"{name}_delete"),
    ]
    if importable or import_view is not None:
        patterns += [
            path(f"{prefix}import/", page(import_view, ObjectImportView), name=f"{name}_import"),
            path(
                f"{prefix}import/template.csv",
                page(template, ImportTemplateView),
                name=f"{name}_import_template",
            ),
        ]
    return patterns
