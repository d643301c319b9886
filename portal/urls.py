from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dashboard.views import DashboardView
from portal import ui, views
from portal.api_docs import ApiDocsView
from portal.routers import api_urls

urlpatterns = [
    path("", DashboardView.as_view(), name="home"),
    path("accounts/login/", ui.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", ui.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", include("portal.accounts.urls")),
    path("coming/<slug:section>/", ui.ComingView.as_view(), name="coming"),
    path("audit/", ui.AuditLogView.as_view(), name="audit_log"),
    path("imports/<int:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path("imports/<int:pk>/retry/", views.ImportJobRetryView.as_view(), name="import_job_retry"),
    path(
        "imports/<int:pk>/errors.csv", views.ImportJobErrorsView.as_view(), name="import_job_errors"
    ),
    path("autocomplete/<str:label>/", views.AutocompleteView.as_view(), name="autocomplete"),
    path("", include("portal.core_urls")),
    path("organizations/", include("organizations.urls")),
    path("members/", include("members.urls")),
    path("", include("buildings.urls")),
    path("coverage/", include("buildings.report_urls")),
    path("grids/", include("grids.urls")),
    path("open311/v2/", include("grids.open311")),
    path("regional/", include("regional.urls")),
    path("cadres/", include("cadres.urls")),
    path("inbox/", include("portal.inbox.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("search/", include("search.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include((api_urls(), "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]
