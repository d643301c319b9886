"""API of the grid register (``/api/v1/grids/``) and the grid map data
(``/api/v1/grids/map/``), registered with portal.routers.router."""

import functools
import json
import re

from django.db.models import Count, Prefetch, Q, TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action

from grids.filters import GridFilterSet
from grids.models import Case, Grid
from members.models import Member
from portal import api, scoping
from portal.routers import router


class MemberIdListField(serializers.ManyRelatedField):
    """A list of member ids, resolved in one query (not one per id)."""

    default_error_messages = {
        **serializers.ManyRelatedField.default_error_messages,
        "not_a_list": _("应为党员编号的列表。"),
    }

    def to_internal_value(self, data):
        if isinstance(data, str | dict) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        ids = []
        for item in data:
            if isinstance(item, bool) or not isinstance(item, int | str):
                self.child_relation.fail("incorrect_type", data_type=type(item).__name__)
            try:
                ids.append(int(item))
            except ValueError:
                self.child_relation.fail("incorrect_type", data_type=type(item).__name__)
        found = {m.pk: m for m in self.child_relation.get_queryset().filter(pk__in=ids)}
        for pk in ids:
            if pk not in found:
                self.child_relation.fail("does_not_exist", pk_value=pk)
        return [found[pk] for pk in dict.fromkeys(ids)]


class MemberIdField(serializers.PrimaryKeyRelatedField):
    """A member by id: the members the requesting user may see, plus those the grid holds
    now in this relation (keeping a link is not a move, see ``scoping.choices``)."""

    default_error_messages = {
        "required": _("该字段是必填项。"),
        "does_not_exist": _("党员编号“{pk_value}”不存在或不在您的管辖范围内。"),
        "incorrect_type": _("应为党员编号（整数）。"),
    }

    @classmethod
    def many_init(cls, *args, **kwargs):
        child = cls(queryset=kwargs.pop("queryset", None))
        return MemberIdListField(child_relation=child, **kwargs)

    def get_queryset(self):
        queryset = Member.objects.all()
        request = self.context.get("request")
        if request is None:
            return queryset
        allowed = scoping.restrict(queryset, request.user, "view")
        current = self._current_ids()
        return allowed | queryset.filter(pk__in=current) if current else allowed

    def _current_ids(self):
        many = isinstance(self.parent, serializers.ManyRelatedField)
        serializer = self.parent.parent if many else self.parent
        instance = getattr(serializer, "instance", None)
        if not isinstance(instance, Grid) or instance.pk is None:
            return []
        if many:
            return list(instance.workers.values_list("pk", flat=True))
        return [instance.leader_id] if instance.leader_id else []


class GridSerializer(api.ScopedModelSerializer):
    """A grid. ``leader`` is a member id, ``workers`` a list of member ids (members of
    organisations in the caller's scope); ``boundary`` a GeoJSON Polygon/MultiPolygon, from
    which the bounding box and centre are kept."""

    leader = MemberIdField(
        queryset=Member.objects.all(), required=False, allow_null=True, label=_("网格长")
    )
    workers = MemberIdField(
        queryset=Member.objects.all(), many=True, required=False, label=_("网格员")
    )

    class Meta:
        model = Grid
        fields = [
            "id",
            "url",
            "code",
            "name",
            "region",
            "boundary",
            "min_lng",
            "min_lat",
            "max_lng",
            "max_lat",
            "center_lng",
            "center_lat",
            "households",
            "population",
            "leader",
            "workers",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "min_lng",
            "min_lat",
            "max_lng",
            "max_lat",
            "center_lng",
            "center_lat",
            "created_at",
            "updated_at",
        ]

    def create(self, validated_data):
        workers = validated_data.pop("workers", None)
        grid = super().create(validated_data)
        if workers is not None:
            grid.workers.set(workers)
        return grid


#: Decimal places of map coordinates: 6 is about 0.1 m, finer than any grid line is drawn.
MAP_PRECISION = 6
_FINER_THAN_MAP = re.compile(rf"\.[0-9]{{{MAP_PRECISION + 1}}}")


