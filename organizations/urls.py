from django.urls import path

from organizations import election_views, forms, views
from organizations.models import LeadershipPosition, Organization
from portal.views import object_urls

app_name = "organizations"

urlpatterns = [
    path("tree/", views.OrganizationTreeView.as_view(), name="organization_tree"),
    path("tree/<int:pk>/", views.OrganizationTreeView.as_view(), name="organization_tree_children"),
    path("terms/", election_views.TermStatusView.as_view(), name="term_status"),
    path("elections/", election_views.ElectionListView.as_view(), name="election_list"),
    path(
        "elections/<int:pk>/", election_views.ElectionDetailView.as_view(), name="election_detail"
    ),
    path(
        "elections/<int:pk>/history/",
        election_views.ElectionHistoryView.as_view(),
        name="election_history",
    ),
    path(
        "<int:pk>/elections/record/",
        election_views.ElectionRecordView.as_view(),
        name="election_record",
    ),
    path(
        "<int:pk>/candidates/",
        election_views.CandidateAutocompleteView.as_view(),
        name="election_candidates",
    ),
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
