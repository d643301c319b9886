"""Pages of elections (``/organizations/elections/``), the "record election" form of an
organisation, and the term status page (``/organizations/terms/``, 届期提醒).

Recording goes through ``organizations.services.record_election``; a refused election shows
its errors on the form and its result rows and writes nothing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from organizations import services
from organizations.election_filters import ElectionFilterSet, TermStatusFilterSet
from organizations.forms import ElectionForm, ElectionResultFormSet
from organizations.models import ELECTION_FIELDS, Election, Organization, TermRule
from portal import scoping, views
from portal.tables import Column


class ReadOnlyPages:
    """Elections are recorded (``ElectionRecordView``), never edited or deleted in the UI;
    the term page lists organisations, it adds none."""

    def model_context(self):
        return {
            **super().model_context(),
            "can_add": False,
            "can_change": False,
            "can_delete": False,
            "can_import": False,
        }


class ElectionListView(ReadOnlyPages, views.ObjectListView):
    queryset = Election.objects.select_related("organization", "organization__region")
    filterset_class = ElectionFilterSet
    columns = [
        Column("held_on", link=True),
        Column("organization.name", label=gettext_lazy("党组织"), link=True),
        Column("organization.region.name", label=gettext_lazy("所在区划")),
        Column("kind"),
        Column("term_number"),
        Column("eligible_voters"),
        Column("present"),
        Column("approval_number"),
    ]


class ElectionDetailView(ReadOnlyPages, views.ObjectDetailView):
    queryset = Election.objects.select_related("organization")
    fields = list(ELECTION_FIELDS)
    template_name = "organizations/election_detail.html"

    def get_extra_context(self, obj):
        return {"results": obj.results.select_related("candidate", "position")}


class ElectionHistoryView(ReadOnlyPages, views.ObjectHistoryView):
    queryset = Election.objects.select_related("organization")


class OrganizationScopedMixin:
    """The organisation of the URL, in the user's scope (404 otherwise)."""

    def get_organization(self, action="view"):
        visible = scoping.restrict(Organization.objects.select_related("region"), self.request.user)
        organization = get_object_or_404(visible, pk=self.kwargs["pk"])
        if action != "view":
            get_object_or_404(
                scoping.restrict(Organization.objects.all(), self.request.user, action),
                pk=organization.pk,
            )
        return organization


class ElectionRecordView(OrganizationScopedMixin, views.ScopedViewMixin, TemplateView):
    """Record an election of one organisation: its figures and a formset of results."""

    queryset = Election.objects.all()
    action = "add"
    template_name = "organizations/election_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and services.election_refusal(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def forms(self, organization, data=None):
        candidates = scoping.restrict(
            services.candidates_for(organization).select_related("organization"),
            self.request.user,
        )
        url = reverse("organizations:election_candidates", args=[organization.pk])
        form = ElectionForm(data, user=self.request.user, prefix="election")
        formset = ElectionResultFormSet(
            data,
            prefix="results",
            form_kwargs={"candidates": candidates, "candidates_url": url},
        )
        return form, formset

    def get(self, request, *args, **kwargs):
        organization = self.get_organization("change")
        form, formset = self.forms(organization)
        return self.render_to_response(self.context(organization, form, formset))

    def post(self, request, *args, **kwargs):
        organization = self.get_organization("change")
        form, formset = self.forms(organization, request.POST)
        if form.is_valid() & formset.is_valid():
            results = [
                row.cleaned_data
                for row in formset.forms
                if row.has_changed() and not row.cleaned_data.get("DELETE")
            ]
            fields = {
                name: value
                for name, value in form.cleaned_data.items()
                if name in ElectionForm.Meta.fields
            }
            try:
                election = services.record_election(
                    request.user, organization=organization, results=results, **fields
                )
            except services.ElectionError as exc:
                self.add_errors(form, formset, exc)
            else:
                messages.success(
                    request, _("已登记%(election)s。") % {"election": election.get_kind_display()}
                )
                return HttpResponseRedirect(election.get_absolute_url())
        return self.render_to_response(self.context(organization, form, formset), status=400)

    @staticmethod
    def add_errors(form, formset, exc):
        for field, errors in exc.field_errors.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
        changed = [row for row in formset.forms if row.has_changed()]
        for row, errors in zip(changed, exc.result_errors, strict=False):
            for field, messages_ in errors.items():
                for message in messages_:
                    row.add_error(field if field in row.fields else None, message)

    def context(self, organization, form, formset):
        return {
            **self.model_context(),
            "organization": organization,
            "form": form,
            "formset": formset,
            "term_years": TermRule.years_for(organization.kind),
            "rules": services.rules_text(),
        }


class CandidateAutocompleteView(OrganizationScopedMixin, views.ScopedViewMixin, View):
    """``/organizations/<pk>/candidates/?q=``: members of the organisation's subtree whose
    name matches, in the user's scope (the result rows' candidate autocomplete)."""

    queryset = Election.objects.all()
    LIMIT = 20

    def get(self, request, *args, **kwargs):
        organization = self.get_organization()
        members = scoping.restrict(
            services.candidates_for(organization).select_related("organization"), request.user
        )
        term = request.GET.get("q", "").strip()
        if term:
            members = members.filter(name__contains=term)
        results = [
            {"id": m.pk, "text": m.name, "code": m.organization.name}
            for m in members.order_by("name", "pk")[: self.LIMIT]
        ]
        return JsonResponse({"results": results})


TERM_COLUMNS = [
    Column("code", link=True),
    Column("name", link=True),
    Column("kind"),
    Column("region.name", label=gettext_lazy("所在区划")),
    Column("term_number"),
    Column("term_started_on"),
    Column("term_end"),
    Column("days_left", label=gettext_lazy("剩余天数（负数为已超期）")),
]


class TermStatusView(ReadOnlyPages, views.ObjectListView):
    """Organisations whose term has ended or ends within six months (换届提醒), sortable,
    filterable, exportable."""

    queryset = Organization.objects.all()
    filterset_class = TermStatusFilterSet
    template_name = "organizations/term_status.html"
    columns = TERM_COLUMNS
    default_sort = ["days_left", "path"]

    def get_queryset(self):
        base = services.term_status().select_related("region")
        return scoping.restrict(base, self.request.user, "view")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            term_rules=TermRule.objects.all(),
            horizon_months=services.TERM_HORIZON_MONTHS,
            can_record=not services.election_refusal(self.request.user),
            elections_url=reverse("organizations:election_list"),
        )
        return context
