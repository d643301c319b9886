"""Open311 GeoReport v2 endpoints (/open311/v2/), so standard 311 clients can file and follow
cases: case categories are the services, cases the service requests.

- ``GET services.json``: the active categories (public, like the spec's service list).
- ``GET requests.json``: service requests; filters ``service_request_id`` (comma separated),
  ``service_code``, ``start_date``/``end_date`` (ISO 8601, on the report time; without
  them and without ids the last 90 days), ``status`` (``open``/``closed``); at most 1000.
- ``POST requests.json``: form-encoded as in the spec (JSON accepted too). ``api_key`` is an
  API token key of an integration or worker account; the case is reported by that account
  and must fall in its scope. ``service_code`` and either ``lat`` + ``long`` or
  ``address_string`` are required. The grid is ``attribute[grid_code]`` if given, else the
  grid whose boundary holds the point (candidates by bounding box, then point-in-polygon).
  ``first_name``/``last_name``/``email``/``phone`` become the reporter; ``media_url`` is
  kept in the description. Answers ``[{"service_request_id", "service_notice",
  "account_id": null}]``.
- ``GET requests/{id}.json``: one request by its ``service_request_id`` (the case number).

Reading requests needs the ``api_key`` too (as a query parameter, or a signed-in session):
cases hold residents' needs and are scoped like everywhere else (DESIGN.md 5), so a key
reads exactly the cases in its account's scope and an unknown id answers 404.

Statuses: a case is ``open`` until it is resolved; ``closed`` once resolved, verified,
closed or rejected. Errors are Open311 error lists: ``[{"code": 400, "description": ...}]``.
"""

import json
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from grids.models import Case, CaseCategory, CaseStep, Grid
from grids.services import cases as services
from portal import scoping

#: States an Open311 client sees as "closed": the work is done (or refused).
CLOSED_STATES = (Case.State.RESOLVED, Case.State.VERIFIED, Case.State.CLOSED, Case.State.REJECTED)
LIST_LIMIT = 1000
DEFAULT_WINDOW = timedelta(days=90)


def error(code, description):
    return JsonResponse([{"code": code, "description": description}], status=code, safe=False)


def iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _json_only(fmt):
    if fmt != "json":
        return error(400, _("仅支持 JSON 格式（.json）。"))
    return None


def params(request):
    """The request's parameters: the form body or query string, or a JSON object body."""
    if request.method == "POST" and request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        attributes = data.pop("attribute", None)
        if isinstance(attributes, dict):
            for key, value in attributes.items():
                data[f"attribute[{key}]"] = value
        return {key: "" if value is None else str(value) for key, value in data.items()}
    source = request.POST if request.method == "POST" else request.GET
    return {key: source.get(key, "") for key in source}


def api_user(request, data, *, allow_session=True):
    """The account of the ``api_key`` (checked like the API's ``Authorization: Token``: active,
    unexpired, its use recorded and its writes attributed to it in the audit trail), or the
    signed-in user where ``allow_session``; None without either."""
    from rest_framework.exceptions import AuthenticationFailed

    from portal.accounts.authentication import TokenAuthentication

    key = (data or {}).get("api_key", "").strip()
    if key:
        try:
            user, _token = TokenAuthentication().authenticate_credentials(key)
        except AuthenticationFailed:
            return None
        return user
    if allow_session and request.user.is_authenticated:
        return request.user
    return None


# --- services ------------------------------------------------------------------------------


@require_GET
def services_list(request, fmt):
    if (bad := _json_only(fmt)) is not None:
        return bad
    return JsonResponse(
        [
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.description,
                "metadata": False,
                "type": "realtime",
                "keywords": c.keywords,
                "group": c.group,
            }
            for c in CaseCategory.objects.filter(active=True).order_by("code")
        ],
        safe=False,
    )


# --- requests ------------------------------------------------------------------------------


def agency(case):
    if case.assignee_organization_id:
        return case.assignee_organization.name
    if case.assignee_unit:
        return case.assignee_unit
    if case.assignee_member_id:
        return case.assignee_member.name
    return case.grid.region.name


def request_json(case):
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state in CLOSED_STATES else "open",
        "status_notes": case.latest_note or "",
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": agency(case),
        "service_notice": "",
        "requested_datetime": iso(case.reported_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": None,
    }


def visible_cases(user):
    latest_note = (
        CaseStep.objects.filter(case=OuterRef("pk")).exclude(note="").order_by("-id").values("note")
    )
    return (
        scoping.restrict(Case.objects.all(), user)
        .select_related("category", "grid__region", "assignee_organization", "assignee_member")
        .annotate(latest_note=Subquery(latest_note[:1]))
    )


