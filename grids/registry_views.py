"""Pages of the grid register: list (CSV/XLSX/GeoJSON export), detail with its boundary on
a small map, edit, delete, import (CSV/XLSX/GeoJSON), and the district/street grid map."""

import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from buildings.models import Building, CoverageSummary
from buildings.views import coverage_context
from grids.filters import GridFilterSet
from grids.forms import GridForm, GridImportForm
from grids.models import Case, Grid
from members.models import Member
from portal import exports, scoping, views
from portal.models import Region
from portal.tables import Column


class GeoJSONColumn(Column):
    """A JSON column (the boundary) written as compact JSON text, as the import reads it."""

    def text_of_value(self, value):
        return json.dumps(value, separators=(",", ":")) if value else ""

    def text(self, obj):
        return self.text_of_value(self.value(obj))


GRID_COLUMNS = [
    Column("code", link=True),
    Column("name", link=True),
    Column("region.name", label=gettext_lazy("所在社区")),
    Column("households"),
    Column("population"),
    Column("leader.name", label=gettext_lazy("网格长")),
    Column("updated_at"),
]

#: The export: exactly what the import reads back (region by code, leader by member id).
GRID_EXPORT_COLUMNS = [
    Column("code"),
    Column("name"),
    Column("region.code", label=gettext_lazy("所在社区代码")),
    Column("region.name", label=gettext_lazy("所在社区")),
    Column("households"),
    Column("population"),
    Column("leader.id", label=gettext_lazy("网格长（党员编号）")),
    Column("leader.name", label=gettext_lazy("网格长")),
    Column("note"),
    GeoJSONColumn("boundary", label=gettext_lazy("边界（GeoJSON）")),
]

#: Rows per chunk of the streamed GeoJSON export.
GEOJSON_CHUNK = 500


class GridListView(views.ObjectListView):
    queryset = Grid.objects.select_related("region", "leader")
    filterset_class = GridFilterSet
    columns = GRID_COLUMNS
    template_name = "grids/grid_list.html"

    def get_columns(self):
        return GRID_EXPORT_COLUMNS if self.request.GET.get("export") else self.columns


class GridDetailView(views.ObjectDetailView):
    queryset = Grid.objects.select_related("region", "leader", "leader__organization")
    template_name = "grids/grid_detail.html"
    fields = ["code", "name", "region", "households", "population", "leader", "note"]
    members_shown = 20
    buildings_shown = 50

    def get_extra_context(self, obj):
        user = self.request.user
        can_members = scoping.can(user, Member, "view")
        visible_members = scoping.restrict(Member.objects.all(), user)
        workers = list(obj.workers.select_related("organization").order_by("name", "pk"))
        people = [*workers, *([obj.leader] if obj.leader_id else [])]
        linkable = set(
            visible_members.filter(pk__in=[m.pk for m in people]).values_list("pk", flat=True)
        )
        registered = visible_members.filter(residential_grid=obj).select_related("organization")
        buildings = scoping.restrict(Building.objects.filter(grid=obj), user).order_by("code")
        return {
            "boundary": obj.boundary,
            "leader": self.member_card(obj.leader, linkable) if obj.leader_id else None,
            "workers": [self.member_card(m, linkable) for m in workers],
            "registered_count": registered.count() if can_members else 0,
            "registered": registered.order_by("name", "pk")[: self.members_shown]
            if can_members
            else [],
            "registered_url": _url("members:member_list"),
            "buildings": buildings[: self.buildings_shown],
            "building_count": buildings.count(),
            "cases": self.case_figures(obj) if scoping.can(user, Case, "view") else None,
            "case_list_url": _url("grids:case_list"),
            "map_text": {"no_boundary": _("未绘制边界")},
            # The two coverages of the enterprises in the grid's buildings (buildings.coverage).
            **coverage_context(CoverageSummary.objects.filter(grid=obj).first(), obj.region),
        }

    def member_card(self, member, linkable):
        """Masked member data only; a link when the member is in the user's scope."""
        return {
            "name": member.name,
            "organization": member.organization.name,
            "mobile": member.mobile_masked,
            "url": member.get_absolute_url() if member.pk in linkable else None,
        }

    def case_figures(self, grid):
        """Open cases by state and the overdue ones: one aggregate query."""
        counts = {state: Count("pk", filter=Q(state=state)) for state in Case.OPEN_STATES}
        figures = Case.objects.filter(grid=grid, state__in=Case.OPEN_STATES).aggregate(
            overdue=Count("pk", filter=Q(overdue=True)), total=Count("pk"), **counts
        )
        labels = dict(Case.State.choices)
        return {
            "total": figures["total"],
            "overdue": figures["overdue"],
            "states": [(labels[state], figures[state]) for state in Case.OPEN_STATES],
        }


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class GridEditView(views.ObjectEditView):
    queryset = Grid.objects.all()
    form_class = GridForm
    template_name = "grids/grid_edit.html"

    def get_form(self, instance):
        if self.request.method == "POST":
            return self.form_class(
                self.request.POST, self.request.FILES, instance=instance, user=self.request.user
            )
        return super().get_form(instance)


