from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.forms import apply_sensitive_inputs
from members.models import (
    INPUT_FIELDS,
    Applicant,
    ApplicantStep,
    DuesBase,
    DuesExemption,
    DuesPayment,
    DuesRate,
    Meeting,
    MeetingAttendance,
    MeetingFrequency,
    Member,
    Transfer,
    TransferStep,
)
from portal import scoping
from portal.admin_base import ReadOnlyInline, ScopedAdmin


class MemberAdminForm(forms.ModelForm):
    id_number = forms.CharField(label=_("身份证号"), required=False, help_text=_("留空则不修改。"))
    mobile = forms.CharField(label=_("手机号"), required=False, help_text=_("留空则不修改。"))

    class Meta:
        model = Member
        fields = INPUT_FIELDS

    #: The requesting user, set by ``MemberAdmin.get_form`` on the form class it builds.
    validating_user = None

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not (cleaned.get("id_number") or "").strip():
            self.add_error("id_number", _("必须填写身份证号。"))
        apply_sensitive_inputs(self.instance, cleaned, self.validating_user)
        return cleaned


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    """Masked like every other output: the admin shows only the masked forms."""

    form = MemberAdminForm
    list_display = [
        "name",
        "gender",
        "id_number_masked",
        "mobile_masked",
        "organization",
        "category",
        "status",
    ]
    list_filter = ["status", "category", "gender"]
    search_fields = ["name"]

    def get_search_results(self, request, queryset, search_term):
        # Name search through the indexed grams, like the portal's lists.
        from portal.search import name_condition

        if not search_term.strip():
            return queryset, False
        return queryset.filter(name_condition(search_term)), False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.validating_user = request.user  # a class built for this request
        return form

    raw_id_fields = ["organization", "employer", "residential_region", "residential_grid"]
    readonly_fields = ["id_number_masked", "mobile_masked", "created_at", "updated_at"]
    list_select_related = ["organization"]

    def get_readonly_fields(self, request, obj=None):
        """An existing member's status and flags change only through the status workflow
        (``members.status``); a member added here may be given them."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += Member.STATUS_FIELDS
        return fields


# --- development pipeline and transfers: read-only here, they change through members.services


class WorkflowAdmin(ScopedAdmin):
    """Stages and states change only through the workflow (members.services): the admin shows
    them and their timelines, and neither adds, edits nor deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApplicantStepInline(ReadOnlyInline):
    model = ApplicantStep
    fields = ["on", "action", "from_stage", "to_stage", "actor", "note", "created_at"]


class TransferStepInline(ReadOnlyInline):
    model = TransferStep
    fields = ["on", "action", "from_state", "to_state", "actor", "note", "created_at"]


@admin.register(Applicant)
class ApplicantAdmin(WorkflowAdmin):
    list_display = ["name", "id_number_masked", "organization", "stage", "applied_on"]
    list_filter = ["stage"]
    search_fields = ["name"]
    exclude = ["id_number_cipher", "id_number_hash", "contacts", "introducers"]
    list_select_related = ["organization"]
    inlines = [ApplicantStepInline]


@admin.register(Transfer)
class TransferAdmin(WorkflowAdmin):
    list_display = ["letter_number", "member", "kind", "state", "issued_on"]
    list_filter = ["kind", "state"]
    search_fields = ["letter_number"]
    list_select_related = ["member", "source_organization", "destination_organization"]
    inlines = [TransferStepInline]

    def get_queryset(self, request):
        from members import services

        return services.visible(Transfer.objects.all(), request.user).select_related(
            *self.list_select_related
        )


# --- party dues ------------------------------------------------------------------------------


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    """The district-wide rate table: changed only by users whose scope is the whole district."""

    list_display = ["kind", "lower", "upper", "percent", "fixed_amount", "note"]
    list_filter = ["kind"]

    def _district(self, request):
        return scoping.district_wide(request.user)

    def has_add_permission(self, request):
        return self._district(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._district(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._district(request) and super().has_delete_permission(request, obj)


@admin.register(DuesBase)
class DuesBaseAdmin(ScopedAdmin):
    list_display = ["member", "year", "kind", "monthly_base"]
    list_filter = ["year", "kind"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]


@admin.register(DuesPayment)
class DuesPaymentAdmin(ScopedAdmin):
    list_display = ["member", "period", "amount", "paid_on", "recorded_by"]
    list_filter = ["period"]
    list_select_related = ["member", "recorded_by"]
    raw_id_fields = ["member"]


@admin.register(DuesExemption)
class DuesExemptionAdmin(ScopedAdmin):
    list_display = ["member", "start", "end", "reason", "approved_by", "approved_on"]
    list_filter = ["reason"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


# --- organisational life -----------------------------------------------------------------------


class MeetingAttendanceInline(ReadOnlyInline):
    """Shown, not edited here: attendance is written by ``members.meetings.record`` (the
    meeting form and the API), which checks every attendee against the branch."""

    model = MeetingAttendance
    fields = ["member", "present", "absence_reason", "absence_note"]


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["held_on", "kind", "topic", "organization", "host"]
    list_filter = ["kind"]
    search_fields = ["topic"]
    date_hierarchy = "held_on"
    list_select_related = ["organization"]
    raw_id_fields = ["organization"]
    inlines = [MeetingAttendanceInline]


@admin.register(MeetingAttendance)
class MeetingAttendanceAdmin(WorkflowAdmin):
    list_display = ["meeting", "member", "present", "absence_reason"]
    list_filter = ["present", "absence_reason"]
    list_select_related = ["meeting", "member"]


@admin.register(MeetingFrequency)
class MeetingFrequencyAdmin(ScopedAdmin):
    """District-wide: every role reads it, only district admins change it (roles.py)."""

    list_display = ["kind", "period", "required_count", "note"]
