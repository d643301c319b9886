from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member
from portal.forms import ScopedModelForm


class MemberForm(ScopedModelForm):
    """The ID number and mobile are typed in plain and stored encrypted; on an edit a blank
    box keeps the stored value."""

    id_number = forms.CharField(label=_("身份证号"), max_length=20, required=False)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "gender",
            "ethnicity",
            "birth_date",
            "mobile",
            "education",
            "occupation",
            "employer_name",
            "organization",
            "category",
            "joined_on",
            "full_member_on",
            "status",
            "status_on",
            "lost_contact",
            "lost_contact_on",
            "flowing",
            "flowing_destination",
            "residential_region",
            "note",
        ]

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

    def clean(self):
        cleaned = super().clean()
        self.instance.validating_user = self.user
        for name, setter in (
            ("id_number", self.instance.set_id_number),
            ("mobile", self.instance.set_mobile),
        ):
            value = (cleaned.get(name) or "").strip()
            if value:
                setter(value)
        return cleaned