class GridImportView(views.ObjectImportView):
    """The shared import page; it also takes a GeoJSON FeatureCollection."""

    queryset = Grid.objects.all()
    form_class = GridImportForm


class GridGeoJSONExportView(views.ScopedViewMixin, View):
    """The grids in scope (the list's filters apply) as a GeoJSON FeatureCollection,
    streamed in chunks: properties as the GeoJSON import reads them, full-precision
    boundaries, so the file imports back unchanged."""

    queryset = Grid.objects.all()

    def get(self, request):
        filterset = GridFilterSet(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        grids = filterset.qs if filterset.is_bound and filterset.is_valid() else self.get_queryset()
        rows = grids.order_by("code", "pk").values_list(
            "pk",
            "code",
            "name",
            "region__code",
            "households",
            "population",
            "leader_id",
            "note",
            "boundary",
        )
        response = StreamingHttpResponse(
            _feature_collection(rows), content_type="application/geo+json; charset=utf-8"
        )
        filename = exports.export_filename("grids", "geojson")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _feature_collection(rows):
    yield '{"type":"FeatureCollection","features":['
    first = True
    for pk, code, name, community, households, population, leader, note, boundary in rows.iterator(
        chunk_size=GEOJSON_CHUNK
    ):
        properties = {
            "code": code,
            "name": name,
            "community": community,
            "households": households,
            "population": population,
            "leader": leader,
            "note": note,
        }
        feature = {"type": "Feature", "id": pk, "geometry": boundary, "properties": properties}
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "]}"


class GridMapView(LoginRequiredMixin, TemplateView):
    """The district/street grid map: grid polygons coloured by open and overdue cases, on a
    plain background (no tiles). ``?region=<code>`` narrows it to a street or community in
    the user's scope (any other code is 404); the polygons come from ``/api/v1/grids/map/``."""

    template_name = "grids/map.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scoping.can(request.user, Grid, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prefix = scoping.scope_prefix(self.request.user)
        if prefix is None:
            raise Http404
        regions = Region.objects.filter(path__startswith=prefix).exclude(
            level=Region.Level.COMMUNITY
        )
        code = self.request.GET.get("region", "").strip()
        region = None
        if code:
            region = get_object_or_404(Region.objects.filter(path__startswith=prefix), code=code)
        params = f"?region={region.code}" if region else ""
        context.update(
            region=region,
            scope_region=self.request.user.scope_region,
            regions=regions.order_by("path"),
            data_url=reverse("api:grid-map") + params,
            map_text={
                "open": _("未办结"),
                "overdue": _("已超时"),
                "view": _("查看网格"),
                "count": _("共 %(count)s 个网格。"),
                "legend": {
                    "overdue": _("有超时工单"),
                    "busy": _("未办结 ≥ 5"),
                    "open": _("有未办结工单"),
                    "none": _("无未办结工单"),
                },
            },
        )
        return context
