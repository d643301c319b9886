"""Region pieces: filters, form, UI views, API resource and import spec."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal import api, imports, views
from portal.filters import BaseFilterSet, SubtreeFilter
from portal.forms import ScopedModelForm
from portal.models import Region
from portal.routers import router
from portal.tables import Column


class RegionFilterSet(BaseFilterSet):
    search_fields = ("name", "code")
    within = SubtreeFilter(tree_model=Region, label=_("此区划及下级（编号）"))
    within_code = SubtreeFilter(
        tree_model=Region, node_field="code", label=_("此区划及下级（代码）")
    )
    level = django_filters.MultipleChoiceFilter(choices=Region.Level.choices, label=_("层级"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("上级（编号）"))

    ui_fields = ["q", "level", "within_code"]

    class Meta:
        model = Region
        fields = ["q", "level", "within", "within_code", "parent", "updated_after"]


class RegionForm(ScopedModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


REGION_COLUMNS = [
    Column("code", link=True),
    Column("name", link=True),
    Column("level"),
    Column("parent.code", label=_("上级代码")),
    Column("parent.name", label=_("上级")),
    Column("updated_at"),
]


class RegionListView(views.ObjectListView):
    queryset = Region.objects.select_related("parent")
    filterset_class = RegionFilterSet
    columns = REGION_COLUMNS


class RegionDetailView(views.ObjectDetailView):
    queryset = Region.objects.select_related("parent")
    fields = ["code", "name", "level", "parent", "created_at", "updated_at"]

    def get_extra_context(self, obj):
        from portal import scoping

        children = scoping.restrict(obj.children.all(), self.request.user).order_by("code")
        return {"children": children, "children_title": _("下级区划")}


class RegionSerializer(api.ScopedModelSerializer):
    class Meta:
        model = Region
        fields = [
            "id",
            "url",
            "code",
            "name",
            "level",
            "parent",
            "path",
            "depth",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]


class RegionViewSet(api.ScopedModelViewSet):
    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    ordering_fields = ["code", "name", "updated_at"]


router.register("regions", RegionViewSet, basename="region")


@imports.register
class RegionImport(imports.ImportSpec):
    model = Region
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("level"),
        imports.ImportColumn("parent", header="上级代码"),
    ]
