"""Forms of the case pages: the report form and one small form per transition. Each hands
its cleaned data to ``grids.services.cases``; none changes a case itself."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grids.models import Case, CaseCategory
from grids.services import cases as services
from members.models import Member
from organizations.models import Organization
from portal import scoping
from portal.forms import AUTOCOMPLETE_THRESHOLD, AutocompleteSelect, ScopedModelForm
from portal.models import Region

PHOTO_ACCEPT = "image/png,image/jpeg,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several images in one input; checked by content (PNG/JPEG/WebP) and size."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT, "class": "form-control"})
        )
        kwargs.setdefault(
            "help_text",
            _("PNG、JPEG 或 WebP，每张不超过 %(size)d MB，最多 %(count)d 张。")
            % {
                "size": services.PHOTO_MAX_BYTES // (1024 * 1024),
                "count": services.PHOTO_MAX_COUNT,
            },
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        uploads = [single(item, initial) for item in uploads if item]
        try:
            services.check_photos(uploads, field="photos")
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["photos"]) from None
        return uploads


class CaseReportForm(ScopedModelForm):
    """Report a case: where (grid, building, point, address), what, and photos."""

    photos = PhotosField(label=_("现场照片"))

    class Meta:
        model = Case
        fields = [
            "grid",
            "title",
            "description",
            "building",
            "address",
            "latitude",
            "longitude",
            "reporter_name",
            "reporter_contact",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Categories are the district's shared table (no scope): the active ones.
        category = forms.ModelChoiceField(CaseCategory.objects.filter(active=True), label=_("类别"))
        category.widget.attrs["class"] = "form-select"
        fields = list(self.fields.items())
        fields.insert(1, ("category", category))
        self.fields = dict(fields)

    def save(self, commit=True):
        data = self.cleaned_data
        return services.report(
            self.user,
            grid=data["grid"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            building=data.get("building"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            address=data.get("address", ""),
            reporter_name=data.get("reporter_name", ""),
            reporter_contact=data.get("reporter_contact", ""),
            photos=data.get("photos") or (),
        )


class TransitionForm(forms.Form):
    """A transition with a note; the note is required where the service requires it."""

    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case, user, action, **kwargs):
        self.case, self.user, self.action = case, user, action
        super().__init__(*args, **kwargs)
        transition = services.TRANSITIONS[action]
        self.fields["note"].required = transition.note_required
        self.fields["note"].error_messages["required"] = _("请填写%(action)s说明。") % {
            "action": transition.label
        }
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, AutocompleteSelect):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def service_kwargs(self):
        return {"note": self.cleaned_data.get("note", "")}


class ResolveForm(TransitionForm):
    photos = PhotosField(label=_("办结照片"))

    def service_kwargs(self):
        return {**super().service_kwargs(), "photos": self.cleaned_data.get("photos") or ()}


def assignee_users(case, user):
    """The accounts a case may be dispatched to: users who may act on it (role, scope and
    level: their scope region is the grid's community or one of its ancestors, high enough
    for the case's level) and whom ``user`` can see (inside ``user``'s scope)."""
    from portal.accounts.models import User

    path = case.grid.region.path
    codes = path.strip("/").split("/")
    ancestors = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    users = User.objects.filter(
        is_active=True,
        scope_region__path__in=ancestors,
        groups__permissions__codename="change_case",
        groups__permissions__content_type__app_label="grids",
    )
    prefix = scoping.scope_prefix(user) or ""
    if prefix:
        users = users.filter(scope_region__path__startswith=prefix)
    if case.level != Case.Level.COMMUNITY:
        users = users.exclude(scope_region__level=Region.Level.COMMUNITY)
    if case.level == Case.Level.DISTRICT:
        users = users.filter(scope_region__level__in=(Region.Level.DISTRICT, Region.Level.CITY))
    return users.distinct().order_by("username")


class DispatchForm(TransitionForm):
    """To an organisation, a member or a resident unit (by name), and optionally the user
    account that follows it up (notified in their inbox)."""

    organization = forms.ModelChoiceField(
        Organization.objects.all(), label=_("承办党组织"), required=False
    )
    member = forms.ModelChoiceField(Member.objects.all(), label=_("承办党员"), required=False)
    unit = forms.CharField(label=_("承办驻区单位"), max_length=200, required=False)
    assignee_user = forms.ModelChoiceField(
        queryset=None, label=_("承办账号"), required=False, help_text=_("由该账号跟进并接收提醒。")
    )

    field_order = ["organization", "member", "unit", "assignee_user", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("organization", "member"):
            field = self.fields[name]
            field.queryset = scoping.restrict(field.queryset, self.user).order_by("pk")
            if field.queryset.count() > AUTOCOMPLETE_THRESHOLD:
                field.widget = AutocompleteSelect(field.queryset.model)
                field.widget.choices = field.choices
        self.fields["assignee_user"].queryset = assignee_users(self.case, self.user)

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "organization": data.get("organization"),
            "member": data.get("member"),
            "unit": data.get("unit", ""),
            "assignee_user": data.get("assignee_user"),
        }


FORMS = {"dispatch": DispatchForm, "resolve": ResolveForm}


def transition_form(action, *, case, user, data=None, files=None):
    form_class = FORMS.get(action, TransitionForm)
    return form_class(data, files, case=case, user=user, action=action, prefix=action)
