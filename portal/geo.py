"""GeoJSON geometry checks for boundaries (grids, communities): core PostgreSQL, no PostGIS.

A boundary is stored as GeoJSON (RFC 7946, WGS-84 longitude/latitude) in a JSON column,
with its bounding box kept beside it for map queries. ``validate_polygon`` returns the
normalised geometry or raises ``ValidationError`` saying what is wrong and where.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

POLYGON_TYPES = ("Polygon", "MultiPolygon")


def _ring_error(ring, where):
    if not isinstance(ring, list) or len(ring) < 4:
        return _("%(where)s：环至少需要4个坐标点（首尾相同）。") % {"where": where}
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            return _("%(where)s：坐标应为 [经度, 纬度] 数字对。") % {"where": where}
        lng, lat = point[0], point[1]
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            return _("%(where)s：坐标 [%(lng)s, %(lat)s] 超出经纬度范围。") % {
                "where": where,
                "lng": lng,
                "lat": lat,
            }
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return _("%(where)s：环未闭合（首尾坐标应相同）。") % {"where": where}
    if _self_intersects(ring):
        return _("%(where)s：边界自相交。") % {"where": where}
    if abs(ring_area(ring)) < 1e-12:
        return _("%(where)s：面积为零。") % {"where": where}
    return None


def ring_area(ring):
    """Signed area in square degrees (shoelace); positive when counter-clockwise."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring[:-1], ring[1:], strict=True)) / 2


def _segments_cross(p1, p2, p3, p4):
    def orient(a, b, c):
        value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (value > 0) - (value < 0)

    o1, o2 = orient(p1, p2, p3), orient(p1, p2, p4)
    o3, o4 = orient(p3, p4, p1), orient(p3, p4, p2)
    return o1 != o2 and o3 != o4 and 0 not in (o1, o2, o3, o4)


def _self_intersects(ring):
    edges = list(zip(ring[:-1], ring[1:], strict=True))
    if len(edges) > 2000:  # a proper crossing test is quadratic: trust very large rings
        return False
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the closing edge meets the first at the start point
            c, d = edges[j]
            if _segments_cross(a, b, c, d):
                return True
    return False


def validate_polygon(geometry):
    """The geometry (a GeoJSON Polygon or MultiPolygon, or a Feature holding one) checked
    and reduced to ``{"type", "coordinates"}``; ``ValidationError`` otherwise."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGON_TYPES:
        raise ValidationError(
            _("边界应为 GeoJSON 的 Polygon 或 MultiPolygon。"), code="geometry_type"
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("边界没有坐标。"), code="geometry_empty")
    for p, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("第%(n)d个多边形没有坐标。") % {"n": p}, code="geometry_empty")
        for r, ring in enumerate(polygon, start=1):
            where = _("第%(p)d个多边形第%(r)d个环") % {"p": p, "r": r}
            error = _ring_error(ring, where)
            if error:
                raise ValidationError(error, code="geometry_invalid")
    return {"type": geometry["type"], "coordinates": coordinates}


def bounds(geometry):
    """(min_lng, min_lat, max_lng, max_lat) of a validated Polygon or MultiPolygon."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    points = [point for polygon in polygons for ring in polygon for point in ring]
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lngs), min(lats), max(lngs), max(lats)


def centroid(geometry):
    """The area-weighted centroid (lng, lat) of the outer rings: a label point for maps."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    # Relative to one vertex: with coordinates near (121, 31) the products lose precision.
    ox, oy = polygons[0][0][0][0], polygons[0][0][0][1]
    total = cx = cy = 0.0
    for polygon in polygons:
        ring = [(x - ox, y - oy) for x, y, *_rest in polygon[0]]
        for a, b in zip(ring[:-1], ring[1:], strict=True):
            cross = a[0] * b[1] - b[0] * a[1]
            total += cross
            cx += (a[0] + b[0]) * cross
            cy += (a[1] + b[1]) * cross
    if abs(total) < 1e-15:
        min_lng, min_lat, max_lng, max_lat = bounds(geometry)
        return (min_lng + max_lng) / 2, (min_lat + max_lat) / 2
    return ox + cx / (3 * total), oy + cy / (3 * total)
