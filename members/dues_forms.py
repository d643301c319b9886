"""The dues forms of a branch's operator: one member's payment for one month, and a member's
exemption (减免/缓交) for a span of months."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import DuesExemption, DuesPayment, Member
from members.workflow_forms import DateInput, StyledForm
from portal import scoping
from portal.forms import add_service_errors


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.id_number_masked}）"


def month_field(label, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=help_text,
    )


class DuesPaymentForm(StyledForm):
    member = MemberChoice(label=_("党员"), queryset=Member.objects.none())
    period = month_field(_("所属月份"), help_text=_("按月登记，每名党员每月一条。"))
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=10, decimal_places=2)
    paid_on = forms.DateField(label=_("交纳日期"), widget=DateInput())

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        members = organization.members.filter(status=Member.Status.NORMAL)
        self.fields["member"].queryset = scoping.restrict(members, user, "view").order_by("id")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        payment = DuesPayment(
            member=cleaned["member"],
            period=cleaned["period"].replace(day=1),
            amount=cleaned["amount"],
            paid_on=cleaned["paid_on"],
            recorded_by=self.user,
        )
        try:
            payment.full_clean()
        except forms.ValidationError as exc:
            add_service_errors(self, exc)
        self.payment = payment
        return cleaned

    def save(self):
        self.payment.save()
        return self.payment


class DuesExemptionForm(StyledForm):
    """A new exemption of one of the branch's members (``instance=None``), or a change to an
    existing one, whose member stays as it is (ending an open exemption sets ``end``).
    Validated by ``DuesExemption.full_clean`` like the API and the admin."""

    member = MemberChoice(label=_("党员"), queryset=Member.objects.none())
    start = month_field(_("起始月份"))
    end = month_field(
        _("截止月份"), required=False, help_text=_("留空表示长期；恢复交纳时填写最后一个减免月份。")
    )
    reason = forms.ChoiceField(label=_("减免/缓交原因"), choices=DuesExemption.Reason.choices)
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=200,
        help_text=_("原因为“其他”时必填。"),
    )
    approved_by = forms.CharField(
        label=_("批准机构"), max_length=100, help_text=_("如：党支部委员会、街道党工委。")
    )
    approved_on = forms.DateField(label=_("批准日期"), widget=DateInput())

    FIELDS = ("start", "end", "reason", "note", "approved_by", "approved_on")

    def __init__(self, *args, user, organization, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        if instance is not None:
            del self.fields["member"]
        else:
            members = organization.members.filter(status=Member.Status.NORMAL)
            self.fields["member"].queryset = scoping.restrict(members, user, "view").order_by("id")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        exemption = self.instance or DuesExemption(member=cleaned["member"], recorded_by=self.user)
        for name in self.FIELDS:
            setattr(exemption, name, cleaned[name])
        try:
            exemption.full_clean()
        except forms.ValidationError as exc:
            add_service_errors(self, exc)
        self.exemption = exemption
        return cleaned

    def save(self):
        self.exemption.save()
        return self.exemption
