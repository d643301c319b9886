"""Pages of grid work: the micro-wish board (微心愿) with its detail, submit form and one page
per transition, and e-visits (电子走访) with their form (which may open a case) and the
visit coverage of grids and members over a period. Built for phones first: cards on the
board, one column of fields, buttons that fit a thumb."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView, View

from grids.models import Visit, Wish
from grids.services import visits as visit_services
from grids.services import wishes as wish_services
from grids.work_filters import VisitFilterSet, WishFilterSet
from grids.work_forms import ACTION_FORMS, ClaimForm, VisitForm, WishForm
from portal import scoping, views
from portal.forms import add_service_errors
from portal.tables import Column


class Computed(Column):
    """A column computed from the row by ``function`` (exports read it from objects)."""

    def __init__(self, name, label, function):
        super().__init__(name, label=label, order_by=None)
        self.function = function

    def value(self, obj):
        return self.function(obj)


def claimed_by(wish):
    if wish.claimed_by_member_id:
        return wish.claimed_by_member.name
    return wish.claimed_by_unit


WISH_COLUMNS = [
    Column("number", link=True),
    Column("title", link=True),
    Column("grid.name", label=_lazy("所在网格")),
    Column("beneficiary_masked", label=_lazy("心愿人"), order_by=None),
    Column("state"),
    Computed("claimed_by", _lazy("认领人"), claimed_by),
    Column("claim_expires_at"),
    Column("created_at", label=_lazy("提交时间")),
]

ACTION_LABELS = {
    "review": _lazy("审核"),
    "claim": _lazy("认领"),
    "fulfil": _lazy("登记实现"),
    "confirm": _lazy("确认实现"),
    "withdraw": _lazy("撤回"),
}

STEP_LABELS = {
    "submit": _lazy("登记"),
    "publish": _lazy("审核发布"),
    "reject": _lazy("不予发布"),
    "claim": _lazy("认领"),
    "fulfil": _lazy("登记实现"),
    "confirm": _lazy("确认实现"),
    "withdraw": _lazy("撤回"),
    "release": _lazy("超期释放"),
}

STATE_BADGES = {
    Wish.State.SUBMITTED: "secondary",
    Wish.State.PUBLISHED: "success",
    Wish.State.REJECTED: "dark",
    Wish.State.CLAIMED: "primary",
    Wish.State.FULFILLED: "warning",
    Wish.State.CONFIRMED: "info",
    Wish.State.WITHDRAWN: "light",
}


def action_buttons(wish, user):
    return [
        {"name": name, "label": ACTION_LABELS[name], "url": f"{wish.get_absolute_url()}{name}/"}
        for name in wish_services.available_actions(wish, user)
    ]


WISH_QUERYSET = Wish.objects.select_related("grid", "claimed_by_member", "submitted_by_member")


class WishListView(views.ObjectListView):
    """The wish board: cards with the resident's name masked, filters by grid and state, the
    buttons each card's state allows the user. Exports keep the names masked."""

    queryset = WISH_QUERYSET
    filterset_class = WishFilterSet
    columns = WISH_COLUMNS
    template_name = "grids/wish_list.html"

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["grids/wish_cards.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["cards"] = [
            {
                "wish": wish,
                "claimed_by": claimed_by(wish),
                "badge": STATE_BADGES.get(wish.state, "secondary"),
                "actions": action_buttons(wish, user),
            }
            for wish in context["page"].object_list
        ]
        context["states"] = Wish.State.choices
        context["chosen_states"] = self.request.GET.getlist("state")
        return context


class WishDetailView(views.ObjectDetailView):
    queryset = WISH_QUERYSET.select_related("grid__region")
    template_name = "grids/wish_detail.html"
    fields = [
        "number",
        "title",
        "description",
        "grid",
        "state",
        "submitted_by_member",
        "claimed_by_member",
        "claimed_by_unit",
        "claimed_at",
        "claim_expires_at",
        "fulfilled_at",
        "proof_note",
        "confirmed_at",
    ]

    def detail_fields(self, obj):
        fields = super().detail_fields(obj)
        masked = {"label": _("心愿人"), "value": obj.beneficiary_masked, "url": None}
        contact = {
            "label": _("联系方式"),
            "value": mask_contact(obj.beneficiary_contact),
            "url": None,
        }
        return [*fields[:3], masked, contact, *fields[3:]]

    def get_extra_context(self, obj):
        steps = list(obj.steps.select_related("actor").order_by("created_at", "id"))
        for step in steps:
            step.label = STEP_LABELS.get(step.action, step.action)
        return {
            "steps": steps,
            "badge": STATE_BADGES.get(obj.state, "secondary"),
            "actions": action_buttons(obj, self.request.user),
            "photo_url": f"{obj.get_absolute_url()}photo/" if obj.proof_photo else None,
            "can_edit_wish": obj.state == Wish.State.SUBMITTED
            and scoping.can(self.request.user, Wish, "change"),
        }


