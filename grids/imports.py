"""Import of the grid register: CSV/XLSX on the shared framework, or a GeoJSON
FeatureCollection, upserted by grid code, all or nothing.

Columns: 网格编码, 网格名称, 所在社区代码 (the community's division code), 户数, 人口,
网格长（党员编号）, 边界（GeoJSON） (a Polygon/MultiPolygon as JSON text), 备注.

The grid leader is named by the member's **id** in this system (党员编号, the number in the
member's page address and the API), never by ID number: a file of grids with leaders' ID
numbers would be a file of sensitive data passed around for no reason. The member must be in
the importer's scope (or be the grid's leader already); a member leads at most one grid, in
the file as in the database. Grid members (网格员) are not imported; they are kept on the
grid's page or through the API.

A GeoJSON file is one Feature per grid: ``properties`` carry ``code`` (or the Feature's
``id``), ``name``, ``community`` (the division code; ``community_code`` and ``region`` are
accepted too), ``households``, ``population``, ``leader`` (member id) and ``note``; the
geometry is the boundary. The features become the rows of the same import, so the checks,
the report and the write are the CSV's; errors name the feature (``features[i]`` and its
code) and the property.
"""

import csv
import io
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from grids.models import Grid
from members.models import Member
from portal import geo, imports, scoping

GEOJSON_EXTENSIONS = (".geojson", ".json")

#: Column field name -> the GeoJSON properties that may carry it (first found wins).
GEOJSON_PROPERTIES = {
    "code": ("code",),
    "name": ("name",),
    "region": ("community", "community_code", "region", "region_code"),
    "households": ("households",),
    "population": ("population",),
    "leader": ("leader", "leader_id"),
    "note": ("note",),
}

#: What the model's ``save()`` keeps from the boundary; bulk writes skip ``save()``.
BOUNDARY_DERIVED = ("min_lng", "min_lat", "max_lng", "max_lat", "center_lng", "center_lat")


def parse_boundary(text):
    try:
        return json.loads(text)
    except ValueError:
        raise ValidationError(_("不是有效的 GeoJSON（JSON 格式错误）。")) from None


def parse_member_id(text):
    if not text.isdigit():
        raise ValidationError(_("应填写党员编号（数字），不要填写身份证号。"))
    return int(text)


def keep_boundary_bounds(grid):
    """Set the bounding box and centre from the boundary, as ``Grid.save()`` does."""
    if grid.boundary:
        grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat = geo.bounds(grid.boundary)
        grid.center_lng, grid.center_lat = geo.centroid(grid.boundary)
    else:
        for name in BOUNDARY_DERIVED:
            setattr(grid, name, None)


@imports.register
class GridImport(imports.ImportSpec):
    model = Grid
    columns = [
        imports.ImportColumn("code"),
        imports.ImportColumn("name"),
        imports.ImportColumn("region", header="所在社区代码"),
        imports.ImportColumn("households"),
        imports.ImportColumn("population"),
        imports.ImportColumn("leader", header="网格长（党员编号）", parse=parse_member_id),
        imports.ImportColumn("boundary", header="边界（GeoJSON）", parse=parse_boundary),
        imports.ImportColumn("note"),
    ]
    derived_fields = {"boundary": BOUNDARY_DERIVED}

    # Hooks -------------------------------------------------------------------------------

    def before_write(self, objects):
        for grid in objects:
            keep_boundary_bounds(grid)

    def _related_key(self, name):
        return "pk" if name == "leader" else super()._related_key(name)

    def _related_lookups(self, parsed, user):
        """Leaders by member id (the framework looks relations up by natural key, which for
        a member is the ID number's blind index): one query for the chunk's leaders."""
        lookups = super()._related_lookups(parsed, user)
        wanted = {values.get("leader") for _row, values, _key in parsed} - {None, ""}
        members = scoping.restrict(Member.objects.filter(pk__in=wanted), user, "view")
        lookups["leader"] = {member.pk: member for member in members} if wanted else {}
        return lookups

    def _resolve(self, parsed, user, result):
        """A member leads at most one grid: within the file here (whether a grid in the
        database has them already is ``Grid.clean()``'s check)."""
        header = self._column("leader").header
        kept, first_row = [], {}
        for row_no, values, key in parsed:
            leader = values.get("leader")
            if leader in first_row:
                result.errors.append(
                    imports.RowError(
                        row_no,
                        header,
                        _("该党员已是第 %(row)s 行网格的网格长，一人只能担任一个网格的网格长。")
                        % {"row": first_row[leader]},
                    )
                )
                continue
            if leader:
                first_row[leader] = row_no
            kept.append((row_no, values, key))
        return super()._resolve(kept, user, result)

    # GeoJSON -----------------------------------------------------------------------------

    def run(self, content, filename, user, **kwargs):
        if not filename.lower().endswith(GEOJSON_EXTENSIONS):
            return super().run(content, filename, user, **kwargs)
        features = read_features(content)
        table = features_as_csv(features, self.columns)
        result = super().run(table, "features.csv", user, **kwargs)
        result.errors = [feature_error(error, features) for error in result.errors]
        return result


def read_features(content):
    """The features of a GeoJSON FeatureCollection (a file error if it is none)."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise imports.ImportFileError(
            _("文件不是有效的 GeoJSON（JSON 格式错误：%(error)s）。") % {"error": exc}
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise imports.ImportFileError(_("GeoJSON 文件应为 FeatureCollection。"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise imports.ImportFileError(_("GeoJSON 文件中没有要素（features）。"))
    return features


def _property_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def features_as_csv(features, columns):
    """The features as the CSV rows of the same import (header: the columns' field names).
    A property no feature has is no column, so its field stays as stored (a file without
    ``leader`` leaves the leaders alone). A feature that is not an object becomes a row that
    fails on its code."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    given = set()
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        given.update(properties if isinstance(properties, dict) else ())
    names = [
        column.field_name
        for column in columns
        if column.field_name in ("code", "name", "region", "boundary")
        or given.intersection(GEOJSON_PROPERTIES[column.field_name])
    ]
    writer.writerow(names)
    for feature in features:
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        cells = []
        for name in names:
            if name == "boundary":
                geometry = feature.get("geometry")
                cells.append(json.dumps(geometry) if geometry is not None else "")
                continue
            value = next(
                (properties[key] for key in GEOJSON_PROPERTIES[name] if key in properties), None
            )
            if name == "code" and value in (None, ""):
                value = feature.get("id")
            cells.append(_property_text(value))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def feature_error(error, features):
    """A row error of the CSV made from the features, told as the feature it came from:
    ``row`` becomes the feature's index in ``features`` (from 0), the message names it and
    its code, and the geometry column is called what it is in GeoJSON."""
    index = error.row - 2
    if not 0 <= index < len(features):
        return error
    feature = features[index] if isinstance(features[index], dict) else {}
    properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    code = properties.get("code") or feature.get("id") or ""
    where = _("要素 features[%(index)s]") % {"index": index}
    if code:
        where += _("（编码 %(code)s）") % {"code": code}
    column = error.column
    if column == "边界（GeoJSON）":
        column = _("geometry（边界）")
    return imports.RowError(index, column, f"{where}：{error.message}")
