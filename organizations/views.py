from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from organizations.filters import LeadershipPositionFilterSet, OrganizationFilterSet
from organizations.models import LeadershipPosition, Organization, add_months
from portal import scoping, views
from portal.tables import Column

ORGANIZATION_COLUMNS = [
    Column("code", link=True),
    Column("name", link=True),
    Column("kind"),
    Column("sector"),
    Column("parent.code", label=_("上级组织编码")),
    Column("parent.name", label=_("上级组织")),
    Column("region.code", label=_("区划代码")),
    Column("region.name", label=_("所在区划")),
    Column("founded_on"),
    Column("term_number"),
    Column("term_end"),
    Column("dissolved_on"),
]


class OrganizationListView(views.ObjectListView):
    queryset = Organization.objects.select_related("parent", "region")
    filterset_class = OrganizationFilterSet
    columns = ORGANIZATION_COLUMNS


class OrganizationDetailView(views.ObjectDetailView):
    queryset = Organization.objects.select_related("parent", "region")
    template_name = "organizations/organization_detail.html"

    def get_extra_context(self, obj):
        user = self.request.user
        visible = scoping.restrict(Organization.objects.all(), user)
        return {
            "ancestors": visible.filter(code__in=obj.path.strip("/").split("/")[:-1]).order_by(
                "depth"
            ),
            "children": visible.filter(parent=obj).order_by("code"),
            "subtree_count": visible.filter(path__startswith=obj.path).count() - 1,
            "positions": scoping.restrict(obj.positions.all(), user).order_by("ended_on", "title"),
            "can_add_position": scoping.can(user, LeadershipPosition, "add"),
            **term_context(obj, user),
        }


def term_context(obj, user):
    """The term panel of the detail page: term status, elections, the record link."""
    from organizations import services
    from organizations.models import Election, TermRule

    elections = scoping.restrict(obj.elections.all(), user)
    last = elections.order_by("-held_on", "-pk").first()
    days_left = (obj.term_end - timezone.localdate()).days if obj.term_end else None
    term_years = TermRule.years_for(obj.kind)
    return {
        "term_years": term_years,
        "term_days_left": days_left,
        "term_overdue_days": -days_left if days_left is not None and days_left < 0 else 0,
        "term_due_soon": days_left is not None
        and obj.term_end <= add_months(timezone.localdate(), services.TERM_HORIZON_MONTHS),
        "last_election": last,
        "election_count": elections.count() if last else 0,
        "has_election": obj.elections.exists() if last is None else True,
        "can_record_election": term_years is not None
        and not obj.is_dissolved
        and scoping.can(user, Election, "add")
        and not services.election_refusal(user)
        and scoping.in_scope(obj, user, "change"),
    }


class OrganizationTreeView(views.ScopedViewMixin, TemplateView):
    """The organisation tree, opened level by level (htmx loads a node's children)."""

    queryset = Organization.objects.all()
    template_name = "organizations/organization_tree.html"

    def nodes(self, queryset):
        visible = self.get_queryset()
        return (
            queryset.select_related("region")
            .annotate(child_count=Count("children", filter=Q(children__in=visible.values("pk"))))
            .order_by("code")
        )

    def get_template_names(self):
        if "pk" in self.kwargs:
            return ["organizations/includes/tree_nodes.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = self.get_queryset()
        if "pk" in self.kwargs:
            parent = get_object_or_404(visible, pk=self.kwargs["pk"])
            context["nodes"] = self.nodes(visible.filter(parent=parent))
            return context
        # The roots the user sees: visible nodes whose parent they do not see.
        roots = visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))
        context.update(self.model_context(), nodes=self.nodes(roots))
        return context


POSITION_COLUMNS = [
    Column("organization.name", label=_("所在组织"), link=True),
    Column("title"),
    Column("holder_name", link=True),
    Column("started_on"),
    Column("ended_on"),
]


class LeadershipPositionListView(views.ObjectListView):
    queryset = LeadershipPosition.objects.select_related("organization")
    filterset_class = LeadershipPositionFilterSet
    columns = POSITION_COLUMNS


class LeadershipPositionDetailView(views.ObjectDetailView):
    queryset = LeadershipPosition.objects.select_related("organization")
