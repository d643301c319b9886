from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    ELECTION_FIELDS,
    TERM_FIELDS,
    Election,
    ElectionResult,
    LeadershipPosition,
    Organization,
)
from portal.forms import AutocompleteSelect, ScopedModelForm


class OrganizationForm(ScopedModelForm):
    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "sector",
            "parent",
            "region",
            "building",
            "founded_on",
            "dissolved_on",
            "term_number",
            "term_started_on",
            "term_end",
            "contact_phone",
            "address",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # After an election the term is the elections' (organizations.services).
        if self.instance.pk and self.instance.elections.exists():
            for name in TERM_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("已登记换届选举：请通过“登记选举”变更届次和届期。")


class LeadershipPositionForm(ScopedModelForm):
    class Meta:
        model = LeadershipPosition
        fields = [
            "organization",
            "title",
            "holder_name",
            "holder",
            "started_on",
            "ended_on",
            "note",
        ]


class ElectionForm(ScopedModelForm):
    """The election's own fields; the organisation comes from the page."""

    class Meta:
        model = Election
        fields = [f for f in ELECTION_FIELDS if f not in ("organization", "term_number")]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class CandidateSelect(AutocompleteSelect):
    """Autocomplete over the members of one organisation's subtree."""

    def __init__(self, model, url):
        super().__init__(model)
        self.url = url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["url"] = self.url
        return context


class ElectionResultForm(forms.ModelForm):
    """One candidate's row. ``candidates`` (the organisation's members in the user's scope)
    and ``candidates_url`` (their autocomplete) come from the formset's ``form_kwargs``."""

    class Meta:
        model = ElectionResult
        fields = ["title", "candidate", "candidate_name", "votes", "elected"]

    def __init__(self, *args, candidates, candidates_url, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["candidate"]
        field.queryset = candidates
        field.widget = CandidateSelect(candidates.model, candidates_url)
        field.widget.choices = field.choices
        self.fields["candidate_name"].required = False
        self.fields["candidate_name"].help_text = _("不选党员时填写；选了党员时可留空。")
        for name, f in self.fields.items():
            if name == "elected":
                f.widget.attrs.setdefault("class", "form-check-input")
            elif name != "candidate":
                f.widget.attrs.setdefault(
                    "class", "form-select" if name == "title" else "form-control"
                )


ElectionResultFormSet = forms.formset_factory(
    ElectionResultForm, extra=6, min_num=1, validate_min=True, max_num=40, validate_max=True
)
