"""The coverage report per street (or community) and the building map.

Both read only the fact tables that ``buildings.coverage`` refreshes (CoverageSummary,
EnterpriseFacts), never aggregates over the registers, and both are scoped: a user sees
the regions under their scope region, and any other region code answers 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from buildings.models import (
    DISTRICT_BOUNDS,
    STAFFING_MAX_PER_WORKER,
    Building,
    CoverageSummary,
    Enterprise,
    EnterpriseFacts,
)
from buildings.tasks import refresh_coverage
from portal import exports, scoping
from portal.models import Region
from portal.tables import Column, bind_columns

#: The columns of the should-found list's export (values only: no model instances).
SHOULD_FOUND_COLUMNS = [
    Column("enterprise.name", gettext_lazy("名称")),
    Column("enterprise.uscc", gettext_lazy("统一社会信用代码")),
    Column("enterprise.kind", gettext_lazy("类型")),
    Column("enterprise.region.name", gettext_lazy("所在区划")),
    Column("enterprise.building.name", gettext_lazy("所在楼宇")),
    Column("full_members", gettext_lazy("正式党员")),
    Column("probationary_members", gettext_lazy("预备党员")),
    Column("has_joint_organization", gettext_lazy("已纳入联合党支部")),
]


def in_district_scope(user):
    """Whether the user's scope is the whole district (or more)."""
    prefix = scoping.scope_prefix(user)
    if prefix == "":
        return True
    if prefix is None:
        return False
    return Region.TIER[user.scope_region.level] <= Region.TIER[Region.Level.DISTRICT]


