"""Pages of the development pipeline (``/members/development/``) and of transfers
(``/members/transfers/``): lists with filters, a detail page with the timeline and the steps
the user may take now, one small form per step. Every step is a POST through
``members.services``; a refused step is shown as a message and changes nothing.

Applicants out of scope are 404; a transfer is visible to both its source and destination
side (``services.visible``) and 404 to everyone else.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View

from members import services
from members.models import Applicant, Member, Transfer
from members.workflow_forms import (
    ApplicantForm,
    ReceiveForm,
    TransferForm,
    development_form,
    transfer_form,
)
from organizations.filters import OrganizationRowFilterSet
from portal import scoping, views
from portal.filters import BaseFilterSet
from portal.forms import add_service_errors
from portal.tables import Column

# --- filters (shared by the lists, the API and exports) -----------------------------------------


class ApplicantFilterSet(OrganizationRowFilterSet):
    stage = django_filters.MultipleChoiceFilter(
        choices=Applicant.Stage.choices, label=gettext_lazy("发展阶段")
    )
    organization = django_filters.NumberFilter(
        field_name="organization_id", label=gettext_lazy("所在党支部（编号）")
    )
    applied_after = django_filters.DateFilter(
        field_name="applied_on", lookup_expr="gte", label=gettext_lazy("申请日期起")
    )
    applied_before = django_filters.DateFilter(
        field_name="applied_on", lookup_expr="lte", label=gettext_lazy("申请日期止")
    )

    ui_fields = ["q", "stage", "region_within", "applied_after", "applied_before"]

    class Meta:
        model = Applicant
        fields = []


class TransferFilterSet(BaseFilterSet):
    search_fields = ("letter_number", "member__name")
    kind = django_filters.ChoiceFilter(
        choices=Transfer.Kind.choices, label=gettext_lazy("转接类型")
    )
    state = django_filters.MultipleChoiceFilter(
        choices=Transfer.State.choices, label=gettext_lazy("状态")
    )
    member = django_filters.NumberFilter(field_name="member_id", label=gettext_lazy("党员（编号）"))
    issued_after = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=gettext_lazy("开具日期起")
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=gettext_lazy("开具日期止")
    )

    ui_fields = ["q", "kind", "state", "issued_after", "issued_before"]

    class Meta:
        model = Transfer
        fields = []


# --- development ----------------------------------------------------------------------------


class ApplicantMixin:
    """Applicants change only through the pipeline's steps: no generic edit or delete."""

    queryset = Applicant.objects.select_related("organization")

    def model_context(self):
        return {**super().model_context(), "can_change": False, "can_delete": False}


class ApplicantListView(ApplicantMixin, views.ObjectListView):
    filterset_class = ApplicantFilterSet
    columns = [
        Column("name", link=True),
        Column("id_number_masked", order_by=None),
        Column("gender"),
        Column("organization.name", label=gettext_lazy("所在党支部")),
        Column("stage"),
        Column("applied_on"),
        Column("activist_on"),
        Column("candidate_on"),
        Column("admitted_on"),
    ]


class ApplicantAddView(ApplicantMixin, views.ObjectEditView):
    form_class = ApplicantForm
    template_name = "members/development_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("登记入党申请人")
        return context

    def get_form(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        return self.form_class(data, user=self.request.user, initial=self.get_initial())

    def post(self, request, *args, **kwargs):
        form = self.get_form(None)
        if form.is_valid():
            try:
                applicant = form.save()
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记入党申请人“%(name)s”。") % {"name": applicant})
                return HttpResponseRedirect(applicant.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(form=form, object=Applicant()), status=400
        )


class ApplicantDetailView(ApplicantMixin, views.ObjectDetailView):
    queryset = Applicant.objects.select_related("organization", "member")
    template_name = "members/development_detail.html"
    fields = [
        "name",
        "id_number_masked",
        "gender",
        "birth_date",
        "organization",
        "stage",
        "applied_on",
        "talked_on",
        "activist_on",
        "candidate_on",
        "political_review_on",
        "training_on",
        "admitted_on",
        "pledge_number",
        "extension_months",
        "full_member_on",
        "member",
        "ended_on",
        "end_reason",
        "note",
    ]

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "steps": obj.steps.select_related("actor"),
            "contacts": obj.contacts.all(),
            "introducers": obj.introducers.all(),
            "probation_ends_on": obj.probation_ends_on,
            "actions": [
                {
                    "name": action,
                    "label": services.DEVELOPMENT_STEPS[action].label,
                    "form": development_form(action, applicant=obj, user=user),
                    "url": reverse("members:applicant_action", args=[obj.pk, action]),
                }
                for action in services.development_actions(obj, user)
            ],
            "action_labels": services.DEVELOPMENT_LABELS,
            "stage_labels": dict(Applicant.Stage.choices),
        }


class ApplicantHistoryView(ApplicantMixin, views.ObjectHistoryView):
    pass


