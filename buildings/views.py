"""Pages of the enterprise register (企业法人库) and the building and park register (楼宇园区库):
the generic list/detail/history/edit/delete/import views, with the detail pages that say who
sits in a building, who works there and whether the Party's organisation and work cover them.
"""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from buildings import queries
from buildings.filters import (
    BuildingFilterSet,
    EnterpriseFilterSet,
    ParkFilterSet,
    ServiceSiteFilterSet,
    TenancyFilterSet,
)
from buildings.models import (
    BUILDING_INPUT_FIELDS,
    ENTERPRISE_INPUT_FIELDS,
    PARK_INPUT_FIELDS,
    Building,
    Enterprise,
    Park,
    ServiceSite,
    Tenancy,
)
from members.models import Member
from organizations.models import Organization
from portal import scoping, views
from portal.tables import Annotation, Column

#: How many members a building or enterprise page lists (the total is always shown).
MEMBERS_SHOWN = 50


class Figure(Annotation):
    """A derived figure (coverage, facts) read from an annotation of the list's queryset;
    it may not have been computed yet, and is shown as "—" then."""

    def __init__(self, accessor, label, choices=None):
        super().__init__(accessor, label, choices=choices, empty="—")


COVERAGE_COLUMNS = [
    Figure("cov_enterprises", _("企业/社会组织")),
    Figure("cov_with_members", _("有党员的")),
    Figure("cov_with_organization", _("建有党组织的")),
    Figure("cov_organization_rate", _("组织覆盖率（%）")),
    Figure("cov_work_rate", _("工作覆盖率（%）")),
]


def coverage_context(summary, region):
    """The coverage card: the summary (None until refreshed), and the coverage report and
    the building map opened at ``region`` (the object's street or community)."""
    links = {
        name: f"{reverse(f'coverage:{name}')}?region={region.code}" for name in ("report", "map")
    }
    return {"coverage": summary, "coverage_links": links}


def members_context(user, members):
    """The members of ``members`` the user may see: total and the first page, masked."""
    if not scoping.can(user, Member, "view"):
        return {"members_visible": False}
    visible = scoping.restrict(members, user).select_related("organization", "employer")
    return {
        "members_visible": True,
        "members_total": visible.count(),
        "members": visible.order_by("name", "id")[:MEMBERS_SHOWN],
        "members_shown": MEMBERS_SHOWN,
    }


def organizations_context(user, organizations):
    if not scoping.can(user, Organization, "view"):
        return []
    return list(scoping.restrict(organizations, user).select_related("region").order_by("code"))


# --- parks ---------------------------------------------------------------------------------


class ParkListView(views.ObjectListView):
    queryset = Park.objects.select_related("region").annotate(**queries.coverage_figures())
    filterset_class = ParkFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("region.name", label=_("所在区划")),
        Column("address"),
        Column("operator"),
        *COVERAGE_COLUMNS,
    ]


class ParkDetailView(views.ObjectDetailView):
    queryset = Park.objects.select_related("region", "coverage")
    template_name = "buildings/park_detail.html"
    fields = PARK_INPUT_FIELDS

    def get_extra_context(self, obj):
        user = self.request.user
        buildings = (
            scoping.restrict(obj.buildings.all(), user)
            .select_related("region")
            .annotate(**queries.coverage_figures())
            .order_by("code")
        )
        return {
            **coverage_context(queries.related_or_none(obj, "coverage"), obj.region),
            "buildings": buildings,
            "can_add_building": scoping.can(user, Building, "add"),
        }


# --- buildings -----------------------------------------------------------------------------


class BuildingListView(views.ObjectListView):
    queryset = Building.objects.select_related("region", "park").annotate(
        **queries.coverage_figures()
    )
    filterset_class = BuildingFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("kind"),
        Column("region.name", label=_("所在社区")),
        Column("park.name", label=_("所在园区")),
        Column("address"),
        Column("floors"),
        *COVERAGE_COLUMNS,
    ]


class BuildingDetailView(views.ObjectDetailView):
    """A building: its tenants floor by floor, its Party organisations and those of its
    tenants, its service sites, the members working there and its coverage figures. The
    number of queries does not depend on how many tenants or members there are."""

    queryset = Building.objects.select_related("region", "grid", "park", "coverage")
    template_name = "buildings/building_detail.html"
    fields = BUILDING_INPUT_FIELDS

    def get_extra_context(self, obj):
        user = self.request.user
        tenants = queries.current_tenants(obj)
        if scoping.can(user, Enterprise, "view"):
            tenants = list(scoping.restrict(tenants, user))
        else:
            tenants = []
        working_here = Member.objects.filter(
            employer__building=obj,
            employer__status=Enterprise.Status.ACTIVE,
            status=Member.Status.NORMAL,
        )
        return {
            **coverage_context(queries.related_or_none(obj, "coverage"), obj.region),
            "floors": queries.tenants_by_floor(tenants),
            "tenant_count": len(tenants),
            "can_add_tenant": scoping.can(user, Enterprise, "add"),
            "building_organizations": organizations_context(
                user, Organization.objects.active().filter(building=obj)
            ),
            "tenant_organizations": organizations_context(
                user,
                Organization.objects.active().filter(
                    pk__in=Enterprise.objects.filter(
                        building=obj, status=Enterprise.Status.ACTIVE
                    ).values("party_organization_id")
                ),
            ),
            "service_sites": list(scoping.restrict(obj.service_sites.all(), user).order_by("code")),
            **members_context(user, working_here),
        }