def mask_contact(value):
    """138****5678 for a mobile, the first character and stars for anything else."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = value.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return value[:1] + "*" * max(len(value) - 1, 1)


class WishEditView(views.ObjectEditView):
    """Submit a wish (a new one goes through ``wishes.submit``), or correct one that still
    waits for review."""

    queryset = Wish.objects.all()
    form_class = WishForm

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError as exc:
            form = self.get_form(self.get_instance())
            form.is_valid()
            form.add_error(None, exc)
            return self.render_to_response(
                self.get_context_data(form=form, object=form.instance), status=400
            )


class WishActionView(views.ScopedViewMixin, TemplateView):
    """One transition of a wish: its form on GET, the service call on POST. An illegal
    transition shows the service's message and changes nothing."""

    queryset = WISH_QUERYSET
    action = "change"
    template_name = "grids/wish_action.html"

    def get_form(self):
        form_class = ACTION_FORMS.get(self.kwargs["transition"])
        if form_class is None:
            raise Http404
        data = (self.request.POST, self.request.FILES) if self.request.method == "POST" else ()
        if form_class is ClaimForm:
            return form_class(*data, user=self.request.user)
        return form_class(*data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wish = kwargs.get("wish") or self.get_object()
        context.update(
            self.model_context(),
            object=wish,
            form=kwargs.get("form") or self.get_form(),
            transition=self.kwargs["transition"],
            transition_label=ACTION_LABELS[self.kwargs["transition"]],
            badge=STATE_BADGES.get(wish.state, "secondary"),
        )
        return context

    def post(self, request, *args, **kwargs):
        wish = self.get_object()
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            transition = self.kwargs["transition"]
            try:
                with transaction.atomic():
                    wish = wish_services.apply(transition, wish, request.user, data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已%(action)s：%(wish)s")
                    % {"action": ACTION_LABELS[transition], "wish": wish},
                )
                return HttpResponseRedirect(wish.get_absolute_url())
        return self.render_to_response(self.get_context_data(wish=wish, form=form), status=400)


class WishPhotoView(views.ScopedViewMixin, View):
    """The proof photo of a wish in scope (media files are not served publicly)."""

    queryset = Wish.objects.all()

    def get(self, request, *args, **kwargs):
        wish = self.get_object()
        if not wish.proof_photo:
            raise Http404
        return FileResponse(wish.proof_photo.open("rb"))


# --- visits ------------------------------------------------------------------------------

VISIT_COLUMNS = [
    Column("visited_on", link=True),
    Column("grid.name", label=_lazy("所在网格")),
    Column("visitor_member.name", label=_lazy("走访党员")),
    Column("target"),
    Column("household"),
    Column("enterprise.name", label=_lazy("企业/社会组织")),
    Column("building.name", label=_lazy("楼宇")),
    Column("needs_found"),
    Column("case.number", label=_lazy("转立工单")),
]

VISIT_QUERYSET = Visit.objects.select_related(
    "grid", "visitor_member", "enterprise", "building", "case"
)


class VisitListView(views.ObjectListView):
    queryset = VISIT_QUERYSET
    filterset_class = VisitFilterSet
    columns = VISIT_COLUMNS
    template_name = "grids/visit_list.html"


class VisitDetailView(views.ObjectDetailView):
    queryset = VISIT_QUERYSET.select_related("visitor_user")
    template_name = "grids/visit_detail.html"
    fields = [
        "grid",
        "visitor_member",
        "visitor_user",
        "visited_on",
        "target",
        "household",
        "enterprise",
        "building",
        "notes",
        "needs_found",
        "case",
        "created_at",
    ]


class VisitEditView(views.ObjectEditView):
    queryset = Visit.objects.all()
    form_class = VisitForm
    template_name = "grids/visit_form.html"

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            initial.setdefault("visited_on", timezone.localdate())
        return initial

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError as exc:  # the case service refused (nothing was written)
            form = self.get_form(self.get_instance())
            form.is_valid()
            form.add_error(None, exc.messages)
            return self.render_to_response(
                self.get_context_data(form=form, object=form.instance), status=400
            )


class VisitCoverageView(views.ScopedViewMixin, TemplateView):
    """Households and enterprises visited per grid, and visits per member, from one date to
    another (the last 30 days by default): two aggregate queries over the user's scope."""

    queryset = Visit.objects.all()
    template_name = "grids/visit_coverage.html"
    grids_per_page = 50

    def period(self):
        today = timezone.localdate()
        start = parse_date(self.request.GET.get("from") or "") or today - timedelta(days=30)
        end = parse_date(self.request.GET.get("to") or "") or today
        if start > end:
            start, end = end, start
        return start, end

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = self.period()
        grids = Paginator(visit_services.grid_coverage(user, start, end), self.grids_per_page)
        page = grids.get_page(self.request.GET.get("page"))
        rows = [
            {
                "grid": grid,
                "household_rate": visit_services.rate(grid.households_visited, grid.households),
                "enterprise_rate": visit_services.rate(
                    grid.enterprises_visited, grid.enterprises_total
                ),
            }
            for grid in page.object_list
        ]
        members = list(visit_services.member_coverage(user, start, end)[:100])
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            self.model_context(),
            start=start,
            end=end,
            rows=rows,
            page=page,
            members=members,
            totals=visit_services.totals(user, start, end),
            querystring=query.urlencode(),
        )
        return context
