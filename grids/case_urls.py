"""URL patterns of grids' case pages, merged into grids.urls: the case list, report form and
detail (``cases/``), the transitions, and "my grid" (``mine/``)."""

from django.urls import path
from django.views.generic import RedirectView

from grids import case_views as views

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/add/", views.CaseReportView.as_view(), name="case_add"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/history/", views.CaseHistoryView.as_view(), name="case_history"),
    path(
        "cases/<int:pk>/<slug:transition>/",
        views.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path("cases/photos/<int:pk>/", views.CasePhotoView.as_view(), name="casephoto_file"),
    path("mine/", views.MyGridView.as_view(), name="my_grid"),
    # The inbox moved to /inbox/ (portal.inbox); old links still arrive there.
    path("mine/inbox/", RedirectView.as_view(pattern_name="inbox:index"), name="inbox"),
]
