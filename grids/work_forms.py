"""Forms of micro-wishes and visits. Saving goes through ``grids.services``: a new wish is
submitted by ``wishes.submit``, a visit (and the case it may open) by ``visits.record``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grids.models import CaseCategory, Visit, Wish
from grids.services import visits as visit_services
from grids.services import wishes as wish_services
from portal.forms import ScopedModelForm

WISH_FIELDS = [
    "grid",
    "title",
    "description",
    "beneficiary_name",
    "beneficiary_contact",
    "submitted_by_member",
]


class WishForm(ScopedModelForm):
    """A new wish (submitted for review), or corrections to one still waiting for review."""

    class Meta:
        model = Wish
        fields = WISH_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.state != Wish.State.SUBMITTED:
            raise ValidationError(_("心愿已审核，不能再修改。"))
        return cleaned

    def save(self, commit=True):
        if self.instance.pk:
            return super().save(commit)
        data = self.cleaned_data
        return wish_services.submit(
            self.user,
            **{name: data[name] for name in WISH_FIELDS if data.get(name) is not None},
        )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ReviewForm(NoteForm):
    approve = forms.TypedChoiceField(
        label=_("审核结果"),
        choices=[("1", _("通过并发布")), ("0", _("不予发布"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class ClaimForm(NoteForm):
    """A member the user may see, or a resident unit's name."""

    member = forms.ModelChoiceField(label=_("认领党员"), queryset=None, required=False)
    unit = forms.CharField(
        label=_("或认领单位"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user, **kwargs):
        from members.models import Member
        from portal import scoping
        from portal.forms import AUTOCOMPLETE_THRESHOLD, AutocompleteSelect

        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.queryset = scoping.restrict(Member.objects.order_by("name"), user)
        if field.queryset.count() > AUTOCOMPLETE_THRESHOLD:
            field.widget = AutocompleteSelect(Member)
            field.widget.choices = field.choices
        else:
            field.widget.attrs["class"] = "form-select"


class FulfilForm(forms.Form):
    note = forms.CharField(
        label=_("实现情况"), widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        help_text=_("PNG、JPEG 或 WebP，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "image/*"}),
    )


ACTION_FORMS = {
    "review": ReviewForm,
    "claim": ClaimForm,
    "fulfil": FulfilForm,
    "confirm": NoteForm,
    "withdraw": NoteForm,
}


class VisitForm(ScopedModelForm):
    """A visit; ticking "open a case" reports a case from it in the same step."""

    open_case = forms.BooleanField(label=_("发现问题，同时转立工单"), required=False)
    case_title = forms.CharField(label=_("工单标题"), max_length=200, required=False)

    class Meta:
        model = Visit
        fields = [
            "grid",
            "visitor_member",
            "visited_on",
            "target",
            "household",
            "enterprise",
            "building",
            "notes",
            "needs_found",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "needs_found": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.case_id:
            for name in ("open_case", "case_title"):
                del self.fields[name]
            return
        # Categories are the district's reference data, not scoped rows: added after the
        # scoped form has limited its relations.
        self.fields["case_category"] = forms.ModelChoiceField(
            label=_("工单类别"),
            queryset=CaseCategory.objects.filter(active=True).order_by("code"),
            required=False,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.order_fields([*self.Meta.fields, "open_case", "case_category", "case_title"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("open_case"):
            if not cleaned.get("case_category"):
                self.add_error("case_category", _("转立工单时请选择类别。"))
            if not (cleaned.get("case_title") or "").strip():
                self.add_error("case_title", _("转立工单时请填写标题。"))
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the cleaned values
        try:
            visit_services.check_target(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)

    def save(self, commit=True):
        visit = super().save(commit=False)
        data = self.cleaned_data
        open_case = None
        if data.get("open_case"):
            open_case = {"category": data["case_category"], "title": data["case_title"]}
        return visit_services.record(visit, self.user, open_case=open_case)
