from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.forms import apply_sensitive_inputs
from members.models import INPUT_FIELDS, Member
from portal.admin_base import ScopedAdmin


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
