"""Pages of grid work on cases: the case list, report form, case detail with its timeline and
the actions the user may take now and "my grid" (with the user's unread inbox items).

Every transition is a POST to ``CaseTransitionView``, which calls ``grids.services.cases``;
a refused transition is shown as a message and changes nothing. Cases out of scope are 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from grids.case_filters import CaseFilterSet, GridPickFilterSet
from grids.case_forms import CaseReportForm, transition_form
from grids.models import Case, CasePhoto, Grid, Visit, Wish
from grids.services import cases as services
from portal import scoping, views
from portal.forms import add_service_errors
from portal.inbox import services as inbox_services
from portal.models import Region, SensitiveAccess
from portal.tables import Column

SENSITIVE_PERMISSION = "accounts.view_sensitive"


def wants_unmasked(request):
    params = getattr(request, "query_params", None) or request.GET
    return params.get("unmask") in ("1", "true") and request.user.has_perm(SENSITIVE_PERMISSION)


CASE_COLUMNS = [
    Column("number", link=True),
    Column("title", link=True),
    Column("category.name", label=gettext_lazy("类别")),
    Column("grid.name", label=gettext_lazy("所在网格")),
    Column("state"),
    Column("level"),
    Column("due_at"),
    Column("overdue"),
    Column("reported_at"),
]

CASE_RELATED = (
    "grid__region",
    "category",
    "building",
    "reporter_user",
    "reporter_member",
    "assignee_organization",
    "assignee_member",
    "assignee_user",
)


class CaseViewMixin:
    """Cases are changed only by transitions: no generic edit or delete pages."""

    def model_context(self):
        return {**super().model_context(), "can_change": False, "can_delete": False}


class CaseListView(CaseViewMixin, views.ObjectListView):
    queryset = Case.objects.select_related("grid", "category")
    filterset_class = CaseFilterSet
    columns = CASE_COLUMNS


class CaseReportView(CaseViewMixin, views.ObjectEditView):
    """The report form; ``?grid=<id>`` preselects the grid (from "my grid")."""

    queryset = Case.objects.all()
    form_class = CaseReportForm
    template_name = "grids/case_report.html"

    def get_form(self, instance):
        if self.request.method == "POST":
            return self.form_class(
                self.request.POST, self.request.FILES, instance=instance, user=self.request.user
            )
        return super().get_form(instance)

    def post(self, request, *args, **kwargs):
        form = self.get_form(self.model())
        if form.is_valid():
            try:
                case = form.save()
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("已上报需求/问题 %(number)s。") % {"number": case.number}
                )
                return HttpResponseRedirect(case.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(form=form, object=self.model()), status=400
        )


class CaseDetailView(CaseViewMixin, views.ObjectDetailView):
    queryset = Case.objects.select_related(*CASE_RELATED)
    template_name = "grids/case_detail.html"
    fields = [
        "number",
        "category",
        "grid",
        "building",
        "address",
        "latitude",
        "longitude",
        "source",
        "reporter_name",
        "reporter_contact",
        "reporter_member",
        "state",
        "level",
        "assignee_organization",
        "assignee_member",
        "assignee_unit",
        "assignee_user",
        "due_at",
        "overdue",
        "reported_at",
        "closed_at",
    ]

    def detail_fields(self, obj):
        """The reporter's contact is masked unless a user with ``view_sensitive`` asks for
        it (``?unmask=1``); that access is logged."""
        fields = super().detail_fields(obj)
        unmask = wants_unmasked(self.request)
        if unmask and obj.reporter_contact:
            SensitiveAccess.record(
                self.request, Case, [obj.pk], ["reporter_contact"], SensitiveAccess.Channel.UI
            )
        for name, field in zip(self.fields, fields, strict=True):
            if name == "reporter_contact" and not unmask:
                field["value"] = services.mask_contact(obj.reporter_contact)
        return fields

    def get_extra_context(self, obj):
        user = self.request.user
        actions = services.available_actions(obj, user)
        return {
            "steps": obj.steps.select_related("actor"),
            "photos": scoping.restrict(obj.photos.all(), user).order_by("created_at", "id"),
            "actions": [
                {
                    "name": action,
                    "label": services.TRANSITIONS[action].label,
                    "form": transition_form(action, case=obj, user=user),
                    "url": reverse("grids:case_transition", args=[obj.pk, action]),
                }
                for action in actions
            ],
            "action_labels": services.ACTION_LABELS,
            "state_labels": dict(Case.State.choices),
            "can_unmask": bool(obj.reporter_contact)
            and user.has_perm(SENSITIVE_PERMISSION)
            and not wants_unmasked(self.request),
        }


class CaseHistoryView(CaseViewMixin, views.ObjectHistoryView):
    queryset = Case.objects.all()


class CaseTransitionView(views.ScopedViewMixin, View):
    """POST ``cases/<pk>/<action>/``: one transition through the service."""

    queryset = Case.objects.all()
    action = "change"

    def post(self, request, pk, transition):
        if transition not in services.ACTIONS:
            raise Http404
        case = self.get_object()
        form = transition_form(
            transition, case=case, user=request.user, data=request.POST, files=request.FILES
        )
        label = services.TRANSITIONS[transition].label
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{label}：{error}")
            return HttpResponseRedirect(case.get_absolute_url())
        try:
            services.ACTIONS[transition](case, request.user, **form.service_kwargs())
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, f"{label}：{error}")
        else:
            messages.success(request, _("已%(action)s。") % {"action": label})
        return HttpResponseRedirect(case.get_absolute_url())


class CasePhotoView(views.ScopedViewMixin, View):
    """A case photo, served only to users who may see its case (not from a public URL)."""

    queryset = CasePhoto.objects.all()

    def get(self, request, pk):
        photo = self.get_object()
        return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


# --- my grid and the inbox -------------------------------------------------------------------


def optional_url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class MyGridView(LoginRequiredMixin, TemplateView):
    """The grid worker's page: their community's grids (street and district users pick one),
    the open cases by state with the overdue first, wishes, recent visits and the inbox."""

    template_name = "grids/my_grid.html"
    QUEUE_LIMIT = 100
    PICKER_LIMIT = 30

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scoping.can(request.user, Case, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = scoping.restrict(Grid.objects.select_related("region"), user)
        region = user.scope_region
        own = (
            list(visible.filter(region=region).order_by("code"))
            if region is not None and region.level == Region.Level.COMMUNITY
            else []
        )
        picked = self.request.GET.get("grid", "")
        if picked.isdigit():
            selected = [get_object_or_404(visible, pk=picked)]
        elif picked == "" and own:
            selected = own
        else:
            selected = []
        context.update(
            own_grids=own,
            selected=selected,
            picked=selected[0] if picked.isdigit() else None,
            wish_list_url=optional_url("grids:wish_list"),
            visit_list_url=optional_url("grids:visit_list"),
            map_url=optional_url("grids:map"),
            can_report=scoping.can(user, Case, "add"),
            **self.inbox(user),
        )
        if selected:
            context.update(self.grid_work(user, [g.pk for g in selected]))
        else:
            context.update(self.picker(visible))
        return context

    def picker(self, visible):
        filterset = GridPickFilterSet(self.request.GET or None, queryset=visible)
        grids = list(filterset.qs.order_by("code")[: self.PICKER_LIMIT])
        counts = {
            row["grid_id"]: row
            for row in Case.objects.filter(
                grid_id__in=[g.pk for g in grids], state__in=Case.OPEN_STATES
            )
            .values("grid_id")
            .annotate(open=Count("id"), overdue=Count("id", filter=Q(overdue=True)))
        }
        for grid in grids:
            row = counts.get(grid.pk, {})
            grid.open_cases, grid.overdue_cases = row.get("open", 0), row.get("overdue", 0)
        return {"picker": grids, "picker_query": self.request.GET.get("q", "")}

    def grid_work(self, user, grid_ids):
        cases = scoping.restrict(Case.objects.filter(grid_id__in=grid_ids), user)
        counts = {
            row["state"]: row["n"]
            for row in cases.order_by().values("state").annotate(n=Count("id"))
        }
        overdue = cases.filter(state__in=Case.OPEN_STATES, overdue=True).count()
        queue = list(
            cases.filter(state__in=Case.OPEN_STATES)
            .select_related("category", "grid")
            .order_by("-overdue", F("due_at").asc(nulls_last=True), "id")[: self.QUEUE_LIMIT]
        )
        # The overdue first, whatever their state; then the rest by state.
        late = [c for c in queue if c.overdue]
        by_state = [
            {
                "state": "overdue",
                "label": _("已超时"),
                "count": overdue,
                "cases": late,
                "overdue": len(late),
            }
        ]
        for state in Case.OPEN_STATES:
            by_state.append(
                {
                    "state": state,
                    "label": Case.State(state).label,
                    "count": counts.get(state, 0),
                    "cases": [c for c in queue if c.state == state and not c.overdue],
                    "overdue": 0,
                }
            )
        wishes = scoping.restrict(Wish.objects.filter(grid_id__in=grid_ids), user).aggregate(
            published=Count("id", filter=Q(state=Wish.State.PUBLISHED)),
            claimed=Count("id", filter=Q(state=Wish.State.CLAIMED)),
        )
        visits = scoping.restrict(
            Visit.objects.filter(grid_id__in=grid_ids).select_related(
                "grid", "visitor_member", "enterprise", "building"
            ),
            user,
        )[:10]
        closed = sum(counts.get(s, 0) for s in (Case.State.CLOSED, Case.State.REJECTED))
        return {
            "by_state": by_state,
            "open_total": sum(counts.get(s, 0) for s in Case.OPEN_STATES),
            "closed_total": closed,
            "overdue_total": overdue,
            "wishes": wishes,
            "visits": visits,
            "grid_ids": ",".join(str(pk) for pk in grid_ids),
        }

    def inbox(self, user):
        unread = inbox_services.items_of(user).filter(inbox_services.UNREAD)
        return {"inbox_items": list(unread[:10]), "unread_count": unread.count()}
