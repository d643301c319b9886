"""URL patterns of the status changes (``<pk>/status/<action>/``), merged into members.urls."""

from django.urls import path

from members import status_views

urlpatterns = [
    path(
        "<int:pk>/status/<slug:change>/",
        status_views.MemberStatusView.as_view(),
        name="member_status",
    ),
]