class ScopedRegionMixin(LoginRequiredMixin):
    """Resolves ``?region=<code>`` within the user's scope (404 outside it); without it, the
    user's scope region (a superuser: the district)."""

    #: The model whose view permission the page needs.
    permission_model = CoverageSummary

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not scoping.can(user, self.permission_model, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_region(self):
        prefix = scoping.scope_prefix(self.request.user)
        if prefix is None:
            raise Http404
        regions = Region.objects.filter(path__startswith=prefix)
        code = self.request.GET.get("region", "").strip()
        if code:
            return get_object_or_404(regions, code=code)
        if prefix:
            return self.request.user.scope_region
        region = regions.filter(level=Region.Level.DISTRICT).order_by("path").first()
        if region is None:
            raise Http404
        return region


class CoverageReportView(ScopedRegionMixin, TemplateView):
    """One row per street of the district (per community of a street, per building of a
    community), the rates as a chart, and the enterprises that should found an
    organisation."""

    template_name = "buildings/coverage_report.html"
    should_found_per_page = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region = self.get_region()
        summaries = CoverageSummary.objects.filter(building=None, park=None, grid=None)
        total = summaries.filter(region=region).first()
        if region.level == Region.Level.COMMUNITY:
            rows = [
                {"name": s.building.name, "url": s.building.get_absolute_url(), "summary": s}
                for s in CoverageSummary.objects.filter(
                    level=CoverageSummary.Level.BUILDING, region=region
                )
                .select_related("building")
                .order_by("building__code")
            ]
        else:
            rows = [
                {"name": s.region.name, "url": f"?region={s.region.code}", "summary": s}
                for s in summaries.filter(region__parent=region)
                .select_related("region")
                .order_by("region__path")
            ]
        should_found = self.should_found(region)
        page = Paginator(should_found, self.should_found_per_page).get_page(
            self.request.GET.get("page")
        )
        context.update(
            region=region,
            parents=self.parents(region),
            total=total,
            rows=rows,
            child_label=_("楼宇") if region.level == Region.Level.COMMUNITY else _("区划"),
            chart={
                "labels": {"organization": _("组织覆盖率"), "work": _("工作覆盖率")},
                "names": [row["name"] for row in rows],
                "organization": [row["summary"].organization_rate for row in rows],
                "work": [row["summary"].work_rate for row in rows],
            },
            staffing_max=STAFFING_MAX_PER_WORKER,
            can_refresh=scoping.can(user, Enterprise, "change") and in_district_scope(user),
            page=page,
            querystring=f"region={region.code}",
        )
        return context

    def parents(self, region):
        """The region's ancestors within the user's scope, for the breadcrumb."""
        prefix = scoping.scope_prefix(self.request.user)
        return [
            parent
            for parent in region.ancestors().only("code", "name", "path")
            if parent.path.startswith(prefix)
        ]

    def should_found(self, region):
        user = self.request.user
        facts = scoping.restrict(EnterpriseFacts.objects.filter(should_found=True), user)
        if region.path != scoping.scope_prefix(user):
            # Only when it narrows the scope: the same path condition twice makes PostgreSQL
            # square its selectivity and walk every enterprise of the district (0.5 s at
            # 500,000 enterprises instead of 25 ms).
            facts = facts.filter(enterprise__region__path__startswith=region.path)
        return facts.select_related(
            "enterprise", "enterprise__building", "enterprise__party_organization"
        ).order_by("-full_members", "enterprise__name", "enterprise_id")


class ShouldFoundExportView(CoverageReportView):
    """The should-found list of a region as CSV."""

    permission_model = EnterpriseFacts

    def get(self, request, *args, **kwargs):
        facts = self.should_found(self.get_region())
        columns = bind_columns(SHOULD_FOUND_COLUMNS, EnterpriseFacts)
        return exports.csv_response(facts, columns, "should-found")


class CoverageRefreshView(LoginRequiredMixin, View):
    """Recompute the coverage now: district staff who may change enterprises."""

    def post(self, request):
        user = request.user
        if not (scoping.can(user, Enterprise, "change") and in_district_scope(user)):
            raise PermissionDenied
        result = refresh_coverage.delay()
        if result.ready():
            messages.success(request, _("覆盖统计已刷新。"))
        else:
            messages.info(request, _("已开始刷新覆盖统计，完成后刷新本页即可看到新的统计时间。"))
        url = reverse("coverage:report")
        code = request.POST.get("region", "")
        return redirect(f"{url}?region={code}" if code.isdigit() else url)


class CoverageMapView(ScopedRegionMixin, TemplateView):
    """The buildings on a plain map (no tiles: intranets have none), coloured by their
    organisation coverage rate. The markers come from ``CoverageMapDataView``."""

    template_name = "buildings/coverage_map.html"
    permission_model = Building

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.get_region()
        context.update(
            region=region,
            regions=Region.objects.filter(path__startswith=scoping.scope_prefix(self.request.user))
            .filter(Q(level__in=[Region.Level.DISTRICT, *STREET_LEVELS]) | Q(pk=region.pk))
            .order_by("path"),
            bounds={key: float(value) for key, value in DISTRICT_BOUNDS.items()},
            map_text={
                "enterprises": _("企业/社会组织"),
                "organization_rate": _("组织覆盖率"),
                "work_rate": _("工作覆盖率"),
                "open": _("查看楼宇"),
                "count": _("共 %(count)s 栋楼宇。"),
                "legend": {
                    "high": _("组织覆盖率 ≥ 80%"),
                    "mid": _("50%～80%"),
                    "low": _("< 50%"),
                    "none": _("无存续企业"),
                },
            },
        )
        return context


STREET_LEVELS = (Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE)


class CoverageMapDataView(ScopedRegionMixin, View):
    """The buildings with coordinates in scope (optionally under ``?region=``), compact:
    id, name, lat, lng, enterprises and the two rates. One query for the rows."""

    permission_model = Building

    def get(self, request):
        buildings = scoping.restrict(Building.objects.all(), request.user).filter(
            latitude__isnull=False, longitude__isnull=False
        )
        if request.GET.get("region"):
            buildings = buildings.filter(region__path__startswith=self.get_region().path)
        rows = buildings.order_by("code").values_list(
            "id",
            "name",
            "latitude",
            "longitude",
            "coverage__enterprises",
            "coverage__with_organization",
            "coverage__work_covered",
        )
        data = []
        for pk, name, lat, lng, enterprises, organized, worked in rows:
            figures = CoverageSummary(
                enterprises=enterprises or 0,
                with_organization=organized or 0,
                work_covered=worked or 0,
            )
            data.append(
                {
                    "id": pk,
                    "name": name,
                    "lat": float(lat),
                    "lng": float(lng),
                    "enterprises": figures.enterprises,
                    "organization_rate": figures.organization_rate,
                    "work_rate": figures.work_rate,
                }
            )
        return JsonResponse({"detail_url": building_url_template(), "buildings": data})


def building_url_template():
    """The building page's URL with ``{id}`` for the pk (None while there is no page)."""
    try:
        return reverse("buildings:building_detail", args=[987654321]).replace("987654321", "{id}")
    except NoReverseMatch:
        return None
