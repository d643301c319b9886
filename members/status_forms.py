"""One small form per status change (``members.status``): each hands its cleaned data to the
service and changes nothing itself."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import status
from members.workflow_forms import StyledForm, date_field, note_field


class StatusForm(StyledForm):
    on = date_field(_("日期"))
    reason = note_field(_("说明"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def service_kwargs(self):
        return dict(self.cleaned_data)


class StopForm(StatusForm):
    reason = note_field(_("停止党籍原因"), required=True)


class LoseContactForm(StatusForm):
    reason_code = forms.ChoiceField(label=_("失联原因"), choices=status.LOST_CONTACT_REASONS)
    reason = note_field(_("说明"))

    field_order = ["on", "reason_code", "reason"]


class FlowOutForm(StatusForm):
    destination = forms.CharField(label=_("流向地"), max_length=200)
    contact_organization = forms.CharField(label=_("流入地联系党组织"), max_length=200)

    field_order = ["on", "destination", "contact_organization", "reason"]


class DeathForm(StatusForm):
    on = date_field(_("死亡日期"))


FORMS = {
    "stop": StopForm,
    "lose_contact": LoseContactForm,
    "flow_out": FlowOutForm,
    "death": DeathForm,
}


def status_form(action, data=None, prefix=None):
    return FORMS.get(action, StatusForm)(data, prefix=prefix)
