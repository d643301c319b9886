from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import INPUT_FIELDS, Member
from portal.forms import ScopedModelForm


class MemberForm(ScopedModelForm):
    """The ID number and mobile are typed in plain and stored encrypted; on an edit a blank
    box keeps the stored value, and "clear the mobile" removes a stored one. On an edit the
    status and flags are shown, not edited: they change through the status workflow."""

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
            lock_status_fields(self.fields, self.instance)
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


def lock_status_fields(fields, member):
    """Show an existing member's status and flags read-only (a disabled field keeps its
    stored value whatever is posted), pointing to where they change (``members.status``)."""
    for name in Member.STATUS_FIELDS:
        if name in fields:
            fields[name].disabled = True
            fields[name].required = False
    if "status" in fields:
        fields["status"].help_text = format_html(
            gettext(
                "党籍状态、失联和流动情况在"
                '<a href="{url}">党员详情页</a>的“党籍状态与标记”中变更，这里不能修改。'
            ),
            url=member.get_absolute_url(),
        )
