from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import INPUT_FIELDS, Member
from portal.forms import ScopedModelForm


class MemberForm(ScopedModelForm):
    """The ID number and mobile are typed in plain and stored encrypted; on an edit a blank
    box keeps the stored value, and "clear the mobile" removes a stored one."""

    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    clear_mobile = forms.BooleanField(label=_("清除已登记的手机号"), required=False)

    class Meta:
        model = Member
        fields = INPUT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name, masked in (
                ("id_number", self.instance.id_number_masked),
                ("mobile", self.instance.mobile_masked),
            ):
                self.fields[name].help_text = _("当前：%(value)s。留空则不修改。") % {
                    "value": masked or "—"
                }
        else:
            self.fields["id_number"].required = True
        if not self.instance.mobile_masked:
            del self.fields["clear_mobile"]  # nothing stored to clear

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_mobile"):
            if (cleaned.get("mobile") or "").strip():
                self.add_error("mobile", _("填写了新手机号时不能同时清除手机号。"))
                return cleaned
            self.instance.set_mobile("")
        apply_sensitive_inputs(self.instance, cleaned, self.user)
        return cleaned


def apply_sensitive_inputs(member, cleaned, user):
    """Hand typed ID number and mobile to the member being validated; blank keeps the
    stored value. ``user`` decides how much a duplicate-ID error may say."""
    member.validating_user = user
    if (cleaned.get("id_number") or "").strip():
        member.set_id_number(cleaned["id_number"].strip())
    if (cleaned.get("mobile") or "").strip():
        member.set_mobile(cleaned["mobile"].strip())