# --- enterprises ---------------------------------------------------------------------------


class EnterpriseListView(views.ObjectListView):
    queryset = Enterprise.objects.select_related("region", "building").annotate(
        organization_form=queries.organization_form(),
        facts_members=F("facts__members"),
        facts_should_found=F("facts__should_found"),
    )
    filterset_class = EnterpriseFilterSet
    columns = [
        Column("uscc", link=True),
        Column("name", link=True),
        Column("kind"),
        Column("industry"),
        Column("region.name", label=_("所在区划")),
        Column("building.name", label=_("所在楼宇")),
        Column("floor"),
        Column("status"),
        Figure("organization_form", _("党组织"), choices=queries.ORGANIZATION_FORMS),
        Figure("facts_members", _("党员数")),
        Figure("facts_should_found", _("应建未建")),
    ]


#: The enterprise's fields as entered, with who approved a USCC exception next to its reason.
ENTERPRISE_DETAIL_FIELDS = [
    *ENTERPRISE_INPUT_FIELDS[:2],
    "uscc_override_by",
    *ENTERPRISE_INPUT_FIELDS[2:],
    "created_at",
    "updated_at",
]


class EnterpriseDetailView(views.ObjectDetailView):
    queryset = Enterprise.objects.select_related(
        "region", "building", "party_organization", "facts", "uscc_override_by"
    )
    template_name = "buildings/enterprise_detail.html"
    fields = ENTERPRISE_DETAIL_FIELDS

    def detail_fields(self, obj):
        rows = super().detail_fields(obj)
        self.field_urls = {name: row["url"] for name, row in zip(self.fields, rows, strict=True)}
        if obj.uscc_override_reason:
            return rows
        return [
            row
            for name, row in zip(self.fields, rows, strict=True)
            if not name.startswith("uscc_override")
        ]

    def get_extra_context(self, obj):
        user = self.request.user
        org = obj.party_organization
        # A former building may lie in another street: link it only when in scope (the
        # rule of scoping.restrict, read from the joined region, not a query per row).
        prefix = scoping.scope_prefix(user) if scoping.can(user, Building, "view") else None
        tenancies = list(queries.tenancy_history(obj))
        for tenancy in tenancies:
            tenancy.building_in_scope = prefix is not None and (
                tenancy.building.region.path.startswith(prefix)
            )
        return {
            "facts": queries.related_or_none(obj, "facts"),
            "organization": org,
            "organization_form": queries.ORGANIZATION_FORMS[obj.organization_kind or "none"],
            # detail_fields ran first and knows whether the organisation is in scope
            "organization_url": self.field_urls.get("party_organization"),
            "tenancies": tenancies,
            **members_context(user, Member.objects.filter(employer=obj)),
        }


# --- service sites -------------------------------------------------------------------------


class ServiceSiteListView(views.ObjectListView):
    queryset = ServiceSite.objects.select_related("region", "building")
    filterset_class = ServiceSiteFilterSet
    columns = [
        Column("code", link=True),
        Column("name", link=True),
        Column("kind"),
        Column("region.name", label=_("所在区划")),
        Column("building.name", label=_("所在楼宇")),
        Column("opening_hours"),
        Column("full_time_workers"),
        Column("contact_phone"),
    ]


class ServiceSiteDetailView(views.ObjectDetailView):
    queryset = ServiceSite.objects.select_related("region", "building")


# --- tenancies -----------------------------------------------------------------------------


class TenancyListView(views.ObjectListView):
    """Moves in and out across the buildings in scope. Tenancies are kept by
    ``sync_tenancies`` from the enterprises, so they are read here, never written, and a
    row opens its enterprise."""

    queryset = Tenancy.objects.select_related("enterprise", "building")
    filterset_class = TenancyFilterSet
    columns = [
        Column("enterprise.name", label=_("企业"), link=True),
        Column("enterprise.uscc", label=_("统一社会信用代码")),
        Column("building.name", label=_("楼宇")),
        Column("floor"),
        Column("room"),
        Column("moved_in_on"),
        Column("moved_out_on"),
    ]

    def model_context(self):
        return {
            **super().model_context(),
            "can_add": False,
            "can_change": False,
            "can_delete": False,
            "can_import": False,
        }

    def showing(self, objects):
        for tenancy in objects:
            tenancy.get_absolute_url = tenancy.enterprise.get_absolute_url
