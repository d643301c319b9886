from django.urls import path

from organizations import forms, views
from organizations.models import LeadershipPosition, Organization
from portal.views import object_urls

app_name = "organizations"

urlpatterns = [
    path("tree/", views.OrganizationTreeView.as_view(), name="organization_tree"),
    path("tree/<int:pk>/", views.OrganizationTreeView.as_view(), name="organization_tree_children"),
    *object_urls(
        "positions/",
        LeadershipPosition,
        list_view=views.LeadershipPositionListView,
        detail=views.LeadershipPositionDetailView,
        form=forms.LeadershipPositionForm,
    ),
    *object_urls(
        "",
        Organization,
        list_view=views.OrganizationListView,
        detail=views.OrganizationDetailView,
        form=forms.OrganizationForm,
        importable=True,
    ),
]
