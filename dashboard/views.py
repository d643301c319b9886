"""The dashboard (工作台), the home page after sign-in.

It reads only the summary tables: ``dashboard.Figure`` (refreshed by
``dashboard.summaries.refresh()``) and ``buildings.CoverageSummary``, a constant handful of
queries whatever the size of the registers. A user sees their scope region (a superuser: the
district) with a breakdown by the regions under it; ``?region=<code>`` opens a region inside
the scope, any other code answers 404.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from buildings.models import DISTRICT_BOUNDS, Building, CoverageSummary
from buildings.report_views import in_district_scope
from dashboard.models import Figure, Refresh
from dashboard.summaries import AGE_BANDS, EDUCATION_BANDS, METRICS, month_starts
from dashboard.tasks import refresh_dashboard
from grids.models import Grid
from organizations.models import Organization
from portal import scoping
from portal.models import Region

#: The headline cards: (metric, link name or None). The coverage cards come after these.
CARDS = [
    ("organizations.total", "organizations:organization_list"),
    ("members.total", "members:member_list"),
    ("members.new_this_year", None),
    ("enterprises.active", "buildings:enterprise_list"),
    ("buildings.total", "buildings:building_list"),
    ("grids.total", "grids:grid_list"),
    ("cases.open", "grids:case_list"),
    ("cases.overdue", "grids:case_list"),
    ("wishes.published", "grids:wish_list"),
    ("wishes.claimed", "grids:wish_list"),
    ("wishes.fulfilled", "grids:wish_list"),
    ("visits.month", "grids:visit_list"),
]

#: The lists of figures shown as bands, each with its trend.
BREAKDOWNS = [
    (
        gettext_lazy("党组织（按类别）"),
        [f"organizations.{kind}" for kind, _label in Organization.Kind.choices],
    ),
    (gettext_lazy("党员（按类别）"), ["members.full", "members.probationary"]),
    (
        gettext_lazy("党员（按年龄）"),
        [f"members.age.{key}" for key, _u, _l in AGE_BANDS] + ["members.age.unknown"],
    ),
    (
        gettext_lazy("党员（按学历）"),
        [f"members.education.{key}" for key, _label in EDUCATION_BANDS],
    ),
]

#: The figures the chart by street (community) offers, in the order of its menu.
CHART_METRICS = [
    "members.total",
    "organizations.total",
    "members.new_this_year",
    "enterprises.active",
    "buildings.total",
    "grids.total",
    "cases.open",
    "cases.overdue",
    "visits.month",
]

STREET_LEVELS = (Region.Level.STREET, Region.Level.TOWN, Region.Level.DEVELOPMENT_ZONE)


def sparkline(values, width=100, height=24):
    """The points of an SVG polyline drawing ``values`` in a ``width`` x ``height`` box."""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    points = [
        (round(i * step, 1), round(height - 2 - (value / top) * (height - 4), 1))
        for i, value in enumerate(values)
    ]
    return {
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1] if points else (0, height),
    }


def trend_text(months, values):
    """What the sparkline shows, for screen readers: first and last month with values."""
    if not values:
        return ""
    return _("%(first)s：%(a)s，%(last)s：%(b)s") % {
        "first": months[0].strftime("%Y-%m"),
        "a": values[0],
        "last": months[-1].strftime("%Y-%m"),
        "b": values[-1],
    }


def rate(part, whole):
    return round(part * 100 / whole, 1) if whole else None


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard/dashboard.html"

    def get_region(self):
        """The region shown: ``?region=`` inside the scope, else the scope region (for a
        superuser, the first district); None when the user has no scope or there is none."""
        user = self.request.user
        prefix = scoping.scope_prefix(user)
        if prefix is None:
            return None
        code = self.request.GET.get("region", "").strip()
        if code:
            return get_object_or_404(Region.objects.filter(path__startswith=prefix), code=code)
        if prefix:
            return user.scope_region
        return Region.objects.filter(level=Region.Level.DISTRICT).order_by("path").first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        allowed = scoping.can(user, Figure, "view")
        region = self.get_region() if allowed else None
        context.update(allowed=allowed, region=region)
        if region is None:
            return context
        months = month_starts(timezone.localdate())
        current = months[-1]
        index = {month: i for i, month in enumerate(months)}

        trends = {}
        for metric, month, value in Figure.objects.filter(
            region=region, month__gte=months[0]
        ).values_list("metric", "month", "value"):
            trends.setdefault(metric, [0] * len(months))[index[month]] = value
        zero = [0] * len(months)

        def figure(metric):
            values = trends.get(metric, zero)
            return {
                "key": metric,
                "label": METRICS[metric],
                "value": values[-1],
                "trend": values,
                "spark": sparkline(values),
                "trend_text": trend_text(months, values),
            }

        children = list(Region.objects.filter(parent=region).order_by("path"))
        child_values = {}
        for region_id, metric, value in Figure.objects.filter(
            region__parent=region, month=current
        ).values_list("region_id", "metric", "value"):
            child_values.setdefault(region_id, {})[metric] = value
        coverage = {
            s.region_id: s
            for s in CoverageSummary.objects.filter(building=None, park=None, grid=None).filter(
                Q(region=region) | Q(region__parent=region)
            )
        }
        refreshed = Refresh.objects.order_by("-refreshed_at").first()

        cards = []
        for metric, url_name in CARDS:
            card = figure(metric)
            card["url"] = reverse(url_name) if url_name else None
            cards.append(card)
        cards += self.coverage_cards(months, trends, coverage.get(region.pk))

        rows = []
        for child in children:
            values = child_values.get(child.pk, {})
            summary = coverage.get(child.pk)
            rows.append(
                {
                    "region": child,
                    "values": [values.get(metric, 0) for metric in CHART_METRICS],
                    "organization_rate": summary.organization_rate if summary else None,
                    "work_rate": summary.work_rate if summary else None,
                }
            )
        context.update(
            parents=self.parents(region),
            refreshed=refreshed,
            months=months,
            cards=cards,
            breakdowns=[
                {"title": title, "rows": [figure(metric) for metric in metrics]}
                for title, metrics in BREAKDOWNS
            ],
            child_label=self.child_label(region),
            child_metrics=[METRICS[metric] for metric in CHART_METRICS],
            rows=rows,
            chart={
                "names": [row["region"].name for row in rows],
                "metrics": [
                    {
                        "key": metric,
                        "label": str(METRICS[metric]),
                        "values": [row["values"][i] for row in rows],
                    }
                    for i, metric in enumerate(CHART_METRICS)
                ],
                "coverage": {
                    "labels": {"organization": _("组织覆盖率"), "work": _("工作覆盖率")},
                    "organization": [row["organization_rate"] for row in rows],
                    "work": [row["work_rate"] for row in rows],
                },
            },
            map=self.map_context(region),
            can_refresh=scoping.can(user, Figure, "change") and in_district_scope(user),
        )
        return context

    def coverage_cards(self, months, trends, summary):
        """The two coverage rates: today's from CoverageSummary, the trend from the copies
        the refresh keeps month by month."""
        zero = [0] * len(months)
        enterprises = trends.get("coverage.enterprises", zero)
        cards = []
        for metric, label, attribute in (
            ("coverage.with_organization", _("组织覆盖率"), "organization_rate"),
            ("coverage.work_covered", _("工作覆盖率"), "work_rate"),
        ):
            parts = trends.get(metric, zero)
            pairs = zip(parts, enterprises, strict=True)
            values = [rate(part, whole) or 0 for part, whole in pairs]
            value = getattr(summary, attribute) if summary is not None else None
            cards.append(
                {
                    "key": metric,
                    "label": label,
                    "value": value,
                    "unit": "%",
                    "trend": values,
                    "spark": sparkline(values),
                    "trend_text": trend_text(months, values),
                    "url": reverse("coverage:report"),
                }
            )
        return cards

    def parents(self, region):
        """The region's ancestors within the user's scope, for the breadcrumb."""
        prefix = scoping.scope_prefix(self.request.user)
        codes = region.path.strip("/").split("/")[:-1]
        if not codes:
            return []
        return [
            parent
            for parent in Region.objects.filter(code__in=codes).order_by("depth")
            if parent.path.startswith(prefix)
        ]

    @staticmethod
    def child_label(region):
        if region.level == Region.Level.DISTRICT:
            return _("街道/镇")
        if region.level in STREET_LEVELS:
            return _("居民区/村")
        return _("下级区划")

    def map_context(self, region):
        user = self.request.user
        grids = scoping.can(user, Grid, "view")
        buildings = scoping.can(user, Building, "view")
        if not (grids or buildings):
            return None
        params = f"?region={region.code}"
        return {
            "grids_url": reverse("api:grid-map") + params if grids else "",
            "buildings_url": reverse("coverage:map_data") + params if buildings else "",
            "bounds": ",".join(
                str(float(DISTRICT_BOUNDS[key]))
                for key in ("lat_min", "lng_min", "lat_max", "lng_max")
            ),
            "text": {
                "grids": _("网格"),
                "buildings": _("楼宇"),
                "open": _("未办结"),
                "overdue": _("已超时"),
                "enterprises": _("企业/社会组织"),
                "organization_rate": _("组织覆盖率"),
                "count": _("%(grids)s 个网格，%(buildings)s 栋楼宇。"),
            },
        }


class DashboardRefreshView(LoginRequiredMixin, View):
    """Recompute the figures now: district staff only."""

    def post(self, request):
        user = request.user
        if not (scoping.can(user, Figure, "change") and in_district_scope(user)):
            raise PermissionDenied
        result = refresh_dashboard.delay()
        if result.ready():
            messages.success(request, _("工作台统计已刷新。"))
        else:
            messages.info(request, _("已开始刷新工作台统计，完成后刷新本页即可看到新的统计时间。"))
        code = request.POST.get("region", "")
        url = reverse("home")
        return redirect(f"{url}?region={code}" if code.isdigit() else url)
