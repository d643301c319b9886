"""URL patterns of the development pipeline (``development/``) and transfers (``transfers/``),
merged into members.urls ahead of the member pages."""

from django.urls import path

from members import workflow_views as views

urlpatterns = [
    path("development/", views.ApplicantListView.as_view(), name="applicant_list"),
    path("development/add/", views.ApplicantAddView.as_view(), name="applicant_add"),
    path("development/<int:pk>/", views.ApplicantDetailView.as_view(), name="applicant_detail"),
    path(
        "development/<int:pk>/history/",
        views.ApplicantHistoryView.as_view(),
        name="applicant_history",
    ),
    path(
        "development/<int:pk>/<slug:step>/",
        views.ApplicantActionView.as_view(),
        name="applicant_action",
    ),
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path("transfers/add/", views.TransferAddView.as_view(), name="transfer_add"),
    path("transfers/receive/", views.TransferReceiveView.as_view(), name="transfer_receive"),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    path(
        "transfers/<int:pk>/history/",
        views.TransferHistoryView.as_view(),
        name="transfer_history",
    ),
    path(
        "transfers/<int:pk>/<slug:step>/",
        views.TransferActionView.as_view(),
        name="transfer_action",
    ),
]
