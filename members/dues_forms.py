"""The dues payment form: one member's one month, recorded by a branch's operator."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import DuesPayment, Member
from members.workflow_forms import DateInput, StyledForm
from portal import scoping


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.id_number_masked}）"


class DuesPaymentForm(StyledForm):
    member = MemberChoice(label=_("党员"), queryset=Member.objects.none())
    period = forms.DateField(
        label=_("所属月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("按月登记，每名党员每月一条。"),
    )
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
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        self.payment = payment
        return cleaned

    def save(self):
        self.payment.save()
        return self.payment
