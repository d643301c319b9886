from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from organizations.filters import LeadershipPositionFilterSet, OrganizationFilterSet
from organizations.models import LeadershipPosition, Organization
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