class ApplicantActionView(views.ScopedViewMixin, View):
    """POST ``development/<pk>/<action>/``: one step through the service."""

    queryset = Applicant.objects.select_related("organization")
    action = "change"

    def post(self, request, pk, step):
        if step not in services.DEVELOPMENT_ACTIONS:
            raise Http404
        applicant = self.get_object()
        form = development_form(step, applicant=applicant, user=request.user, data=request.POST)
        label = services.DEVELOPMENT_STEPS[step].label
        action = services.DEVELOPMENT_ACTIONS[step]
        done = _("已记录：%(action)s。") % {"action": label}
        return run_step(request, applicant, form, label, action, done)


def run_step(request, obj, form, label, action, done):
    """One workflow button: validate ``form``, call the service ``action(obj, user, ...)``
    with its values; form errors and refusals become messages named by ``label`` (nothing
    is written then), success says ``done``; back to the object's page."""
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    else:
        try:
            action(obj, request.user, **form.service_kwargs())
        except ValidationError as exc:
            errors = exc.messages
        else:
            errors = []
            messages.success(request, done)
    for error in errors:
        messages.error(request, f"{label}：{error}")
    return HttpResponseRedirect(obj.get_absolute_url())


# --- transfers ------------------------------------------------------------------------------


class TransferMixin:
    """Transfers are seen by both sides and change only through their steps."""

    queryset = Transfer.objects.select_related(
        "member", "source_organization", "destination_organization"
    )

    def get_queryset(self):
        return services.visible(self.queryset.all(), self.request.user)

    def model_context(self):
        return {**super().model_context(), "can_change": False, "can_delete": False}


class TransferListView(TransferMixin, views.ObjectListView):
    filterset_class = TransferFilterSet
    template_name = "members/transfer_list.html"
    columns = [
        Column("letter_number", link=True),
        Column("member.name", label=gettext_lazy("党员")),
        Column("kind"),
        Column("source_organization.name", label=gettext_lazy("转出党支部")),
        Column("destination_organization.name", label=gettext_lazy("转入党支部")),
        Column("external_organization"),
        Column("state"),
        Column("issued_on"),
        Column("valid_until"),
        Column("completed_on"),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_receive"] = context["can_add"] and scoping.can(
            self.request.user, Member, "add"
        )
        return context


class TransferAddView(TransferMixin, views.ObjectEditView):
    """Initiate (``?member=<pk>`` preselects the member) or, as ``receive``, record a member
    transferred in from outside the district."""

    form_class = TransferForm
    template_name = "members/transfer_form.html"
    title = gettext_lazy("发起组织关系转接")

    def get_form(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        return self.form_class(data, user=self.request.user, initial=self.get_initial())

    def post(self, request, *args, **kwargs):
        form = self.get_form(None)
        if form.is_valid():
            try:
                transfer = form.save()
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已登记组织关系转接（介绍信 %(n)s）。") % {"n": transfer.letter_number},
                )
                return HttpResponseRedirect(transfer.get_absolute_url())
        return self.render_to_response(
            self.get_context_data(form=form, object=Transfer()), status=400
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        return context


class TransferReceiveView(TransferAddView):
    form_class = ReceiveForm
    title = gettext_lazy("登记从区外转入")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scoping.can(request.user, Member, "add"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TransferDetailView(TransferMixin, views.ObjectDetailView):
    template_name = "members/transfer_detail.html"
    fields = [
        "letter_number",
        "kind",
        "state",
        "member",
        "source_organization",
        "destination_organization",
        "external_organization",
        "issued_on",
        "valid_until",
        "dues_paid_until",
        "reason",
        "completed_on",
        "refusal",
    ]

    def get_extra_context(self, obj):
        user = self.request.user
        return {
            "steps": obj.steps.select_related("actor"),
            "actions": [
                {
                    "name": action,
                    "label": services.TRANSFER_STEPS[action].label,
                    "form": transfer_form(action, transfer=obj, user=user),
                    "url": reverse("members:transfer_action", args=[obj.pk, action]),
                }
                for action in services.transfer_actions(obj, user)
            ],
            "action_labels": services.TRANSFER_LABELS,
            "state_labels": dict(Transfer.State.choices),
        }


class TransferHistoryView(TransferMixin, views.ObjectHistoryView):
    pass


class TransferActionView(TransferMixin, views.ScopedViewMixin, View):
    """POST ``transfers/<pk>/<action>/``: one step through the service."""

    action = "change"

    def post(self, request, pk, step):
        if step not in services.TRANSFER_ACTIONS:
            raise Http404
        transfer = get_object_or_404(self.get_queryset(), pk=pk)
        form = transfer_form(step, transfer=transfer, user=request.user, data=request.POST)
        label = services.TRANSFER_STEPS[step].label
        done = _("已%(action)s。") % {"action": label}
        return run_step(request, transfer, form, label, services.TRANSFER_ACTIONS[step], done)
