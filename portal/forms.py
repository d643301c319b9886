"""Form bases: relation choices limited to the user's scope, Bootstrap classes, autocomplete."""

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import scoping

#: Above this many choices a relation is picked by autocomplete instead of a <select>.
AUTOCOMPLETE_THRESHOLD = 200


def add_service_errors(form, exc):
    """Put a ValidationError from a model's ``full_clean`` or a service on ``form``: under
    its field where the form has that field, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class AutocompleteSelect(forms.Select):
    """A search box that fills a hidden id from ``/autocomplete/<model>/``, scoped like every
    other list. Only the selected option is rendered, so the page stays small."""

    template_name = "portal/widgets/autocomplete.html"

    def __init__(self, model, attrs=None):
        super().__init__(attrs)
        self.model = model

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        meta = self.model._meta
        context["widget"]["url"] = reverse(
            "autocomplete", args=[f"{meta.app_label}.{meta.model_name}"]
        )
        selected = None
        if value not in (None, ""):
            selected = self.choices.queryset.filter(pk=value).first()
        context["widget"]["selected"] = selected
        return context

    def optgroups(self, name, value, attrs=None):
        return []


class DropdownCheckboxes(forms.CheckboxSelectMultiple):
    """A multiple choice filter as a compact dropdown of checkboxes (phone-friendly)."""

    template_name = "portal/widgets/dropdown_checkboxes.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in (value or [])}
        context["widget"]["chosen"] = [
            str(label) for key, label in self.choices if str(key) in chosen
        ]
        return context


class ScopedModelForm(forms.ModelForm):
    """A model form for ``user``: relations offer only the rows the user may see, so a row
    out of scope is "not a valid choice", exactly like a missing one."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = scoping.choices(field.queryset, user, self._current_pk(name))
                if field.queryset.count() > AUTOCOMPLETE_THRESHOLD:
                    field.widget = AutocompleteSelect(field.queryset.model)
                    field.widget.choices = field.choices
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select) and not isinstance(widget, AutocompleteSelect):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def _current_pk(self, name):
        """The pk a foreign key of the instance being edited holds now (kept as a choice)."""
        if self.instance.pk is None:
            return None
        try:
            field = self.instance._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not (field.many_to_one or field.one_to_one):
            return None
        return getattr(self.instance, field.attname)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8）或 XLSX，第一行为列名。"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅校验，不写入"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    EXTENSIONS = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")

    def clean_file(self):
        from django.conf import settings

        from portal.uploads import UploadError, check_table

        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件不能超过 %(size)s MB。") % {"size": f"{limit / 1024 / 1024:g}"}
            )
        if not upload.name.lower().endswith(self.EXTENSIONS):
            raise forms.ValidationError(_("不支持的文件类型：请上传 CSV 或 XLSX 文件。"))
        # By content, before the upload is stored or any parser opens it (portal.uploads).
        upload.seek(0)
        try:
            check_table(upload.read(), upload.name)
        except UploadError as exc:
            raise forms.ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        return upload