def _when(value, end=False):
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.combine(day, datetime.min.time())
        if end:
            moment += timedelta(days=1)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def list_requests(request, data, user):
    cases = visible_cases(user)
    ids = [v.strip() for v in data.get("service_request_id", "").split(",") if v.strip()]
    if ids:
        cases = cases.filter(number__in=ids)
    codes = [v.strip() for v in data.get("service_code", "").split(",") if v.strip()]
    if codes:
        cases = cases.filter(category__code__in=codes)
    try:
        start = _when(data["start_date"]) if data.get("start_date") else None
        end = _when(data["end_date"], end=True) if data.get("end_date") else None
    except ValueError:
        return error(400, _("start_date/end_date 应为 ISO 8601 日期时间。"))
    if start is None and end is None and not ids:
        start = timezone.now() - DEFAULT_WINDOW
    if start is not None:
        cases = cases.filter(reported_at__gte=start)
    if end is not None:
        cases = cases.filter(reported_at__lt=end)
    statuses = {v.strip() for v in data.get("status", "").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        return error(400, _("status 只能是 open 或 closed。"))
    if statuses == {"open"}:
        cases = cases.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        cases = cases.filter(state__in=CLOSED_STATES)
    rows = cases.order_by("-reported_at", "-id")[:LIST_LIMIT]
    return JsonResponse([request_json(c) for c in rows], safe=False)


def point_in_ring(lng, lat, ring):
    """Ray casting: is (lng, lat) inside the closed ring?"""
    inside = False
    for (x1, y1, *_a), (x2, y2, *_b) in zip(ring[:-1], ring[1:], strict=True):
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x:
                inside = not inside
    return inside


def point_in_boundary(lng, lat, geometry):
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for rings in polygons:
        if point_in_ring(lng, lat, rings[0]) and not any(
            point_in_ring(lng, lat, hole) for hole in rings[1:]
        ):
            return True
    return False


def grid_at(user, lng, lat):
    """The grid in ``user``'s scope whose boundary holds the point, or None."""
    candidates = scoping.restrict(Grid.objects.all(), user).filter(
        min_lng__lte=lng, max_lng__gte=lng, min_lat__lte=lat, max_lat__gte=lat
    )
    for grid in candidates.order_by("code"):
        if grid.boundary and point_in_boundary(lng, lat, grid.boundary):
            return grid
    return None


def _float(value, name):
    try:
        number = float(value)
    except ValueError:
        raise ValueError(_("%(name)s 应为数字。") % {"name": name}) from None
    if number != number or abs(number) > (90 if name == "lat" else 180):
        raise ValueError(_("%(name)s 超出范围。") % {"name": name})
    return number


def create_request(request, data, user):
    code = data.get("service_code", "").strip()
    if not code:
        return error(400, _("缺少 service_code。"))
    category = CaseCategory.objects.filter(code=code, active=True).first()
    if category is None:
        return error(404, _("service_code “%(code)s” 不存在或已停用。") % {"code": code})
    lat, lng = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    if not (lat and lng) and not address:
        return error(400, _("需提供 lat 和 long，或 address_string。"))
    try:
        latitude = _float(lat, "lat") if lat and lng else None
        longitude = _float(lng, "long") if lat and lng else None
    except ValueError as exc:
        return error(400, str(exc))
    grid_code = data.get("attribute[grid_code]", "").strip()
    if grid_code:
        grid = scoping.restrict(Grid.objects.all(), user).filter(code=grid_code).first()
        if grid is None:
            return error(
                400, _("网格 “%(code)s” 不存在或不在该账号的管辖范围内。") % {"code": grid_code}
            )
    elif latitude is not None:
        grid = grid_at(user, longitude, latitude)
        if grid is None:
            return error(400, _("该位置不在该账号管辖范围内的任何网格中。"))
    else:
        return error(400, _("仅有地址时，请以 attribute[grid_code] 指明网格。"))
    description = data.get("description", "").strip()
    media_url = data.get("media_url", "").strip()
    if media_url:
        description = f"{description}\n{_('图片')}：{media_url}".strip()
    name = f"{data.get('last_name', '').strip()}{data.get('first_name', '').strip()}"
    contact = " / ".join(
        v for v in (data.get("phone", "").strip(), data.get("email", "").strip()) if v
    )
    title = (data.get("description", "").strip().splitlines() or [category.name])[0][:60]
    try:
        case = services.report(
            user,
            grid=grid,
            category=category,
            title=title or category.name,
            description=description or category.name,
            source=Case.Source.OPEN311,
            latitude=latitude,
            longitude=longitude,
            address=address[:200],
            reporter_name=name[:50],
            reporter_contact=contact[:100],
        )
    except ValidationError as exc:
        return error(400, " ".join(exc.messages))
    notice = _("已受理登记，编号 %(number)s，受理时限 %(due)s。") % {
        "number": case.number,
        "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    return JsonResponse(
        [{"service_request_id": case.number, "service_notice": notice, "account_id": None}],
        safe=False,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt):
    if (bad := _json_only(fmt)) is not None:
        return bad
    data = params(request)
    if data is None:
        return error(400, _("请求内容应为表单或 JSON 对象。"))
    # A write takes the key only: this view is exempt from CSRF, so a signed-in browser
    # session must not be able to file a case from another site's form.
    user = api_user(request, data, allow_session=request.method != "POST")
    if user is None:
        return error(401, _("缺少或无效的 api_key。"))
    if request.method == "POST":
        if not scoping.can(user, Case, "add"):
            return error(403, _("该账号不能上报需求/问题。"))
        return create_request(request, data, user)
    return list_requests(request, data, user)


@require_GET
def request_detail(request, number, fmt):
    if (bad := _json_only(fmt)) is not None:
        return bad
    user = api_user(request, params(request))
    if user is None:
        return error(401, _("缺少或无效的 api_key。"))
    case = visible_cases(user).filter(Q(number=number)).first()
    if case is None:
        return error(404, _("服务请求 %(id)s 不存在。") % {"id": number})
    return JsonResponse([request_json(case)], safe=False)


urlpatterns = [
    path("services.<str:fmt>", services_list, name="open311_services"),
    path("requests.<str:fmt>", requests_view, name="open311_requests"),
    path("requests/<str:number>.<str:fmt>", request_detail, name="open311_request"),
]
