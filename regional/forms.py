from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import ScopedModelForm
from regional import services
from regional.models import (
    INDUSTRY_COMMITTEE_INPUT_FIELDS,
    INDUSTRY_ISSUE_INPUT_FIELDS,
    JOINT_MEETING_INPUT_FIELDS,
    NEED_INPUT_FIELDS,
    PAIRING_INPUT_FIELDS,
    PROJECT_INPUT_FIELDS,
    RESIDENT_UNIT_INPUT_FIELDS,
    RESOURCE_INPUT_FIELDS,
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


def model_form(model_class, field_names):
    """A scoped model form for ``model_class`` with ``field_names``, in that order."""
    meta = type("Meta", (), {"model": model_class, "fields": field_names})
    return type(f"{model_class.__name__}Form", (ScopedModelForm,), {"Meta": meta})


ResidentUnitForm = model_form(ResidentUnit, RESIDENT_UNIT_INPUT_FIELDS)
JointMeetingForm = model_form(JointMeeting, JOINT_MEETING_INPUT_FIELDS)
JointMeetingMembershipForm = model_form(
    JointMeetingMembership,
    ("meeting", "unit", "representative", "representative_title", "joined_on", "left_on"),
)
JointMeetingSessionForm = model_form(
    JointMeetingSession, ("meeting", "held_on", "title", "agenda", "minutes")
)
SessionAttendanceForm = model_form(SessionAttendance, ("session", "unit", "present", "note"))
NeedForm = model_form(Need, NEED_INPUT_FIELDS)
ResourceForm = model_form(Resource, RESOURCE_INPUT_FIELDS)
MilestoneForm = model_form(Milestone, ("project", "title", "due_on", "note"))
ProjectUpdateForm = model_form(ProjectUpdate, ("project", "date", "text", "progress"))
PairingForm = model_form(Pairing, PAIRING_INPUT_FIELDS)
PairingActivityForm = model_form(
    PairingActivity, ("pairing", "held_on", "title", "participants", "note")
)
PairingEvaluationForm = model_form(PairingEvaluation, ("pairing", "year", "rating", "comment"))
IndustryCommitteeForm = model_form(IndustryCommittee, INDUSTRY_COMMITTEE_INPUT_FIELDS)
IndustryCommitteeMemberForm = model_form(
    IndustryCommitteeMember, ("committee", "organization", "joined_on")
)
IndustryIssueForm = model_form(IndustryIssue, INDUSTRY_ISSUE_INPUT_FIELDS)


class ProjectForm(ScopedModelForm):
    """A project; the needs it answers become "matched" when it is saved."""

    class Meta:
        model = Project
        fields = PROJECT_INPUT_FIELDS

    def save(self, commit=True):
        project = super().save(commit=commit)
        if commit:
            services.match_needs(project)
        return project


class AllocationForm(forms.Form):
    """Allocate a resource to a project (``services.allocate`` checks what remains)."""

    resource = forms.ModelChoiceField(
        label=_("资源"), queryset=Resource.objects.none(), widget=forms.Select
    )
    quantity = forms.DecimalField(label=_("数量"), min_value=0, decimal_places=2)

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources
        self.fields["resource"].widget.attrs["class"] = "form-select"
        self.fields["quantity"].widget.attrs["class"] = "form-control"
