"""Forms of the grid register: the grid edit form and the import upload (CSV/XLSX/GeoJSON)."""

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from members.models import Member
from portal import scoping
from portal.forms import AUTOCOMPLETE_THRESHOLD, ImportForm, ScopedModelForm
from portal.models import Region

#: The most bytes a boundary file may have (a community's most detailed outline is far less).
BOUNDARY_FILE_MAX_BYTES = 2 * 1024 * 1024


class MemberIdsInput(forms.TextInput):
    """Member ids typed as ``12, 15, 31``: a street holds far too many members to list."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist") and len(data.getlist(name)) > 1:
            return data.getlist(name)
        value = data.get(name)
        if value is None:
            return None
        return [part for part in re.split(r"[\s,，;；、]+", str(value)) if part]

    def format_value(self, value):
        if not value:
            return ""
        if isinstance(value, str):
            return value
        return ", ".join(str(v) for v in value)


def geometry_from_upload(upload):
    """The geometry of an uploaded GeoJSON file: a geometry, a Feature or a FeatureCollection
    with one feature. Model validation then checks it is a valid (Multi)Polygon."""
    if upload.size > BOUNDARY_FILE_MAX_BYTES:
        raise forms.ValidationError(_("边界文件不能超过 2 MB。"))
    try:
        data = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise forms.ValidationError(_("边界文件不是有效的 GeoJSON（JSON 格式错误）。")) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise forms.ValidationError(_("边界文件应只含一个要素（Feature）。"))
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    return data


class GridForm(ScopedModelForm):
    """A grid: its community, boundary (GeoJSON text or file), figures, leader and workers.

    Leader and workers are members of organisations in the user's scope (members already
    linked stay valid choices, as every relation does). "A member leads at most one grid"
    is ``Grid.clean()``'s rule; its error shows on the leader field."""

    boundary_file = forms.FileField(
        label=_("边界文件（GeoJSON）"),
        required=False,
        help_text=_("可上传 .geojson 文件代替上方文本；文件优先。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json"}),
    )

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "region",
            "households",
            "population",
            "leader",
            "workers",
            "boundary",
            "note",
        ]
        widgets = {
            "boundary": forms.Textarea(attrs={"rows": 6, "class": "font-monospace small"}),
        }
        help_texts = {
            "boundary": _(
                'GeoJSON Polygon 或 MultiPolygon（WGS-84 经纬度），如 {"type": "Polygon", '
                '"coordinates": [[[121.43, 31.2], [121.44, 31.2], [121.44, 31.21], '
                "[121.43, 31.2]]]}。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = region.queryset.filter(level=Region.Level.COMMUNITY)
        self._limit_workers()

    def _limit_workers(self):
        """Workers: members in scope, plus those the grid has now (kept, not dropped)."""
        field = self.fields["workers"]
        current = (
            list(self.instance.workers.values_list("pk", flat=True)) if self.instance.pk else []
        )
        allowed = scoping.restrict(Member.objects.all(), self.user, "view")
        if current:
            allowed = allowed | Member.objects.filter(pk__in=current)
        field.queryset = allowed.order_by("pk")
        if field.queryset.count() > AUTOCOMPLETE_THRESHOLD:
            field.widget = MemberIdsInput(attrs={"class": "form-control"})
            field.help_text = _("填写党员编号，多个用逗号分隔。")
        else:
            field.widget = forms.SelectMultiple(
                attrs={"class": "form-select", "size": 6}, choices=field.choices
            )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("boundary_file")
        if upload:
            try:
                cleaned["boundary"] = geometry_from_upload(upload)
            except forms.ValidationError as exc:
                self.add_error("boundary_file", exc)
        return cleaned


class GridImportForm(ImportForm):
    """The import upload: CSV/XLSX on the shared framework, or a GeoJSON FeatureCollection."""

    EXTENSIONS = (*ImportForm.EXTENSIONS, ".geojson", ".json")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        file_field = self.fields["file"]
        file_field.help_text = _(
            "CSV（UTF-8）或 XLSX，第一行为列名；或 GeoJSON FeatureCollection（.geojson）。"
        )
        file_field.widget.attrs["accept"] = ".csv,.xlsx,.geojson,.json"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(self.EXTENSIONS):
            raise forms.ValidationError(_("不支持的文件类型：请上传 CSV、XLSX 或 GeoJSON 文件。"))
        return super().clean_file()  # size and content (portal.uploads)
