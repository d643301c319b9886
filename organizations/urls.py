from django.urls import path

from organizations import views
from portal.views import object_urls

app_name = "organizations"

urlpatterns = [
    path("tree/", views.OrganizationTreeView.as_view(), name="organization_tree"),
    path("tree/<int:pk>/", views.OrganizationTreeView.as_view(), name="organization_tree_children"),
    *object_urls(
        "positions/",
        "leadershipposition",
        list_view=views.LeadershipPositionListView,
        detail=views.LeadershipPositionDetailView,
        history=views.LeadershipPositionHistoryView,
        edit=views.LeadershipPositionEditView,
        delete=views.LeadershipPositionDeleteView,
    ),
    *object_urls(
        "",
        "organization",
        list_view=views.OrganizationListView,
        detail=views.OrganizationDetailView,
        history=views.OrganizationHistoryView,
        edit=views.OrganizationEditView,
        delete=views.OrganizationDeleteView,
        import_view=views.OrganizationImportView,
        template=views.OrganizationTemplateView,
    ),
]
