"""Forms of the development pipeline and transfer pages: each hands its cleaned data to
``members.services``; none changes a stage or a state itself."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members import services
from members.models import Member, Transfer, workflow_rule
from organizations.models import Organization
from portal import scoping
from portal.forms import AUTOCOMPLETE_THRESHOLD, AutocompleteSelect


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DateInput(), **kwargs)


def note_field(label=None, required=False):
    return forms.CharField(
        label=label or _("说明"), required=required, widget=forms.Textarea(attrs={"rows": 2})
    )


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; large relations become autocomplete boxes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            elif isinstance(widget, forms.Select) and not isinstance(widget, AutocompleteSelect):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def autocomplete(self, name):
        field = self.fields[name]
        if field.queryset.count() > AUTOCOMPLETE_THRESHOLD:
            field.widget = AutocompleteSelect(field.queryset.model)
            field.widget.choices = field.choices


def branches():
    return Organization.objects.active().filter(kind__in=Organization.BRANCH_KINDS)


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.id_number_masked}）"


# --- development ------------------------------------------------------------------------------


class ApplicantForm(StyledForm):
    """Register an application (入党申请书) with the branch that received it."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=20, help_text=_("性别和出生日期由身份证号得出。")
    )
    organization = forms.ModelChoiceField(branches(), label=_("所在党支部"))
    applied_on = date_field(_("递交入党申请书日期"))
    note = note_field(_("备注"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = scoping.restrict(field.queryset, user).order_by("path")
        self.autocomplete("organization")

    def save(self):
        return services.register_applicant(self.user, **self.cleaned_data)


class DevelopmentStepForm(StyledForm):
    """A dated step with a note; the subclasses add the step's people and numbers."""

    on = date_field(_("日期"))
    note = note_field()
    note_required = False

    def __init__(self, *args, applicant, user, action, **kwargs):
        self.applicant, self.user, self.action = applicant, user, action
        super().__init__(*args, **kwargs)
        if self.note_required:
            self.fields["note"].required = True
            self.fields["note"].label = _("原因")

    def service_kwargs(self):
        return dict(self.cleaned_data)


class ActivistForm(DevelopmentStepForm):
    contacts = MemberChoices(
        Member.objects.none(),
        label=_("培养联系人"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("本支部党籍正常的正式党员。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = full_members(self.applicant.organization, self.user)
        self.fields["contacts"].help_text = _(
            "本支部党籍正常的正式党员，%(min)d 至 %(max)d 名。"
        ) % {
            "min": workflow_rule("contacts_min"),
            "max": workflow_rule("contacts_max"),
        }


def full_members(organization, user):
    return scoping.restrict(
        Member.objects.filter(
            organization=organization,
            category=Member.Category.FULL,
            status=Member.Status.NORMAL,
        ),
        user,
    ).order_by("name", "pk")


class VetForm(DevelopmentStepForm):
    political_review_on = date_field(_("政治审查完成日期"))
    training_on = date_field(_("集中培训完成日期"))
    field_order = ["political_review_on", "training_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["on"]


class AdmitForm(DevelopmentStepForm):
    introducers = MemberChoices(
        Member.objects.none(), label=_("入党介绍人"), widget=forms.CheckboxSelectMultiple
    )
    pledge_number = forms.CharField(label=_("入党志愿书编号"), max_length=50)
    field_order = ["on", "introducers", "pledge_number", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["introducers"].queryset = full_members(self.applicant.organization, self.user)
        self.fields["introducers"].help_text = _("%(count)d 名党籍正常的正式党员。") % {
            "count": workflow_rule("introducers")
        }


class ExtendForm(DevelopmentStepForm):
    months = forms.IntegerField(label=_("延长月数"), min_value=1)
    note_required = True
    field_order = ["on", "months", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = workflow_rule("max_extension_months")
        self.fields["months"].max_value = limit
        self.fields["months"].help_text = _("最长 %(limit)d 个月，只能延长一次。") % {
            "limit": limit
        }


class ReasonForm(DevelopmentStepForm):
    note_required = True


DEVELOPMENT_FORMS = {
    "activist": ActivistForm,
    "vet": VetForm,
    "admit": AdmitForm,
    "extend": ExtendForm,
    "cancel": ReasonForm,
    "stop": ReasonForm,
}


def development_form(action, *, applicant, user, data=None):
    form_class = DEVELOPMENT_FORMS.get(action, DevelopmentStepForm)
    return form_class(data, applicant=applicant, user=user, action=action, prefix=action)


# --- transfers --------------------------------------------------------------------------------


class TransferForm(StyledForm):
    """The source side starts a transfer: to a branch of the district or out of it."""

    member = forms.ModelChoiceField(Member.objects.none(), label=_("党员"))
    destination = forms.ModelChoiceField(
        branches(),
        label=_("转入党支部"),
        required=False,
        help_text=_("区内转接时选择；转出本区时留空并填写接收党组织。"),
    )
    external_organization = forms.CharField(
        label=_("区外接收党组织"), max_length=200, required=False
    )
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=50)
    issued_on = date_field(
        _("介绍信开具日期"),
        help_text=_("有效期 %(months)d 个月。") % {"months": workflow_rule("letter_valid_months")},
    )
    dues_paid_until = date_field(_("党费交至"), required=False)
    reason = note_field(_("转接原因"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = scoping.restrict(
            Member.objects.filter(status=Member.Status.NORMAL), user, "change"
        ).order_by("pk")
        self.autocomplete("member")
        # Every branch of the district may receive a member, whichever street it is in.
        self.fields["destination"].queryset = branches().order_by("path")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("destination") is not None and cleaned.get("external_organization"):
            self.add_error("external_organization", _("区内转接不填写区外接收党组织。"))
        return cleaned

    def save(self):
        return services.initiate(self.user, **self.cleaned_data)


class TransferStepForm(StyledForm):
    on = date_field(_("日期"))
    note = note_field()

    def __init__(self, *args, transfer, user, action, **kwargs):
        self.transfer, self.user, self.action = transfer, user, action
        super().__init__(*args, **kwargs)
        if action == "reject":
            self.fields["note"].required = True
            self.fields["note"].label = _("退回原因")

    def service_kwargs(self):
        return dict(self.cleaned_data)


def transfer_form(action, *, transfer, user, data=None):
    return TransferStepForm(data, transfer=transfer, user=user, action=action, prefix=action)


class ReceiveForm(StyledForm):
    """A member transferred in from outside the district, created in the destination."""

    destination = forms.ModelChoiceField(branches(), label=_("转入党支部"))
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    category = forms.ChoiceField(choices=Member.Category.choices, label=_("党员类别"))
    joined_on = date_field(_("入党日期"))
    full_member_on = date_field(_("转正日期"), required=False)
    external_organization = forms.CharField(label=_("原党组织"), max_length=200)
    letter_number = forms.CharField(label=_("介绍信编号"), max_length=50)
    issued_on = date_field(_("介绍信开具日期"))
    dues_paid_until = date_field(_("党费交至"), required=False)
    on = date_field(_("接收日期"))
    note = note_field()

    MEMBER_FIELDS = ("name", "category", "joined_on", "full_member_on")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        field.queryset = scoping.restrict(field.queryset, user).order_by("path")
        self.autocomplete("destination")

    def save(self):
        data = dict(self.cleaned_data)
        member_data = {name: data.pop(name) for name in self.MEMBER_FIELDS}
        return services.receive(self.user, member_data=member_data, **data)


TRANSFER_KIND_LABELS = dict(Transfer.Kind.choices)
