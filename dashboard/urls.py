"""The dashboard's own URLs; the dashboard itself is the home page (``home``, portal/urls.py)."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("refresh/", views.DashboardRefreshView.as_view(), name="refresh"),
]
