"""Forms of organisational life: a meeting with its attendance, the compliance report's
filters, and the frequency table."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import meetings
from members.models import AbsenceReason, Meeting, MeetingFrequency, MeetingKind
from members.workflow_forms import StyledForm
from organizations.models import Organization
from portal.forms import ScopedModelForm

#: What the attendance select of one member offers: not recorded, present, or on leave.
PRESENT = "present"
ATTENDANCE_CHOICES = [
    ("", _("未登记")),
    (PRESENT, _("出席")),
    *[
        (value, _("请假（%(reason)s）") % {"reason": label})
        for value, label in AbsenceReason.choices
    ],
]


class MeetingForm(ScopedModelForm):
    """The meeting's fields, then one line per member of the branch (``att_<id>``: present,
    on leave with a reason, or not recorded; ``note_<id>``: the leave's note). The members
    come from the organisation chosen (``?organization=`` on a new meeting); saving goes
    through ``members.meetings.record``."""

    class Meta:
        model = Meeting
        fields = ["organization", "kind", "held_on", "topic", "place", "host", "minutes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = self.fields["organization"].queryset.filter(
            kind__in=[*Organization.BRANCH_KINDS, Organization.Kind.GROUP]
        )
        current = self.instance.organization_id
        self.fields["organization"].queryset = organizations.filter(
            dissolved_on__isnull=True
        ) | organizations.filter(pk=current)
        self.fields["held_on"].initial = timezone.localdate()
        self.attendance_rows = []
        organization = self._chosen_organization()
        self.attendance_organization = organization
        if organization is None:
            return
        recorded = {}
        if self.instance.pk:
            recorded = {row.member_id: row for row in self.instance.attendance.all()}
        members = (
            meetings.candidates(organization, keep=recorded)
            .select_related("organization")
            .order_by("name", "id")
        )
        for member in members:
            row = recorded.get(member.pk)
            choice = ""
            if row is not None:
                choice = PRESENT if row.present else row.absence_reason
            self.fields[f"att_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=ATTENDANCE_CHOICES,
                required=False,
                initial=choice,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label=_("缺席说明"),
                required=False,
                max_length=200,
                initial=row.absence_note if row is not None else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.attendance_rows.append(
                (member, self[f"att_{member.pk}"], self[f"note_{member.pk}"])
            )

    def _chosen_organization(self):
        """The organisation whose members are listed: as posted, asked for, or stored."""
        raw = None
        if self.is_bound:
            raw = self.data.get("organization")
        elif self.initial.get("organization"):
            raw = self.initial["organization"]
        elif self.instance.organization_id:
            raw = self.instance.organization_id
        if not raw or not str(raw).isdigit():
            return None
        return (
            self.fields["organization"]
            .queryset.select_related("parent")
            .filter(pk=int(raw))
            .first()
        )

    def meeting_fields(self):
        return [self[name] for name in self.Meta.fields]

    def clean(self):
        cleaned = super().clean()
        entries = []
        members = {member.pk: member for member, _choice, _note in self.attendance_rows}
        for pk, member in members.items():
            choice = cleaned.get(f"att_{pk}")
            if not choice:
                continue
            present = choice == PRESENT
            entries.append(
                meetings.Entry(
                    member=member,
                    present=present,
                    reason="" if present else choice,
                    note="" if present else (cleaned.get(f"note_{pk}") or "").strip(),
                )
            )
        self.entries = entries
        if not self.errors:
            for problem in meetings.attendance_errors(self.instance, entries):
                self.add_error(None, problem)
        return cleaned

    def save(self, commit=True):
        return meetings.record(self.instance, self.entries, user=self.user)


class ComplianceFilterForm(StyledForm):
    """The compliance report's filters (the page, its exports and the API read the same)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全年")), *[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)]],
    )
    month = forms.TypedChoiceField(
        label=_("月份"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部")), *[(m, _("%(m)s月") % {"m": m}) for m in range(1, 13)]],
    )
    kind = forms.MultipleChoiceField(
        label=_("会议类型"),
        required=False,
        choices=MeetingKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.CharField(label=_("街道/社区（区划代码）"), required=False, max_length=12)
    organization = forms.IntegerField(label=_("党组织（含下级，编号）"), required=False)
    noncompliant = forms.BooleanField(label=_("只看未达标"), required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("year"):
            data = data.copy()
            data["year"] = str(timezone.localdate().year)
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        quarter, month = cleaned.get("quarter"), cleaned.get("month")
        if quarter and month and (month - 1) // 3 + 1 != quarter:
            self.add_error("month", _("所选月份不在所选季度内。"))
        return cleaned

    def window_kwargs(self):
        data = self.cleaned_data
        quarter, month = data.get("quarter"), data.get("month")
        return {
            "year": data["year"],
            "quarter": None if month else quarter,
            "month": month,
            "kinds": data.get("kind") or None,
            "noncompliant_only": data.get("noncompliant", False),
        }


class MeetingFrequencyForm(ScopedModelForm):
    class Meta:
        model = MeetingFrequency
        fields = ["kind", "period", "required_count", "note"]