def rounded(coordinates, places=MAP_PRECISION):
    """GeoJSON coordinates (any nesting) with every number rounded to ``places``."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(value, places) for value in coordinates[:2]]
    return [rounded(part, places) for part in coordinates]


def compact_geometry(text):
    """A boundary as PostgreSQL writes its jsonb text, as compact JSON with coordinates of at
    most 6 decimals. Boundaries already that precise (seeded, drawn, most imported ones)
    only lose their spaces: no JSON parsing of 30,000 polygons per map request."""
    if _FINER_THAN_MAP.search(text):
        geometry = json.loads(text)
        geometry = {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}
        return json.dumps(geometry, separators=(",", ":"))
    return text.replace(" ", "")


def grid_case_counts(grids, user):
    """``{grid id: (open, overdue)}`` of the open cases of ``grids`` (rows in the user's
    scope): one aggregate query over Case grouped by grid (the (grid, state) index). A case's
    scope is its grid's, so the grids' scope is the cases'; the role must still grant
    viewing cases."""
    if not scoping.can(user, Case, "view"):
        return {}
    cases = Case.objects.filter(grid_id__in=grids.values("pk"), state__in=Case.OPEN_STATES)
    rows = (
        cases.order_by()
        .values("grid_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(overdue=True)))
        .values_list("grid_id", "open", "overdue")
    )
    return {grid_id: (open_, overdue) for grid_id, open_, overdue in rows}


def map_feature_collection(grids, user):
    """The compact GeoJSON FeatureCollection (text) the grid map draws: per grid its polygon
    (6 decimals), code, name and open/overdue case counts. Two queries whatever the number
    of grids; the text is assembled from PostgreSQL's jsonb text, not built as objects and
    serialised (at 30,000 grids that was seconds)."""
    counts = grid_case_counts(grids, user)
    rows = (
        grids.filter(boundary__isnull=False)
        .order_by()
        .values_list("pk", "code", "name", Cast("boundary", TextField()))
    )
    dumps = functools.partial(json.dumps, ensure_ascii=False)
    features = []
    for pk, code, name, boundary in rows.iterator(chunk_size=5000):
        open_, overdue = counts.get(pk, (0, 0))
        features.append(
            f'{{"type":"Feature","id":{pk},"geometry":{compact_geometry(boundary)},'
            f'"properties":{{"code":{dumps(code)},"name":{dumps(name)},'
            f'"open":{open_},"overdue":{overdue}}}}}'
        )
    url = reverse("grids:grid_detail", args=[987654321]).replace("987654321", "{id}")
    return (
        f'{{"type":"FeatureCollection","detail_url":{dumps(url)},"features":['
        + ",".join(features)
        + "]}"
    )


class GridViewSet(api.ScopedModelViewSet):
    """City grids (网格). ``POST grids/upsert/`` creates or updates by grid code;
    ``GET grids/map/`` is the map's compact GeoJSON with open/overdue case counts."""

    queryset = Grid.objects.select_related("region").prefetch_related(
        Prefetch("workers", queryset=Member.objects.only("pk"))
    )
    serializer_class = GridSerializer
    filterset_class = GridFilterSet
    ordering_fields = ["code", "name", "households", "population", "updated_at"]

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="区划代码（含下级）"),
            OpenApiParameter("bbox", str, description="最小经度,最小纬度,最大经度,最大纬度"),
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT},
        filters=False,
    )
    @action(detail=False, methods=["get"], url_path="map", pagination_class=None)
    def map(self, request):
        """Grid polygons in scope as a compact GeoJSON FeatureCollection, each with its
        open and overdue case counts; ``region`` (division code, with everything under it)
        and ``bbox`` narrow it, and so do the list's other filters."""
        params = request.query_params.copy()
        if params.get("region"):
            params["region_within"] = params.pop("region")[-1]
        filterset = GridFilterSet(params, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        grids = filterset.qs.select_related(None).prefetch_related(None).order_by()
        body = map_feature_collection(grids, request.user)
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
        # Several MB at district level, a fifth of it gzipped (no site-wide GZipMiddleware).
        return GZipMiddleware(lambda _request: response).process_response(request, response)


router.register("grids", GridViewSet, basename="grid")
